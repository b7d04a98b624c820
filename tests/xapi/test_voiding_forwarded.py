"""Deleting an account voids, at the outside LRS, the statements already forwarded there."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms import privacy
from courses.xapi.forwarding import STATEMENTS, _claim, forward_due_statements, void_id_for
from courses.xapi.identity import agent_for
from courses.xapi.models import OutgoingVoid, Statement
from courses.xapi.services import Requester, store_statements
from courses.xapi.validation import VOIDED
from tests.xapi.conftest import DUMMY_TASKS, forward_to, statement, store
from tests.xapi.loopback import Script, serve

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def _quick_timeouts(quick_timeouts):
    pass


def _delete(user, staff):
    request = privacy.request_deletion(user=user)
    privacy.fulfil_deletion(request_id=request.pk, by=staff)


def _voids_in(script) -> list[dict]:
    return [s for r in script.requests if isinstance(r["json"], list) for s in r["json"]
            if s.get("verb", {}).get("id") == VOIDED]


def test_deleting_an_account_voids_each_forwarded_statement_once_and_names_no_one(
    settings, learner, other_learner, staff
):
    learner.nickname, learner.email = "Dara Star", "dara@example.org"
    learner.save()
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        sent = store(learner, 3)
        others = store(other_learner, 2)
        assert forward_due_statements().sent == 5
        unsent = store(learner, 2)  # still pending when the account goes
        before = len(script.requests)
        agent, username, pk = agent_for(learner), learner.username, learner.pk
        _delete(learner, staff)
        assert sorted(str(v) for v in OutgoingVoid.objects.values_list("statement_id", flat=True)) == sorted(sent)
        assert not Statement.objects.filter(id__in=sent + unsent).exists()
        report = forward_due_statements()
    assert (report.sent, report.voids_sent) == (0, 3)
    new = script.requests[before:]
    assert len(new) == 1  # the pending statements of the deleted account never went out
    voids = new[0]["json"]
    assert sorted(v["object"]["id"] for v in voids) == sorted(sent)
    for void in voids:
        assert void["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
        assert void["object"] == {"objectType": "StatementRef", "id": void["object"]["id"]}
        assert void["id"] == void_id_for(void["object"]["id"])
        assert void["actor"] == {"objectType": "Agent", "name": "sangkat",
                                 "account": {"homePage": settings.SANGKAT_PUBLIC_URL.rstrip("/"), "name": "sangkat"}}
        assert set(void) == {"id", "actor", "verb", "object", "timestamp", "version"}
    body = json.dumps(voids)
    assert json.dumps(agent["account"]) not in body
    assert f'"name": "{pk}"' not in body
    for personal in (username, "Dara Star", "dara@example.org"):
        assert personal not in body
    assert new[0]["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert not set(others) & {v["object"]["id"] for v in voids}
    assert set(OutgoingVoid.objects.values_list("sent_at", flat=True)) != {None}
    assert not OutgoingVoid.objects.filter(sent_at__isnull=True).exists()


def test_the_deletion_queues_the_task_after_its_commit(settings, learner, staff, django_capture_on_commit_callbacks):
    from courses.xapi.tasks import forward_statements

    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        store(learner, 2)
        forward_due_statements()
        settings.TASKS = DUMMY_TASKS
        backend = forward_statements.get_backend()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _delete(learner, staff)
        def queued():
            return [r for r in backend.results if r.task.name == "forward_statements"]

        assert queued() == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert len(queued()) == 1
        result = forward_statements.call()
    assert result["voids_sent"] == 2


def test_a_statement_claimed_by_a_sending_worker_is_voided_after_that_send(settings, learner, staff):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 2)
        in_flight = _claim(STATEMENTS, timezone.now())  # a worker took them and is sending them now
        assert len(in_flight) == 2
        _delete(learner, staff)
        voids = list(OutgoingVoid.objects.all())
        assert sorted(str(v.statement_id) for v in voids) == sorted(ids)
        assert all(v.next_at > timezone.now() + timedelta(minutes=4) for v in voids)
        assert forward_due_statements().voids_sent == 0  # not before the worker's send is over
        assert forward_due_statements(now=timezone.now() + timedelta(minutes=10)).voids_sent == 2
    assert sorted(v["object"]["id"] for v in _voids_in(script)) == sorted(ids)


def test_a_failed_attempt_counts_as_possibly_delivered(settings, learner, staff):
    script = Script(("status", 503))
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 1)
        assert forward_due_statements().failed == 1  # a timeout may still have reached the LRS
        _delete(learner, staff)
    assert [str(v) for v in OutgoingVoid.objects.values_list("statement_id", flat=True)] == ids


def test_voiding_statements_of_the_person_are_not_voided(settings, learner, staff):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        [target] = store(learner, 1)
        voiding = statement(learner)
        voiding["verb"] = {"id": VOIDED, "display": {"en-US": "voided"}}
        voiding["object"] = {"objectType": "StatementRef", "id": target}
        store_statements(statements=[voiding], requester=Requester(user=learner))
        assert forward_due_statements().sent == 2
        _delete(learner, staff)
    assert [str(v) for v in OutgoingVoid.objects.values_list("statement_id", flat=True)] == [target]


def test_a_failed_void_stays_pending_and_goes_out_later(settings, learner, staff):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 2)
        forward_due_statements()
        _delete(learner, staff)
        script.plans = [("status", 500)]
        first = forward_due_statements()
        assert (first.voids_sent, first.voids_failed) == (0, 2)
        rows = list(OutgoingVoid.objects.all())
        assert {row.sent_at for row in rows} == {None}
        assert {row.attempts for row in rows} == {1}
        assert all(row.next_at > timezone.now() for row in rows)
        assert "500" in rows[0].error
        assert forward_due_statements().voids_sent == 0  # not due yet
        script.plans = [("ok",)]
        assert forward_due_statements(now=timezone.now() + timedelta(minutes=10)).voids_sent == 2
    accepted = [v["object"]["id"] for r in script.requests if r["status"] == 200 and isinstance(r["json"], list)
                for v in r["json"] if v["verb"]["id"] == VOIDED]
    assert sorted(accepted) == sorted(ids)
    assert not OutgoingVoid.objects.filter(sent_at__isnull=True).exists()


def test_sending_a_void_twice_sends_the_same_statement(settings, learner, staff):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        store(learner, 2)
        forward_due_statements()
        _delete(learner, staff)
        forward_due_statements()
        # A worker that died after sending, before recording it: the voids go out again.
        OutgoingVoid.objects.update(sent_at=None, next_at=timezone.now())
        forward_due_statements()
    first, second = script.requests[-2]["json"], script.requests[-1]["json"]
    assert sorted(first, key=lambda v: v["id"]) == sorted(second, key=lambda v: v["id"])
    assert all(v["id"] == str(uuid.uuid5(uuid.UUID("6f3a1c52-8e0b-5d7a-9c41-2b7e5f0d9a13"), v["object"]["id"]))
               for v in first)


def test_no_void_is_queued_when_forwarding_is_off(settings, learner, staff):
    settings.SANGKAT_XAPI_FORWARD_URL = ""
    store(learner, 3)
    _delete(learner, staff)
    assert not OutgoingVoid.objects.exists()
    assert not Statement.objects.exists()
    assert forward_due_statements().voids_sent == 0


def test_the_management_command_sends_the_voids(settings, learner, staff, capsys):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 2)
        call_command("forward_statements")
        _delete(learner, staff)
        call_command("forward_statements")
    assert sorted(v["object"]["id"] for v in _voids_in(script)) == sorted(ids)
    assert "Voiding statements sent: 2, failed: 0." in capsys.readouterr().out


def test_voids_of_statements_in_flight_queue_a_later_run(settings, learner, staff, django_capture_on_commit_callbacks):
    from courses.xapi.tasks import forward_statements

    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        store(learner, 1)
        _claim(STATEMENTS, timezone.now())
        settings.TASKS = DUMMY_TASKS
        backend = forward_statements.get_backend()
        with django_capture_on_commit_callbacks(execute=True):
            _delete(learner, staff)
    [queued] = [r for r in backend.results if r.task.name == "forward_statements"]
    assert queued.task.run_after == OutgoingVoid.objects.get().next_at
