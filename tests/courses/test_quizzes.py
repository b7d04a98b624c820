"""Quizzes are scored on the server; bad posts change nothing; the best score is kept."""

import pytest
from django.urls import reverse

from courses import services
from courses.models import LessonProgress, QuizAttempt, QuizResult
from tests.factories import ALL_RIGHT, ONE_RIGHT, QUIZ_ID, UserFactory, new_token

pytestmark = pytest.mark.django_db


def post_quiz(client, lesson, answers, token=None, quiz_id=QUIZ_ID):
    data = {"token": token or new_token()}
    for number, chosen in answers.items():
        data[f"q{number}"] = chosen
    return client.post(reverse("submit_quiz", args=[lesson.pk, quiz_id]), data)


def test_a_right_answer_sheet_passes_and_shows_feedback(site, learner_client, learner):
    lesson = site["lessons"][1]
    response = post_quiz(learner_client, lesson, ALL_RIGHT)
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (3, 3, 100, True)
    page = learner_client.get(response["Location"]).content.decode()
    assert "You got 3 of 3 right" in page
    assert "Long and unusual." in page  # feedback of the chosen answer


def test_multiple_choice_needs_exactly_the_right_set(site, learner):
    lesson = site["lessons"][1]
    outcome = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    assert outcome.attempt.score == 1 and outcome.attempt.percent == 33 and not outcome.attempt.passed


def test_the_best_score_is_kept_and_retries_are_allowed(site, learner):
    lesson = site["lessons"][1]
    for answers in (ONE_RIGHT, ALL_RIGHT, ONE_RIGHT):
        services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=new_token(), answers=answers)
    result = QuizResult.objects.get(user=learner)
    assert (result.best_percent, result.attempts) == (100, 3)
    assert result.passed_at is not None


def test_sending_the_same_answer_sheet_twice_records_one_attempt(site, learner_client, learner):
    lesson = site["lessons"][1]
    token = new_token()
    post_quiz(learner_client, lesson, ONE_RIGHT, token=token)
    post_quiz(learner_client, lesson, ONE_RIGHT, token=token)
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    assert QuizResult.objects.get(user=learner).attempts == 1


@pytest.mark.parametrize("answers, message", [
    ({"0": ["9"], "1": ["0"], "2": ["0"]}, "not one of the choices"),
    ({"0": ["x"], "1": ["0"], "2": ["0"]}, "not one of the choices"),
    ({"0": ["1"], "2": ["0"]}, "answer every question"),
    ({"0": ["0", "1"], "1": ["0"], "2": ["0"]}, "only one answer"),
    ({"0": ["1"], "1": ["0"], "2": ["0"], "7": ["0"]}, "has changed"),
])
def test_a_malformed_answer_sheet_is_refused_and_changes_nothing(site, learner_client, learner, answers, message):
    response = post_quiz(learner_client, site["lessons"][1], answers)
    assert not QuizAttempt.objects.exists()
    assert not QuizResult.objects.exists()
    assert not LessonProgress.objects.exists()
    page = learner_client.get(response["Location"]).content.decode()
    assert message in page


def test_an_unknown_quiz_or_a_missing_token_is_refused(site, learner_client):
    lesson = site["lessons"][1]
    post_quiz(learner_client, lesson, ALL_RIGHT, quiz_id="not-a-quiz")
    learner_client.post(reverse("submit_quiz", args=[lesson.pk, QUIZ_ID]), {"token": "nonsense", "q0": "1"})
    assert not QuizAttempt.objects.exists()


def test_another_learners_attempt_cannot_be_seen_or_reused(site, client, learner):
    lesson = site["lessons"][1]
    token = new_token()
    theirs = services.submit_quiz(user=learner, lesson=lesson, quiz_id=QUIZ_ID, token=token, answers=ALL_RIGHT).attempt
    intruder = UserFactory()
    client.force_login(intruder)
    page = client.get(f"{lesson.url}?attempt={theirs.pk}").content.decode()
    assert "You got 3 of 3 right" not in page
    # Re-sending the other learner's token only ever creates the intruder's own attempt.
    post_quiz(client, lesson, ONE_RIGHT, token=token)
    assert QuizAttempt.objects.get(user=learner).score == 3
    assert QuizAttempt.objects.get(user=intruder).score == 1


def test_a_quiz_posted_to_an_unpublished_lesson_is_refused(site, learner_client):
    lesson = site["lessons"][1]
    lesson.unpublish()
    response = post_quiz(learner_client, lesson, ALL_RIGHT)
    assert response.status_code == 404
    assert not QuizAttempt.objects.exists()


def test_the_khmer_quiz_is_the_same_quiz(site, learner):
    services.submit_quiz(user=learner, lesson=site["lessons_km"][1], quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    result = QuizResult.objects.get(user=learner)
    assert result.lesson_key == site["lessons"][1].translation_key and result.passed_at
