"""Launching an AU per cmi5 and what the AU may send with its token: the fetch URL once, statements
in cmi5's order, only her own registration, moveOn deciding the lesson, resume on another device."""

import json

import pytest
from django.test import Client

from courses.cmi5.models import AuSession, AuStatus, Registration
from courses.cmi5.services import move_on_met
from courses.models import LessonProgress
from courses.xapi.models import ActivityState, Statement
from tests.cmi5.conftest import (
    BLOCK_ID,
    COMPLETED,
    FAILED,
    INITIALIZED,
    PASSED,
    TERMINATED,
    launch,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADL = "https://w3id.org/xapi/adl/verbs/"


def verbs(user):
    return [row.rsplit("/", 1)[-1] for row in Statement.objects.filter(user=user).order_by("stored", "data__timestamp")
            .values_list("verb_id", flat=True)]


def test_the_lesson_frames_the_au_in_an_opaque_sandbox(learner_client, lesson):
    html = learner_client.get(lesson.url).content.decode()
    assert 'sandbox="allow-scripts"' in html and "allow-same-origin" not in html
    assert f"/cmi5/launch/{lesson.translation_key}/{BLOCK_ID}/0/" in html


def test_launch_gives_the_cmi5_parameters_launch_data_and_launched(learner_client, learner, lesson):
    au = launch(learner_client, lesson)
    assert set(au.params) >= {"endpoint", "fetch", "actor", "registration", "activityId"}
    assert au.params["endpoint"].endswith("/xapi/") and au.actor["account"]["name"] == str(learner.pk)
    registration = Registration.objects.get(user=learner)
    assert au.registration == str(registration.registration)
    data = json.loads(ActivityState.objects.get(state_id="LMS.LaunchData").document)
    session = AuSession.objects.get()
    assert data["launchMode"] == "Normal" and data["moveOn"] == "Completed" and data["masteryScore"] == 0.6
    assert data["returnURL"].endswith("/cmi5/returned/")
    assert data["contextTemplate"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"] == str(
        session.session_id)
    assert verbs(learner) == ["launched"]
    # The AU's page is served in the sandbox.
    page = au.http.get(au.url)
    assert page.status_code == 200 and "sandbox allow-scripts" in page["Content-Security-Policy"]


def test_the_fetch_token_is_handed_out_once(learner_client, lesson):
    au = launch(learner_client, lesson)
    first = au.fetch().json()
    assert "auth-token" in first
    second = au.fetch()
    assert second.json()["error-code"] == "1" and "auth-token" not in second.json()


def test_the_token_works_for_its_au_and_nothing_else(learner_client, learner, lesson):
    au = launch(learner_client, lesson).start()
    assert au.put_state("answers", {"0": 1}).status_code == 204
    assert au.get_state("answers").json() == {"0": 1}
    other_activity = au.activity_id.replace("/au/0", "/au/9")
    assert au.get_state("answers", activity_id=other_activity).status_code == 403
    assert au.get_state("answers", registration="00000000-0000-4000-8000-000000000000").status_code == 403
    assert au.send(au.statement(INITIALIZED), token="bm90OmF0b2tlbg==").status_code == 401
    assert au.put_state("LMS.LaunchData", {"moveOn": "NotApplicable"}).status_code == 403
    assert au.get_state("LMS.LaunchData").json()["moveOn"] == "Completed"
    # It reads the statements of its own registration only, never her others.
    au.send(au.statement(INITIALIZED))
    found = au.http.get("/xapi/statements", **au.headers()).json()["statements"]
    assert found and {row["context"]["registration"] for row in found} == {au.registration}


def test_statements_out_of_order_are_refused(learner_client, learner, lesson):
    au = launch(learner_client, lesson).start()
    assert au.send(au.statement(COMPLETED, move_on=True, result={"completion": True})).status_code == 403
    assert au.send(au.statement(INITIALIZED)).status_code == 200
    assert au.send(au.statement(INITIALIZED)).status_code == 403
    # Called from the AU's opaque origin: CORS answers, with no credentials allowed.
    preflight = au.http.options("/xapi/statements", HTTP_ORIGIN="null")
    assert preflight.status_code == 204 and "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert au.send(au.statement(COMPLETED, result={"completion": True})).status_code == 403  # no moveOn category
    assert au.send(au.statement(PASSED, move_on=True, result={"success": True, "score": {"scaled": 0.3}})).status_code == 403
    assert au.send(au.statement(ADL + "satisfied")).status_code == 403
    no_session = au.statement(TERMINATED)
    del no_session["context"]["extensions"]
    assert au.send(no_session).status_code == 403
    assert au.send(au.statement(TERMINATED)).status_code == 200
    assert au.send(au.statement(COMPLETED, move_on=True, result={"completion": True})).status_code == 403
    assert verbs(learner) == ["launched", "initialized", "terminated"]


def test_another_learners_registration_is_refused(learner_client, lesson, learner):
    au = launch(learner_client, lesson).start()
    au.send(au.statement(INITIALIZED))
    other = UserFactory()
    other_client = Client()
    other_client.force_login(other)
    theirs = launch(other_client, lesson)
    assert theirs.registration != au.registration
    # Her token, their registration or their actor: refused.
    assert au.get_state("LMS.LaunchData", registration=theirs.registration).status_code == 403
    statement = au.statement(COMPLETED, move_on=True, result={"completion": True})
    statement["context"]["registration"] = theirs.registration
    assert au.send(statement).status_code == 403
    statement = au.statement(COMPLETED, move_on=True, result={"completion": True})
    statement["actor"] = theirs.actor
    assert au.send(statement).status_code == 403


def test_completing_satisfies_the_au_and_completes_the_lesson(learner_client, learner, lesson):
    au = launch(learner_client, lesson).start()
    au.send(au.statement(INITIALIZED))
    assert au.send(au.statement(FAILED, move_on=True, result={"success": False, "score": {"scaled": 0.3}})).status_code == 200
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()
    assert au.send(au.statement(COMPLETED, move_on=True, result={"completion": True})).status_code == 200
    assert au.send(au.statement(TERMINATED)).status_code == 200
    assert Registration.objects.get(user=learner).satisfied_at is not None
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at is not None
    assert verbs(learner).count("satisfied") == 2  # the AU, then the block
    assert "done" in learner_client.get(lesson.url).content.decode()


def test_a_session_left_without_terminated_is_abandoned_at_the_next_launch(learner_client, learner, lesson):
    first = launch(learner_client, lesson).start()
    first.send(first.statement(INITIALIZED))
    first.put_state("answers", {"0": 1})
    second = launch(learner_client, lesson).start()
    assert second.registration == first.registration  # the same on every device
    assert second.get_state("answers").json() == {"0": 1}
    assert "abandoned" in verbs(learner)
    assert first.send(first.statement(TERMINATED)).status_code == 401  # the old token is gone


@pytest.mark.parametrize(("move_on", "completed", "passed", "met"), [
    ("Completed", True, False, True), ("Completed", False, True, False),
    ("Passed", False, True, True), ("Passed", True, False, False),
    ("CompletedAndPassed", True, False, False), ("CompletedAndPassed", True, True, True),
    ("CompletedOrPassed", False, True, True), ("CompletedOrPassed", True, False, True),
    ("CompletedOrPassed", False, False, False), ("NotApplicable", False, False, True),
])
def test_move_on_rules(move_on, completed, passed, met):
    from django.utils import timezone

    status = AuStatus(completed_at=timezone.now() if completed else None, passed_at=timezone.now() if passed else None)
    assert move_on_met(move_on, status) is met


def test_visitors_cannot_launch(client, lesson):
    assert client.post(f"/cmi5/launch/{lesson.translation_key}/{BLOCK_ID}/0/").status_code == 403
    assert not Registration.objects.exists()


def test_a_wrong_block_or_au_is_404(learner_client, lesson):
    assert learner_client.post(f"/cmi5/launch/{lesson.translation_key}/nope/0/").status_code == 404
    assert learner_client.post(f"/cmi5/launch/{lesson.translation_key}/{BLOCK_ID}/5/").status_code == 404


def test_her_registrations_are_exported_and_erased_with_her(learner_client, learner, lesson):
    from courses.cmi5.privacy import collect_cmi5, erase_cmi5

    au = launch(learner_client, lesson).start()
    exported = collect_cmi5(learner)
    assert exported["registrations"][0]["registration"] == au.registration
    assert exported["registrations"][0]["sessions"][0]["au"] == 0
    erase_cmi5(learner, on_commit=lambda fn: fn())
    assert not Registration.objects.filter(user=learner).exists()
