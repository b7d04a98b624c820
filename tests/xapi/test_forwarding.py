"""Forwarding stored statements to an outside LRS on loopback: batches, retries, no loss, no duplicates."""

import base64
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.xapi.forwarding import forward_due_statements
from courses.xapi.models import ForwardState, Statement
from tests.xapi.conftest import DUMMY_TASKS, forward_to, store
from tests.xapi.loopback import Script, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_timeouts(quick_timeouts):
    pass


def test_storing_enqueues_forwarding_after_commit_and_the_task_sends_batches_of_50(
    settings, learner, django_capture_on_commit_callbacks
):
    from courses.xapi.tasks import forward_statements

    settings.TASKS = DUMMY_TASKS
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        backend = forward_statements.get_backend()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ids = store(learner, 120)
        assert backend.results == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert [result.task.name for result in backend.results] == ["forward_statements"]
        forward_statements.call()  # what the worker runs
    assert [len(r["json"]) for r in script.requests] == [50, 50, 20]
    assert sorted(script.accepted_ids()) == sorted(ids)
    first = script.requests[0]
    assert first["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert first["headers"]["Authorization"] == "Basic " + base64.b64encode(b"sangkat:s3cret").decode()
    assert "stored" not in first["json"][0] and "authority" not in first["json"][0]
    assert set(Statement.objects.values_list("forward_state", flat=True)) == {ForwardState.SENT}


def test_the_immediate_backend_never_forwards_inside_the_request(
    settings, learner, django_capture_on_commit_callbacks
):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        with django_capture_on_commit_callbacks(execute=True):
            store(learner, 3)
    assert script.requests == []
    assert set(Statement.objects.values_list("forward_state", flat=True)) == {ForwardState.PENDING}


def test_nothing_is_marked_for_forwarding_without_an_outside_lrs(settings, learner):
    settings.SANGKAT_XAPI_FORWARD_URL = ""
    store(learner, 3)
    assert set(Statement.objects.values_list("forward_state", flat=True)) == {ForwardState.NONE}
    assert forward_due_statements().sent == 0


def test_a_server_error_then_success_loses_nothing_and_duplicates_nothing(settings, learner):
    script = Script(("status", 500), ("ok",))
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 70)
        report = forward_due_statements()
    assert report.sent == 70
    accepted = script.accepted_ids()
    assert sorted(accepted) == sorted(ids)
    assert len(accepted) == len(set(accepted))
    assert [r["status"] for r in script.requests] == [500, 200, 200]


def test_a_batch_that_keeps_failing_waits_with_backoff_then_goes_out(settings, learner):
    script = Script(("status", 503))
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 10)
        first = forward_due_statements()
        assert first.failed == 10 and first.sent == 0
        rows = list(Statement.objects.all())
        assert {row.forward_state for row in rows} == {ForwardState.PENDING}
        assert {row.forward_attempts for row in rows} == {1}
        assert all(row.forward_next_at > timezone.now() for row in rows)
        assert "503" in rows[0].forward_error
        # Not due yet: a run now sends nothing.
        requests_so_far = len(script.requests)
        assert forward_due_statements().sent == 0
        assert len(script.requests) == requests_so_far
        script.plans = [("ok",)]
        later = timezone.now() + timedelta(minutes=10)
        assert forward_due_statements(now=later).sent == 10
    assert sorted(script.accepted_ids()) == sorted(ids)
    assert set(Statement.objects.values_list("forward_state", flat=True)) == {ForwardState.SENT}


def test_a_hanging_lrs_times_out_and_the_statements_wait(settings, learner):
    script = Script(("hang",))
    with serve(script) as base:
        forward_to(settings, base)
        store(learner, 3)
        report = forward_due_statements()
    assert report.failed == 3
    row = Statement.objects.first()
    assert row.forward_state == ForwardState.PENDING
    assert "too long" in row.forward_error
    assert script.accepted_ids() == []


def test_the_management_command_sends_what_is_due(settings, learner, capsys):
    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        ids = store(learner, 5)
        call_command("forward_statements")
    assert sorted(script.accepted_ids()) == sorted(ids)
    assert "Statements sent: 5, failed: 0." in capsys.readouterr().out


def test_the_management_command_speaks_khmer_when_asked(settings, learner, capsys):
    from django.utils import translation

    script = Script()
    with serve(script) as base:
        forward_to(settings, base)
        store(learner, 1)
        call_command("forward_statements", "--language", "km")
    with translation.override("km"):
        expected = translation.gettext(
            "Statements sent: %(sent)d, failed: %(failed)d. Voiding statements sent: %(voids_sent)d, failed: "
            "%(voids_failed)d. Failures are tried again later.") % {"sent": 1, "failed": 0, "voids_sent": 0,
                                                                       "voids_failed": 0}
    assert not expected.startswith("Statements sent")
    assert capsys.readouterr().out == expected + "\n"


def test_one_queued_run_serves_every_statement_stored_before_it_starts(
    settings, learner, django_capture_on_commit_callbacks
):
    """With the database queue, a statement stored while a run waits joins that run, not a new one."""
    from django_tasks_db.models import DBTaskResult

    from courses.xapi.tasks import forward_statements

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SANGKAT_XAPI_FORWARD_URL = "http://127.0.0.1:9/lrs/statements"
    runs = DBTaskResult.objects.filter(task_path=forward_statements.module_path)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            store(learner, 1)
    assert runs.count() == 1
    runs.update(status="RUNNING")  # a worker took it and may have read the rows already
    with django_capture_on_commit_callbacks(execute=True):
        store(learner, 1)
    assert runs.count() == 2 and runs.filter(status="READY").count() == 1
