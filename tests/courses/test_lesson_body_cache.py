"""A lesson's own content is rendered once per revision, language and block (courses.selectors.
lesson_context, kept with cms.structure), while all that is the learner's stays live: a published
revision shows at once, each language gets its own rendering, quiz choices and feedback are hers."""

import json

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from courses import services
from courses.selectors import lesson_context
from tests.factories import (
    ALL_RIGHT,
    ONE_RIGHT,
    QUIZ_ID,
    UserFactory,
    new_token,
    quiz_block,
    text_block,
)

pytestmark = pytest.mark.django_db


def _callout(text: str) -> dict:
    return {"type": "callout", "value": {"style": "tip", "text": text}}


def _with_callout(lesson, text="Use a long password.") -> None:
    lesson.body = json.dumps([text_block("Body text."), _callout(text), quiz_block()])
    lesson.save_revision().publish()


def test_a_published_revision_shows_its_new_content_at_once(learner_client, site):
    lesson = site["lessons"][0]
    _with_callout(lesson, "First advice.")
    assert "First advice." in learner_client.get(lesson.url).content.decode()
    assert "First advice." in learner_client.get(lesson.url).content.decode()  # from the kept rendering
    _with_callout(lesson, "Second advice.")
    page = learner_client.get(lesson.url).content.decode()
    assert "Second advice." in page and "First advice." not in page


def test_the_kept_rendering_is_used_until_the_page_changes(learner_client, site):
    from courses.models import LessonPage

    lesson = site["lessons"][0]
    _with_callout(lesson, "Kept advice.")
    assert "Kept advice." in learner_client.get(lesson.url).content.decode()
    # Rows changed without a signal (as another process would before its new generation arrives):
    # the rendering kept here is still shown, so it really is reused.
    LessonPage.objects.filter(pk=lesson.pk).update(body=json.dumps([_callout("Changed quietly.")]))
    assert "Kept advice." in learner_client.get(lesson.url).content.decode()


def test_each_language_gets_its_own_rendering_of_the_same_block(learner, site):
    lesson = site["lessons"][0]
    _with_callout(lesson)
    request = RequestFactory().get(lesson.url)
    request.user = learner
    page = lesson.__class__.objects.get(pk=lesson.pk)

    def rendered(language: str) -> str:
        with translation.override(language):
            body = lesson_context(user=learner, lesson=page, request=request)["body"]
        return "".join(str(item["html"] or item["quiz"].questions_html) for item in body)

    english, khmer, english_again = rendered("en"), rendered("km"), rendered("en")
    assert "Tip" in english and "គន្លឹះ" not in english
    assert "គន្លឹះ" in khmer and "Tip" not in khmer
    assert "ជ្រើសរើសចម្លើយត្រឹមត្រូវទាំងអស់" in khmer  # the quiz's "choose all that are true"
    assert english_again == english


def test_khmer_and_english_pages_show_their_own_texts(learner_client, site):
    english, khmer = site["lessons"][1], site["lessons_km"][1]
    for _ in range(2):
        en_page = learner_client.get(english.url).content.decode()
        km_page = learner_client.get(khmer.url).content.decode()
        assert "Lesson 2 text." in en_page and "អត្ថបទមេរៀន 2" not in en_page
        assert "អត្ថបទមេរៀន 2" in km_page and "Lesson 2 text." not in km_page


def test_quiz_choices_and_feedback_stay_the_learners_own(site, learner, learner_client):
    lesson = site["lessons"][1]
    other = UserFactory()
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(lesson.url).status_code == 200  # the questions are now kept
    attempt = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(),
                                   answers=ONE_RIGHT).attempt
    mine = learner_client.get(f"{lesson.url}?attempt={attempt.pk}").content.decode()
    assert " checked" in mine and 'class="feedback"' in mine
    theirs = other_client.get(lesson.url).content.decode()
    assert " checked" not in theirs and 'class="feedback"' not in theirs
    services.submit_quiz(user=other, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert "Your best: 100%" in other_client.get(lesson.url).content.decode()
    assert "Your best: 100%" not in learner_client.get(lesson.url).content.decode()


def test_signed_out_visitors_get_disabled_answers_and_learners_do_not(site, learner_client):
    lesson = site["lessons"][1]
    assert " disabled>" not in learner_client.get(lesson.url).content.decode()
    anonymous = Client().get(lesson.url).content.decode()
    assert " disabled>" in anonymous
    assert " disabled>" not in learner_client.get(lesson.url).content.decode()


def test_a_preview_of_a_draft_is_never_kept_as_the_live_lesson(learner_client, site):
    from courses.models import LessonPage

    lesson = site["lessons"][0]
    _with_callout(lesson, "Live advice.")
    draft = LessonPage.objects.get(pk=lesson.pk)  # same id and live revision, other content
    draft.body = json.dumps([_callout("Draft advice."), quiz_block()])
    assert "Draft advice." in draft.make_preview_request().content.decode()
    live = learner_client.get(lesson.url).content.decode()
    assert "Live advice." in live and "Draft advice." not in live
    assert "Draft advice." in draft.make_preview_request().content.decode()  # not the kept live one
