"""Answers and completions made offline (cms/offline.js) arrive once, and only as their own learner."""

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import LessonProgress, QuizAttempt, QuizResult
from tests.factories import ALL_RIGHT, QUIZ_ID, UserFactory, new_token

pytestmark = pytest.mark.django_db
QUEUED = {"HTTP_X_SANGKAT_QUEUED": "1", "HTTP_ACCEPT": "application/json"}
OTHER_LEARNER_EN = "This was saved on this device by another learner, so it was not sent."
OTHER_LEARNER_KM = "អ្នករៀនម្នាក់ទៀតបានរក្សាទុកវានៅលើឧបករណ៍នេះ ដូច្នេះវាមិនត្រូវបានផ្ញើទេ។"


def queued_quiz(client, lesson, *, learner, token, language="en"):
    data = {"token": token, "learner": str(learner.pk)}
    data.update({f"q{number}": chosen for number, chosen in ALL_RIGHT.items()})
    with translation.override(language):
        url = reverse("submit_quiz", args=[lesson.pk, QUIZ_ID])
    return client.post(url, data, **QUEUED)


def test_a_quiz_answered_offline_is_scored_and_answers_in_json(site, learner_client, learner):
    response = queued_quiz(learner_client, site["lessons"][1], learner=learner, token=new_token())
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "You scored 100%."}
    assert QuizResult.objects.get(user=learner).passed_at is not None


def test_a_queued_quiz_sent_twice_is_one_attempt(site, learner_client, learner):
    token = new_token()
    for _ in range(2):
        assert queued_quiz(learner_client, site["lessons"][1], learner=learner, token=token).status_code == 200
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    assert QuizResult.objects.get(user=learner).attempts == 1


def test_a_queued_quiz_of_another_learner_is_refused_and_changes_nothing(site, client, learner):
    other = UserFactory()
    client.force_login(other)
    response = queued_quiz(client, site["lessons"][1], learner=learner, token=new_token())
    assert response.status_code == 409
    assert OTHER_LEARNER_EN in response.json()["message"]
    assert not QuizAttempt.objects.exists() and not LessonProgress.objects.exists()


def test_the_refusal_of_another_learners_item_is_in_khmer(site, client, learner):
    client.force_login(UserFactory())
    response = queued_quiz(client, site["lessons_km"][1], learner=learner, token=new_token(), language="km")
    assert response.status_code == 409
    assert OTHER_LEARNER_KM in response.json()["message"]
    assert not QuizAttempt.objects.exists()


def test_a_queued_item_without_its_learner_is_refused(site, learner_client, learner):
    url = reverse("complete_lesson", args=[site["lessons"][0].pk])
    assert learner_client.post(url, {}, **QUEUED).status_code == 409
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_lesson_completed_offline_arrives_once(site, learner_client, learner):
    url = reverse("complete_lesson", args=[site["lessons"][0].pk])
    first = learner_client.post(url, {"learner": str(learner.pk)}, **QUEUED)
    done_at = LessonProgress.objects.get(user=learner).completed_at
    second = learner_client.post(url, {"learner": str(learner.pk)}, **QUEUED)
    assert first.status_code == second.status_code == 200
    assert LessonProgress.objects.filter(user=learner).count() == 1
    assert LessonProgress.objects.get(user=learner).completed_at == done_at


def test_a_completion_of_another_learner_is_refused(site, client, learner):
    client.force_login(UserFactory())
    url = reverse("complete_lesson", args=[site["lessons"][0].pk])
    response = client.post(url, {"learner": str(learner.pk)}, **QUEUED)
    assert response.status_code == 409
    assert not LessonProgress.objects.exists()


def test_a_queued_completion_not_ready_is_refused_for_good_with_the_reason(site, learner_client, learner):
    url = reverse("complete_lesson", args=[site["lessons"][1].pk])  # its quiz is not passed
    response = learner_client.post(url, {"learner": str(learner.pk)}, **QUEUED)
    assert response.status_code == 400 and "Pass the quiz" in response.json()["message"]


def test_saving_a_course_for_offline_is_not_a_visit_to_each_lesson(site, learner_client, learner):
    learner_client.get(site["lessons"][2].url, HTTP_X_SANGKAT_SAVE="1")
    assert not LessonProgress.objects.filter(user=learner).exists()
    learner_client.get(site["lessons"][2].url)
    assert LessonProgress.objects.filter(user=learner).count() == 1


def test_the_course_page_offers_save_for_offline_with_its_lessons(site, learner_client):
    html = learner_client.get(site["course"].url).content.decode()
    assert "data-offline-save" in html and 'id="offline-pages"' in html
    for lesson in site["lessons"]:
        assert lesson.url in html
