"""The home page's course card and the course page count the same lessons (issue 16)."""

import json
import re

import pytest
from django.utils import translation

from courses.models import LessonPage
from tests.factories import text_block

pytestmark = pytest.mark.django_db


def _lesson_counts(html: str, language: str) -> list[int]:
    """Every "N lessons" on the page (the counts here are all above one)."""
    with translation.override(language):
        many = translation.ngettext("%(lessons)s lesson", "%(lessons)s lessons", 5)
    regex = re.escape(many).replace(re.escape("%(lessons)s"), r"(\d+)") + r"(?!\w)"
    return [int(n) for n in re.findall(regex, html)]


def _add(course, slug, *, live=True, required=True):
    lesson = LessonPage(title=slug, slug=slug, live=live, required=required,
                        body=json.dumps([text_block("text")]))
    course.add_child(instance=lesson)
    return lesson


@pytest.fixture
def uneven_course(site):
    """Three lessons in both languages, plus: an optional one in both, a draft in English and a
    lesson published in English only."""
    optional = _add(site["course"], "optional-extra", required=False)
    optional_km = optional.copy_for_translation(site["course_km"].locale)
    optional_km.save_revision().publish()
    _add(site["course"], "draft-lesson", live=False)
    _add(site["course"], "english-only")
    return site


@pytest.mark.parametrize(("language", "expected"), [("en", 5), ("km", 4)])
def test_home_card_and_course_page_count_the_same_lessons(uneven_course, learner_client, language,
                                                          expected):
    site = uneven_course
    home = site["home"] if language == "en" else site["home"].get_translation(site["course_km"].locale)
    course = site["course"] if language == "en" else site["course_km"]
    home_html = learner_client.get(home.url).content.decode()
    course_html = learner_client.get(course.url).content.decode()
    assert _lesson_counts(home_html, language) == [expected]
    assert _lesson_counts(course_html, language) == [expected]
    # The course page lists exactly the lessons it counts.
    listed = re.search(r'<ol class="lessons">(.*?)</ol>', course_html, re.S).group(1)
    assert listed.count("<li") == expected
