"""A killed task worker's work resumes by itself: `manage.py sangkat_worker` re-queues what it left.

django-tasks' database backend leaves the task a SIGKILLed worker had claimed RUNNING forever. A
worker that starts (or any live worker, every minute) marks it failed and queues a fresh run of
the same task with the same arguments, once, however many workers do so at the same moment; a
task whose worker is alive is never taken from it.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms import workers
from cms.models import TaskWorker
from courses.h5p import services
from courses.h5p.models import H5PPackage
from games.minecraft import services as minecraft
from games.minecraft.models import Capture, CoDesignSession, TeamBuild
from tests.deploy.processes import production_env
from tests.h5p.conftest import good_package, stored_files
from tests.minecraft.conftest import codesign, generated, sample_site  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Saving a package also queues Wagtail's reference index update; these tests look at the install.
INSTALL = "courses.h5p.tasks.install_package_task"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_QUEUE


def add_package(django_capture_on_commit_callbacks) -> H5PPackage:
    """A package added in the admin: its install task waits in the database queue."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.add_package(upload=ContentFile(good_package(), name="activity.h5p"), title="Passwords")


def claimed_by(worker_id: str, *, started_ago: timedelta = timedelta(0)) -> DBTaskResult:
    """What db_worker does when it takes the queued task (DBTaskResult.claim), some time ago."""
    result = DBTaskResult.objects.exclude(task_path__startswith="wagtail.").get(status="READY")
    result.claim(worker_id)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - started_ago)
    result.refresh_from_db()
    return result


def dead_worker(worker_id: str = "dead-worker") -> str:
    """A registered worker whose lease ran out (it stopped renewing it: killed)."""
    TaskWorker.objects.create(worker_id=worker_id, hostname="another-machine", pid=4242,
                              lease_until=timezone.now() - timedelta(seconds=1))
    return worker_id


def live_worker(worker_id: str = "live-worker") -> str:
    """A registered worker that renews its lease, on this machine (its process is this one)."""
    TaskWorker.objects.create(worker_id=worker_id, hostname=socket.gethostname(), pid=os.getpid(),
                              lease_until=timezone.now() + timedelta(seconds=35))
    return worker_id


def at_the_same_moment(work, workers_count: int = 2) -> list:
    """Run `work` in two threads (two workers) released together; returns what each returned."""
    start = threading.Barrier(workers_count)
    results = []

    def run():
        try:
            start.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def worker_command(*extra: str) -> list[str]:
    return [sys.executable, "manage.py", "sangkat_worker", "--no-startup-delay", "--interval", "0.1", *extra]


class TestInProcess:
    pytestmark = pytest.mark.django_db

    def test_a_dead_workers_install_goes_back_to_pending_and_is_queued_once_more(
        self, queue, media, django_capture_on_commit_callbacks
    ):
        package = add_package(django_capture_on_commit_callbacks)
        lost = claimed_by(dead_worker())
        H5PPackage.objects.filter(pk=package.pk).update(status="installing", progress=40)

        report = workers.recover()

        assert report.requeued == [INSTALL]
        lost.refresh_from_db()
        assert (lost.status, lost.exception_class_path) == ("FAILED", workers.WORKER_LOST)
        again = DBTaskResult.objects.get(status="READY", task_path=INSTALL)
        assert again.task_path == INSTALL and again.args_kwargs == lost.args_kwargs
        assert f"Queued again as {again.pk}" in lost.traceback
        package.refresh_from_db()
        # The admin list shows it waiting again, then installing once a worker takes it.
        assert (package.status, package.progress) == ("pending", 0)
        assert package.status_summary() == "waiting to be installed"
        assert stored_files(media) == [package.staged_file]

    def test_a_task_whose_worker_is_alive_is_not_taken(self, queue, media, django_capture_on_commit_callbacks):
        add_package(django_capture_on_commit_callbacks)
        running = claimed_by(live_worker(), started_ago=timedelta(hours=5))

        assert not workers.recover()
        running.refresh_from_db()
        assert running.status == "RUNNING"
        assert DBTaskResult.objects.filter(task_path=INSTALL).count() == 1

    def test_a_worker_that_never_registered_keeps_its_task_for_the_lease(
        self, queue, media, django_capture_on_commit_callbacks, settings
    ):
        settings.SANGKAT_TASK_LEASE_SECONDS = 3600
        add_package(django_capture_on_commit_callbacks)
        running = claimed_by("plain-db-worker", started_ago=timedelta(minutes=50))
        assert not workers.recover()
        assert DBTaskResult.objects.get(pk=running.pk).status == "RUNNING"

        DBTaskResult.objects.filter(pk=running.pk).update(started_at=timezone.now() - timedelta(minutes=61))
        assert workers.recover().requeued == [INSTALL]

    def test_a_stopped_workers_process_on_this_machine_is_gone_at_once(
        self, queue, media, django_capture_on_commit_callbacks
    ):
        finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True)
        TaskWorker.objects.create(worker_id="killed", hostname=socket.gethostname(),
                                  pid=int(finished.stdout), lease_until=timezone.now() + timedelta(seconds=35))
        add_package(django_capture_on_commit_callbacks)
        claimed_by("killed")
        assert workers.recover().requeued == [INSTALL]

    def test_recovering_twice_queues_once(self, queue, media, django_capture_on_commit_callbacks):
        add_package(django_capture_on_commit_callbacks)
        lost = claimed_by(dead_worker())
        assert workers.recover_result(lost) == "requeued"
        assert workers.recover_result(lost) == ""  # a stale copy: another worker did it already
        assert not workers.recover()
        assert DBTaskResult.objects.filter(status="READY", task_path=INSTALL).count() == 1

    def test_a_task_that_keeps_killing_its_worker_is_given_up(
        self, queue, media, django_capture_on_commit_callbacks
    ):
        package = add_package(django_capture_on_commit_callbacks)
        for attempt in range(workers.MAX_LOST_RUNS):
            claimed_by(dead_worker(f"dead-{attempt}"))
            H5PPackage.objects.filter(pk=package.pk).update(status="installing", progress=40)
            with django_capture_on_commit_callbacks(execute=True):
                workers.recover()

        assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"], task_path=INSTALL).exists()
        package.refresh_from_db()
        assert package.status == "failed"
        assert package.error.startswith("The server stopped several times while installing this activity.")
        assert package.staged_file == "" and stored_files(media) == []

    def test_a_task_not_known_to_be_safe_to_rerun_is_only_marked_failed(self, queue):
        from courses.xapi.tasks import forward_statements

        forward_statements.enqueue()
        lost = claimed_by(dead_worker())
        DBTaskResult.objects.filter(pk=lost.pk).update(task_path="somewhere.tasks.not_listed")
        report = workers.recover()
        assert report.failed == ["somewhere.tasks.not_listed"] and not report.requeued
        assert DBTaskResult.objects.get().status == "FAILED"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_recovering_at_the_same_moment_queue_the_task_once(
    queue, media, django_capture_on_commit_callbacks
):
    add_package(django_capture_on_commit_callbacks)
    lost = claimed_by(dead_worker())
    outcomes = at_the_same_moment(lambda: workers.recover_result(DBTaskResult.objects.get(pk=lost.pk)))
    assert sorted(outcomes) == ["", "requeued"]
    assert DBTaskResult.objects.filter(status="READY", task_path=INSTALL).count() == 1


def wait_for(condition, *, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            raise AssertionError(f"the worker never got there:\n{out}\n{err}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_install_is_resumed_by_the_next_worker(
    queue, media, django_capture_on_commit_callbacks
):
    """A real worker is SIGKILLed while installing a package (it waits on its staged file, a
    named pipe nobody writes to); the next worker that starts finishes the install, once."""
    package = add_package(django_capture_on_commit_callbacks)
    staged = media / package.staged_file
    content = staged.read_bytes()
    staged.unlink()
    os.mkfifo(staged)
    env = production_env(MEDIA_ROOT=str(media))

    first = subprocess.Popen(worker_command(), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: H5PPackage.objects.get(pk=package.pk).status == "installing", process=first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    lost = DBTaskResult.objects.get(task_path=INSTALL)
    assert lost.status == "RUNNING"  # as django-tasks leaves it: nothing would ever run it again
    staged.unlink()
    staged.write_bytes(content)

    second = subprocess.run(worker_command("--batch"), cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr

    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", workers.WORKER_LOST)
    assert list(DBTaskResult.objects.filter(task_path=INSTALL).exclude(pk=lost.pk).values_list("status", flat=True)
                ) == ["SUCCESSFUL"]
    assert not DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists()
    package.refresh_from_db()
    assert (package.status, package.progress, package.staged_file) == ("ready", 100, "")
    files = stored_files(media)
    assert f"h5p/content/{package.pk}/content/content.json" in files
    assert not any(name.startswith("h5p/incoming/") for name in files)
    assert TaskWorker.objects.exclude(stopped_at=None).count() == 1  # the second one, stopped cleanly


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_requeueing_a_waiting_package_at_the_same_moment_queue_it_once(queue, media):
    # Added, but its task never queued (the process died right after the commit), long ago.
    package = services.add_package(upload=ContentFile(good_package(), name="activity.h5p"))
    H5PPackage.objects.filter(pk=package.pk).update(uploaded_at=timezone.now() - timedelta(hours=1))
    DBTaskResult.objects.filter(task_path=INSTALL).delete()
    done = [row for rows in at_the_same_moment(
        lambda: workers.requeue_waiting_rows(INSTALL, workers.RERUNNABLE[INSTALL])) for row in rows]
    assert done == [f"h5p.H5PPackage {package.pk}"]
    assert DBTaskResult.objects.filter(task_path=INSTALL).count() == 1


class TestBlockByBlock:
    """World generation and captures are re-queued the same way, and their re-runs are safe."""

    pytestmark = pytest.mark.django_db

    @pytest.fixture
    def snapshot_capture(self, generated, facilitator, queue, django_capture_on_commit_callbacks):  # noqa: F811
        """A capture of one team's live snapshot, its task waiting in the database queue."""
        team = generated.teams.get(index=0)
        minecraft.save_snapshot(team=team, blocks=np.zeros((4, 8, 8), dtype=np.int16))
        with django_capture_on_commit_callbacks(execute=True):
            return minecraft.request_capture_from_snapshots(session=generated, user=facilitator)

    def test_a_capture_cut_short_goes_back_to_waiting_and_its_rerun_replaces_the_builds(
        self, snapshot_capture, media, queue
    ):
        item = snapshot_capture
        claimed_by(dead_worker())
        # The dead worker had saved the team's build, not yet marked the capture done.
        minecraft.run_capture(capture_id=item.pk)
        Capture.objects.filter(pk=item.pk).update(state="running", progress=50)

        assert workers.recover().requeued == ["games.minecraft.tasks.capture_task"]
        item.refresh_from_db()
        assert (item.state, item.progress) == ("queued", 0)
        again = DBTaskResult.objects.get(status="READY", task_path="games.minecraft.tasks.capture_task")
        assert again.args_kwargs["kwargs"] == {"capture_id": item.pk}

        minecraft.run_capture(capture_id=item.pk)
        item.refresh_from_db()
        assert item.state == "done", item.error
        assert TeamBuild.objects.filter(capture=item).count() == 1
        renders = [name for name in stored_files(media) if name.startswith("private/minecraft/renders/")]
        assert len(renders) == 3  # plan, isometric, before/after: the first run's are gone

        minecraft.run_capture(capture_id=item.pk)  # a finished capture is left alone
        assert TeamBuild.objects.filter(capture=item).count() == 1

    def test_a_world_cut_short_goes_back_to_waiting(self, codesign, queue, django_capture_on_commit_callbacks):  # noqa: F811
        with django_capture_on_commit_callbacks(execute=True):
            minecraft.request_world(session=codesign)
        claimed_by(dead_worker())
        CoDesignSession.objects.filter(pk=codesign.pk).update(world_state="running", world_progress=35)

        assert workers.recover().requeued == ["games.minecraft.tasks.generate_world_task"]
        codesign.refresh_from_db()
        assert (codesign.world_state, codesign.world_progress) == ("queued", 0)

    def test_a_second_run_of_a_capture_in_progress_leaves_the_first_runs_builds_alone(
        self, snapshot_capture, media, queue
    ):
        item = snapshot_capture
        minecraft.run_capture(capture_id=item.pk)
        build = TeamBuild.objects.get(capture=item)
        # The same task delivered twice: the first run is still saving when the second starts.
        Capture.objects.filter(pk=item.pk).update(state="running", progress=50)

        minecraft.run_capture(capture_id=item.pk)

        item.refresh_from_db()
        assert (item.state, item.progress) == ("running", 50)
        assert list(TeamBuild.objects.filter(capture=item)) == [build]
        assert len([n for n in stored_files(media) if n.startswith("private/minecraft/renders/")]) == 3

    def test_a_second_run_of_a_world_being_made_leaves_it_alone(self, codesign, queue):  # noqa: F811
        CoDesignSession.objects.filter(pk=codesign.pk).update(world_state="running", world_progress=35)

        minecraft.generate_world(session_id=codesign.pk)

        codesign.refresh_from_db()
        assert (codesign.world_state, codesign.world_progress, codesign.world_zip.name or "") == ("running", 35, "")

    def test_a_world_whose_task_was_never_queued_is_queued_after_five_minutes(self, codesign, queue):  # noqa: F811
        minecraft.request_world(session=codesign)  # the process died before its commit's callback ran
        assert not DBTaskResult.objects.filter(task_path="games.minecraft.tasks.generate_world_task").exists()
        assert workers.recover().rows_requeued == []  # just asked: it may be being queued right now

        CoDesignSession.objects.filter(pk=codesign.pk).update(world_requested_at=timezone.now() - timedelta(minutes=6))
        assert workers.recover().rows_requeued == [f"minecraft.CoDesignSession {codesign.pk}"]
        queued = DBTaskResult.objects.get(task_path="games.minecraft.tasks.generate_world_task")
        assert (queued.status, queued.args_kwargs["kwargs"]) == ("READY", {"session_id": codesign.pk})
        assert workers.recover().rows_requeued == []  # queued once
