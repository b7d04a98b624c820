"""A learner's progress: enrolment on first visit, idempotent completion, resuming anywhere."""

import pytest
from django.urls import reverse
from django.utils import translation

from courses import selectors, services, signals
from courses.models import Enrolment, LessonProgress, QuizAttempt
from tests.factories import ALL_RIGHT, QUIZ_ID, UserFactory, new_token

pytestmark = pytest.mark.django_db


def test_opening_a_lesson_enrols_and_becomes_where_to_continue(site, learner_client, learner):
    lesson = site["lessons"][0]
    response = learner_client.get(lesson.url)
    assert response.status_code == 200
    assert Enrolment.objects.filter(user=learner, course_key=site["course"].translation_key).exists()
    point = selectors.continue_learning(user=learner)
    assert point.lesson.pk == lesson.pk
    home = learner_client.get("/en/")
    assert "Continue where you left off" in home.content.decode()
    assert lesson.title in home.content.decode()


def test_completing_a_lesson_twice_records_it_once(site, learner_client, learner):
    lesson = site["lessons"][0]
    events = []
    signals.lesson_completed.connect(lambda **kw: events.append(kw["lesson"].pk), weak=False, dispatch_uid="t1")
    try:
        url = reverse("complete_lesson", args=[lesson.pk])
        first = learner_client.post(url)
        second = learner_client.post(url)
    finally:
        signals.lesson_completed.disconnect(dispatch_uid="t1")
    assert first.status_code == second.status_code == 302
    progress = LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key)
    assert progress.completed_at is not None
    assert events == [lesson.pk]
    # Continue now points at the next lesson.
    assert selectors.continue_learning(user=learner).lesson.pk == site["lessons"][1].pk


def test_a_lesson_with_a_quiz_completes_only_once_the_quiz_is_passed(site, learner_client, learner):
    lesson = site["lessons"][1]
    response = learner_client.post(reverse("complete_lesson", args=[lesson.pk]), follow=True)
    assert "Pass the quiz" in response.content.decode()
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at


def test_the_course_completes_when_every_required_lesson_is_done(site, learner):
    finished = []
    signals.course_completed.connect(lambda **kw: finished.append(kw["user"].pk), weak=False, dispatch_uid="t2")
    try:
        for lesson in site["lessons"]:
            if lesson.quiz_blocks():
                services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
            else:
                services.complete_lesson(user=learner, lesson=lesson)
            services.complete_lesson(user=learner, lesson=lesson)  # repeating changes nothing
    finally:
        signals.course_completed.disconnect(dispatch_uid="t2")
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.completed_at is not None
    assert finished == [learner.pk]
    assert selectors.continue_learning(user=learner) is None


def test_an_optional_lesson_is_not_needed_to_finish_the_course(site, learner):
    optional = site["lessons"][2]
    optional.required = False
    optional.save_revision().publish()
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    services.submit_quiz(user=learner, lesson=site["lessons"][1], quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert Enrolment.objects.get(user=learner).completed_at is not None


def test_progress_is_shared_between_english_and_khmer(site, learner_client, learner):
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    khmer_first = site["lessons_km"][0]
    response = learner_client.get(site["course_km"].url)
    body = response.content.decode()
    assert response.status_code == 200
    assert site["course_km"].url.startswith("/km/")
    # The Khmer course page shows the completion made on the English side.
    with translation.override("km"):
        expected = translation.gettext("%(done)s of %(total)s lessons done") % {"done": 1, "total": 3}
    assert expected in body
    learner_client.get(khmer_first.url)
    assert LessonProgress.objects.filter(user=learner).count() == 1
    point = selectors.continue_learning(user=learner)
    assert point is not None


def test_resuming_on_another_pc_is_the_same_as_on_this_one(site, client, learner):
    client.force_login(learner)
    client.get(site["lessons"][1].url)
    client.logout()
    other_pc = type(client)()
    other_pc.force_login(learner)
    home = other_pc.get("/en/").content.decode()
    assert "Continue where you left off" in home and "Lesson 2" in home


def test_an_unpublished_lesson_cannot_be_completed(site, learner_client, learner):
    lesson = site["lessons"][0]
    lesson.unpublish()
    response = learner_client.post(reverse("complete_lesson", args=[lesson.pk]))
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()
    assert not Enrolment.objects.exists()


def test_completing_needs_a_login(site, client):
    response = client.post(reverse("complete_lesson", args=[site["lessons"][0].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LessonProgress.objects.exists()


def test_heartbeat_counts_time_but_never_more_than_the_cap(site, learner):
    from datetime import timedelta

    from django.utils import timezone

    lesson = site["lessons"][0]
    start = timezone.now()
    services.record_lesson_visit(user=learner, lesson=lesson, now=start)
    services.record_heartbeat(user=learner, lesson=lesson, now=start + timedelta(seconds=60))
    services.record_heartbeat(user=learner, lesson=lesson, now=start + timedelta(hours=5))
    progress = LessonProgress.objects.get(user=learner)
    assert progress.seconds_spent == 60 + int(services.HEARTBEAT_CAP.total_seconds())


def test_my_learning_lists_only_my_courses(site, learner_client, learner):
    other = UserFactory()
    services.record_lesson_visit(user=other, lesson=site["lessons"][0])
    assert learner_client.get(reverse("my_learning")).content.decode().count("Safe online") == 0
    services.record_lesson_visit(user=learner, lesson=site["lessons"][0])
    body = learner_client.get(reverse("my_learning")).content.decode()
    assert "Safe online" in body
    assert QuizAttempt.objects.count() == 0


def test_my_learning_continues_at_the_next_lesson_in_the_language_of_the_page(site, learner_client, learner):
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    page = learner_client.get("/en/learn/").content.decode()
    assert "Continue where you left off" in page
    assert f'href="{site["lessons"][1].url}"' in page  # lesson 1 is done: lesson 2 is next
    assert "1 of 3 lessons done" in page

    khmer = learner_client.get("/km/learn/").content.decode()
    assert f'href="{site["lessons_km"][1].url}"' in khmer
    assert f'href="{site["lessons"][1].url}"' not in khmer


def test_reopening_the_last_lesson_writes_nothing_but_another_lesson_moves_where_to_continue(
        site, learner_client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = site["lessons"][0], site["lessons"][1]
    learner_client.get(first.url)
    with CaptureQueriesContext(connection) as reload:
        assert learner_client.get(first.url).status_code == 200
    writes = [q["sql"] for q in reload.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
              and "lessonprogress" in q["sql"].lower()]
    assert writes == []
    learner_client.get(second.url)
    learner_client.get(first.url)  # back to the first: it is where she is again
    latest = LessonProgress.objects.filter(user=learner).order_by("-last_seen_at").first()
    assert latest.lesson_key == first.translation_key


def test_reopening_reads_her_last_lesson_with_her_roles(cache_gets, site, learner_client):
    """One cache round trip less per lesson page: the last lesson she opened comes in the roles' read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses import services

    first = site["lessons"][0]
    learner_client.get(first.url)
    asked = cache_gets(services)
    with CaptureQueriesContext(connection) as reload:
        assert learner_client.get(first.url).status_code == 200
    assert not [key for key in asked if "last-visit" in key]
    assert not [q for q in reload.captured_queries if "lessonprogress" in q["sql"].lower()
                and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_a_second_visit_in_the_same_request_sees_the_first(site, learner):
    """Her last lesson read with her roles follows a visit recorded in the same request: lesson A then
    B then A again each move where she is (the read at sign-in said B)."""
    from django.core.cache import cache

    from cms import rolecache
    from courses import services

    first, second = site["lessons"][0], site["lessons"][1]
    key = f"courses:last-visit:{learner.pk}"
    learner._sangkat_also = {key: str(second.translation_key)}  # as cms.auth leaves it
    services.record_lesson_visit(user=learner, lesson=first)
    services.record_lesson_visit(user=learner, lesson=second)
    assert rolecache.kept_with_roles(learner, key) == cache.get(key) == str(second.translation_key)
    latest = LessonProgress.objects.filter(user=learner).order_by("-last_seen_at").first()
    assert latest.lesson_key == second.translation_key
