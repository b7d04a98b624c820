"""Background work in production: a request queues a task in the database, a worker runs it.

The web process (this test) stores learning records with an outside LRS configured; a separate
`manage.py sangkat_worker` process (django-tasks' db_worker), as on a worker machine, picks the
queued forwarding up and sends the statements to an LRS on loopback.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from courses.xapi.models import ForwardState, Statement
from courses.xapi.services import Requester, store_statements
from tests.deploy.processes import production_env
from tests.xapi.conftest import statement
from tests.xapi.loopback import Script, serve

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_statement_forwarding_waits_in_the_queue_until_the_worker_sends_it(settings, learner):
    settings.TASKS = DATABASE_QUEUE
    script = Script()
    with serve(script) as base:
        lrs = {"SANGKAT_XAPI_FORWARD_URL": base + "/lrs/statements",
               "SANGKAT_XAPI_FORWARD_USER": "sangkat", "SANGKAT_XAPI_FORWARD_PASSWORD": "s3cret"}
        for name, value in lrs.items():
            setattr(settings, name, value)
        made = [statement(learner) for _ in range(3)]
        store_statements(statements=made, requester=Requester(user=learner))

        # Queued, not run: the request did not wait for the outside LRS.
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "courses.xapi.tasks.forward_statements"
        assert queued.status == "READY"
        assert script.requests == []

        worker = subprocess.run(
            [sys.executable, "manage.py", "sangkat_worker", "--batch", "--no-startup-delay"],
            cwd=ROOT, env=production_env(**lrs), capture_output=True, text=True, timeout=300,
        )
        assert worker.returncode == 0, worker.stdout + worker.stderr

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.exception_class_path
    assert sorted(script.accepted_ids()) == sorted(s["id"] for s in made)
    assert set(Statement.objects.values_list("forward_state", flat=True)) == {ForwardState.SENT}
