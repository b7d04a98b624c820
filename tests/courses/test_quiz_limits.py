"""A course that certifies people limits quiz tries and holds back right answers until a pass."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import LessonProgress, QuizAttempt, QuizResult
from tests.factories import ALL_RIGHT, ONE_RIGHT, QUIZ_ID, UserFactory, build_site, new_token

pytestmark = pytest.mark.django_db


def post_quiz(client, lesson, answers, quiz_id=QUIZ_ID):
    data = {"token": new_token()}
    for number, chosen in answers.items():
        data[f"q{number}"] = chosen
    return client.post(reverse("submit_quiz", args=[lesson.pk, quiz_id]), data)


def limit(course, *, tries=None, hide=False):
    course.quiz_attempts_per_day = tries
    course.quiz_answers_after_pass = hide
    course.save_revision().publish()


def test_a_try_over_the_daily_limit_is_refused_with_a_clear_message(site, learner_client, learner):
    limit(site["course"], tries=2)
    lesson = site["lessons"][1]
    post_quiz(learner_client, lesson, ONE_RIGHT)
    page = learner_client.get(lesson.url).content.decode()
    assert "1 try left today." in page
    post_quiz(learner_client, lesson, ONE_RIGHT)
    response = post_quiz(learner_client, lesson, ALL_RIGHT)
    assert QuizAttempt.objects.filter(user=learner).count() == 2
    result = QuizResult.objects.get(user=learner)
    assert (result.attempts, result.passed_at) == (2, None)
    page = learner_client.get(response["Location"]).content.decode()
    assert "You have used your 2 tries at this quiz for today." in page
    assert "you can try again in 24 hours" in page
    assert "disabled>Send my answers again" in page.replace("\n", "")


def test_a_refused_try_records_no_learning_time(site, learner):
    limit(site["course"], tries=1)
    lesson = site["lessons"][1]
    services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    LessonProgress.objects.filter(user=learner).update(seconds_spent=0)
    with pytest.raises(services.QuizTriesUsed):
        services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert LessonProgress.objects.get(user=learner).seconds_spent == 0


def test_the_same_answer_sheet_resent_after_the_limit_is_not_refused(site, learner):
    limit(site["course"], tries=1)
    lesson = site["lessons"][1]
    token = new_token()
    first = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=token, answers=ALL_RIGHT)
    again = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=token, answers=ALL_RIGHT)
    assert again.attempt.pk == first.attempt.pk


def test_tries_come_back_a_day_later(site, learner):
    limit(site["course"], tries=1)
    lesson = site["lessons"][1]
    services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    QuizAttempt.objects.update(created_at=timezone.now() - timedelta(hours=23))
    with pytest.raises(services.QuizTriesUsed) as refused:
        services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert "in 1 hour." in refused.value.message
    QuizAttempt.objects.update(created_at=timezone.now() - timedelta(hours=25))
    outcome = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    assert outcome.attempt.passed


def test_tries_are_counted_per_learner(site, learner):
    limit(site["course"], tries=1)
    lesson = site["lessons"][1]
    services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    other = UserFactory()
    services.submit_quiz(user=other, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    assert QuizAttempt.objects.filter(user=other).count() == 1


def test_a_course_without_a_limit_keeps_unlimited_tries(site, learner_client, learner):
    lesson = site["lessons"][1]
    for _ in range(4):
        post_quiz(learner_client, lesson, ONE_RIGHT)
    assert QuizAttempt.objects.filter(user=learner).count() == 4
    assert "left today" not in learner_client.get(lesson.url).content.decode()


def test_a_laxer_translation_of_the_course_does_not_lift_the_limit(learner):
    site = build_site(with_khmer=True)
    limit(site["course"], tries=1, hide=True)  # the Khmer copy keeps no limit
    services.submit_quiz(
        user=learner, lesson=site["lessons_km"][1], quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT,
    )
    with pytest.raises(services.QuizTriesUsed):
        services.submit_quiz(
            user=learner, lesson=site["lessons"][1], quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT,
        )


def test_held_back_answers_show_only_the_score_until_she_passes(site, learner_client, learner):
    limit(site["course"], hide=True)
    lesson = site["lessons"][1]
    response = post_quiz(learner_client, lesson, ONE_RIGHT)
    page = learner_client.get(response["Location"]).content.decode()
    assert "You got 1 of 3 right" in page
    assert "Which answers were right is shown once you pass." in page
    assert "Not quite" not in page and "✓ Correct" not in page
    assert 'class="feedback"' not in page
    assert 'class="question right"' not in page and 'class="question wrong"' not in page
    response = post_quiz(learner_client, lesson, ALL_RIGHT)
    page = learner_client.get(response["Location"]).content.decode()
    assert "✓ Correct" in page and "Long and unusual." in page


def test_without_the_setting_each_try_shows_which_answers_were_right(site, learner_client):
    lesson = site["lessons"][1]
    response = post_quiz(learner_client, lesson, ONE_RIGHT)
    page = learner_client.get(response["Location"]).content.decode()
    assert "Not quite" in page


def test_staff_set_the_quiz_rules_in_the_course_editor(client, site):
    staff = UserFactory(roles=["innovation-unit"])
    client.force_login(staff)
    body = client.get(f"/admin/pages/{site['course'].pk}/edit/").content.decode()
    assert 'name="quiz_attempts_per_day"' in body and 'name="quiz_answers_after_pass"' in body
