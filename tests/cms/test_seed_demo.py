"""`seed_demo` loads a real bilingual curriculum, centers and a user per role, and is safe to repeat."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from cms import roles
from courses.models import CoursePage, LessonPage
from labs.models import Center

pytestmark = pytest.mark.django_db
KHMER = re.compile(r"[\u1780-\u17FF]")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    credentials = tmp_path_factory.mktemp("seed") / "credentials.txt"
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("seed_demo", credentials_file=str(credentials), verbosity=0)
        call_command("seed_demo", credentials_file=str(credentials), verbosity=0)  # changes nothing
    yield credentials
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_three_courses_of_four_or_more_lessons_in_both_languages(seeded):
    for language in ("en", "km"):
        courses = CoursePage.objects.live().filter(locale__language_code=language)
        assert courses.count() >= 3
        for course in courses:
            assert LessonPage.objects.live().child_of(course).count() >= 4


def test_khmer_lessons_are_written_in_khmer_and_quizzes_match(seeded):
    english = LessonPage.objects.live().filter(locale__language_code="en")
    quizzes = 0
    for lesson in english:
        khmer = lesson.get_translation(lesson.locale.__class__.objects.get(language_code="km")).specific
        assert KHMER.search(khmer.title)
        text = " ".join(str(block.value) for block in khmer.body if block.block_type == "text")
        assert len(KHMER.findall(text)) > 100, khmer.title
        assert [q.id for q in lesson.quiz_blocks()] == [q.id for q in khmer.quiz_blocks()]
        for quiz_en, quiz_km in zip(lesson.quiz_blocks(), khmer.quiz_blocks(), strict=True):
            right_en = [[a["correct"] for a in q["answers"]] for q in quiz_en.value["questions"]]
            right_km = [[a["correct"] for a in q["answers"]] for q in quiz_km.value["questions"]]
            assert right_en == right_km
            quizzes += 1
    assert quizzes >= 9


def test_no_placeholder_text(seeded):
    for lesson in LessonPage.objects.live():
        body = str(lesson.body.raw_data).lower()
        assert "lorem" not in body and "todo" not in body and "placeholder" not in body


def test_centers_and_a_user_for_every_role(seeded):
    assert Center.objects.count() == 3
    assert all(center.name_km for center in Center.objects.all())
    User = get_user_model()
    for role in roles.ALL_ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    assert User.objects.get(username="demo-facilitator").facilitated_centers.count() == 2
    assert User.objects.filter(is_superuser=True, username="admin").count() == 1


def test_new_demo_passwords_are_saved_privately_once(seeded):
    lines = seeded.read_text().splitlines()
    assert {line.split()[0] for line in lines} >= {"demo-learner", "demo-facilitator", "admin"}
    assert len(lines) == len({line.split()[0] for line in lines})  # the second run added none
    assert seeded.stat().st_mode & 0o077 == 0


def test_the_demo_ships_a_scorm_12_and_a_scorm_2004_package_in_both_languages(seeded):
    from courses.scorm.models import ScormPackage

    ready = ScormPackage.objects.filter(status=ScormPackage.Status.READY)
    assert sorted(ready.values_list("version", flat=True)) == ["1.2", "1.2", "2004", "2004"]  # en and km, once
    played = [block for lesson in LessonPage.objects.live() for block in lesson.body if block.block_type == "scorm"]
    assert sorted(block.value["package"].version for block in played) == ["1.2", "1.2", "2004", "2004"]
    assert any(KHMER.search(package.title) for package in ready)
