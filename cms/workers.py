"""Task workers and what a dead one leaves behind: their leases, and re-queueing their work.

django-tasks' database backend marks a task RUNNING when a worker claims it and never looks at it
again: a worker killed mid-task (SIGKILL, out of memory, a machine going down) leaves it RUNNING
forever, and the row it was working on (an H5P package "installing", a world "working") waiting.
`manage.py sangkat_worker` registers each worker here with a lease it renews, and every worker,
when it starts and every minute after, calls `recover()`:

1. a RUNNING result whose worker is gone is marked FAILED (`WorkerLost`) and, for the tasks in
   RERUNNABLE (each is safe to run twice), a fresh run with the same arguments is queued and the
   task's row goes back to waiting; after MAX_LOST_RUNS lost runs in a day it is given up;
2. a row still waiting with no queued or running task (it was never queued, or its run ended
   without finishing it) is queued again.

Several workers may recover at once: each re-queue happens in one transaction that first changes
the task result or the row with a conditional UPDATE (a row lock on PostgreSQL, the write lock on
SQLite), so only one of them re-queues a given task or row.
"""

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms.models import TaskWorker

logger = logging.getLogger(__name__)

# Recorded as the "exception" of a run whose worker died (see the task results in the admin).
WORKER_LOST = "cms.workers.WorkerLost"
# A task that lost its worker this often within a day is probably what kills it (memory): stop.
MAX_LOST_RUNS = 3
LOST_RUNS_WINDOW = timedelta(days=1)
LIVE = [TaskResultStatus.READY, TaskResultStatus.RUNNING]


def lease_for_unregistered() -> timedelta:
    """How long a task claimed by a worker that never registered (a plain `db_worker`) may run
    before it counts as abandoned: longer than any of Sangkat's tasks takes."""
    return timedelta(seconds=getattr(settings, "SANGKAT_TASK_LEASE_SECONDS", 3600))


def stuck_after() -> timedelta:
    """How long a row may wait with no task before it is queued again (an upload's task is queued
    just after its row is committed: this leaves that moment alone)."""
    return timedelta(seconds=getattr(settings, "SANGKAT_TASK_STUCK_SECONDS", 300))


@dataclass(frozen=True)
class Rerunnable:
    """A task that is safe to run again, and the row it works on (if any).

    `key` is the task's keyword argument holding the row's id; while the row's `state_field` is in
    `waiting` the task has work to do. `reset` puts it back to "waiting" when a run is queued
    again; `give_up` (a service's dotted path, called with the task's keyword arguments) fails it
    for good. `since_field` says when the row was queued, if the model records it.
    """

    model: str = ""
    key: str = ""
    state_field: str = ""
    waiting: tuple[str, ...] = ()
    reset: dict = field(default_factory=dict)
    give_up: str = ""
    since_field: str = ""
    defaults: Callable[[], dict] = dict

    def rows(self):
        return apps.get_model(self.model)._default_manager.filter(**{f"{self.state_field}__in": self.waiting})


# Every task Sangkat has (`grep -rn "@task" --include=*.py`). Each is safe to run twice:
# - install_package_task: a ready, failed or deleted package is left alone; the install itself is
#   one transaction, and the staged upload stays until a run ends (courses/h5p/install.py);
# - generate_world_task: writes the whole world file again; only a run that finds the world waiting
#   claims it (a conditional update), so one made or being made is left alone;
# - capture_task: the same claim; the builds a killed run had saved are replaced;
# - forward_statements: sends what is still pending (statements, then voiding statements of
#   deleted accounts); a batch sent twice is a no-op for an LRS (same statement ids and content,
#   courses/xapi/forwarding.py).
RERUNNABLE: dict[str, Rerunnable] = {
    "courses.h5p.tasks.install_package_task": Rerunnable(
        model="h5p.H5PPackage", key="package_id", state_field="status", waiting=("pending", "installing"),
        reset={"status": "pending", "progress": 0}, give_up="courses.h5p.services.give_up_install",
        since_field="uploaded_at", defaults=lambda: {"language": settings.LANGUAGE_CODE},
    ),
    "games.minecraft.tasks.generate_world_task": Rerunnable(
        model="minecraft.CoDesignSession", key="session_id", state_field="world_state",
        waiting=("queued", "running"), reset={"world_state": "queued", "world_progress": 0},
        give_up="games.minecraft.services.give_up_world", since_field="world_requested_at",
    ),
    "games.minecraft.tasks.capture_task": Rerunnable(
        model="minecraft.Capture", key="capture_id", state_field="state", waiting=("queued", "running"),
        reset={"state": "queued", "progress": 0}, give_up="games.minecraft.services.give_up_capture",
        since_field="created_at",
    ),
    "courses.xapi.tasks.forward_statements": Rerunnable(),
    # Wagtail's own tasks (django-tasks too): each recomputes or deletes something again.
    "wagtail.tasks.update_reference_index_task": Rerunnable(),
    "wagtail.tasks.delete_file_from_storage_task": Rerunnable(),
    "wagtail.images.tasks.set_image_focal_point_task": Rerunnable(),
    "wagtail.contrib.frontend_cache.tasks.purge_urls_from_cache_task": Rerunnable(),
}


# --- workers ----------------------------------------------------------------------------------

def register_worker(*, worker_id: str, lease: timedelta) -> TaskWorker:
    worker, _created = TaskWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(),
                  "lease_until": timezone.now() + lease, "stopped_at": None},
    )
    return worker


def renew_lease(*, worker_id: str, lease: timedelta) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).update(lease_until=timezone.now() + lease)


def stop_worker(*, worker_id: str) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).update(stopped_at=timezone.now())


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _worker_is_gone(result: DBTaskResult, worker: TaskWorker | None, *, now: datetime, me: str | None) -> bool:
    if worker is None:
        # Claimed by a worker that never registered (a plain db_worker): only time can tell.
        return result.started_at is None or result.started_at < now - lease_for_unregistered()
    if worker.worker_id == me:
        return False
    if worker.stopped_at is not None or worker.lease_until < now:
        return True
    if worker.hostname == socket.gethostname():
        # On this machine the process itself can be asked: a worker restarted after a SIGKILL
        # need not wait for the dead one's lease to run out. (A restarted container may give the
        # new worker the dead one's pid: then that pid is this process.)
        return not _process_exists(worker.pid) or (me is not None and worker.pid == os.getpid())
    return False


def abandoned_results(*, now: datetime | None = None, me: str | None = None) -> list[DBTaskResult]:
    """The RUNNING task results whose worker is gone."""
    now = now or timezone.now()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    ids = {result.worker_ids[-1] for result in running if result.worker_ids}
    workers = {worker.worker_id: worker for worker in TaskWorker.objects.filter(worker_id__in=ids)}
    return [
        result for result in running
        if _worker_is_gone(result, workers.get(result.worker_ids[-1] if result.worker_ids else ""), now=now, me=me)
    ]


# --- recovery ---------------------------------------------------------------------------------

@dataclass
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)  # task paths re-queued after a lost worker
    failed: list[str] = field(default_factory=list)  # lost, but not safe to re-run (or given up)
    rows_requeued: list[str] = field(default_factory=list)  # "h5p.H5PPackage 12": waiting rows queued again

    def __bool__(self) -> bool:
        return bool(self.requeued or self.failed or self.rows_requeued)


def _results_for(path: str, entry: Rerunnable, args_kwargs: dict):
    """The results of this task for the same row (or, for a task without one, the same arguments)."""
    results = DBTaskResult.objects.filter(task_path=path)
    if entry.key:
        return results.filter(**{f"args_kwargs__kwargs__{entry.key}": args_kwargs["kwargs"].get(entry.key)})
    return results.filter(args_kwargs=args_kwargs)


def _reset_row(entry: Rerunnable, kwargs: dict) -> int:
    if not (entry.model and entry.key in kwargs):
        return 0
    return entry.rows().filter(pk=kwargs[entry.key]).update(**entry.reset)


def _give_up(path: str, entry: Rerunnable, kwargs: dict) -> None:
    logger.error("task %s %s lost its worker %s times in a day: not queued again", path, kwargs, MAX_LOST_RUNS)
    if entry.give_up:
        import_string(entry.give_up)(**kwargs)


def recover_result(result: DBTaskResult, *, now: datetime | None = None) -> str:
    """Mark one abandoned RUNNING result failed and queue it again if it is safe to.

    Returns "requeued", "failed", "given up", or "" when another worker got there first.
    """
    now = now or timezone.now()
    path, entry = result.task_path, RERUNNABLE.get(result.task_path)
    args, kwargs = result.args_kwargs.get("args", []), result.args_kwargs.get("kwargs", {})
    worker = result.worker_ids[-1] if result.worker_ids else "?"
    with transaction.atomic():
        # The conditional UPDATE is the marker: of two workers recovering at once, one changes the
        # row, the other (waiting for the row's lock) then finds it FAILED and changes nothing.
        taken = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(
            status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=WORKER_LOST,
            traceback=f"Worker {worker} stopped while running this task (killed, or its machine went down).",
        )
        if not taken:
            return ""
        if entry is None or (args and entry.key):
            logger.error("task %s (%s) lost its worker %s and is not safe to run again", path, result.pk, worker)
            return "failed"
        lost = _results_for(path, entry, result.args_kwargs).filter(
            exception_class_path=WORKER_LOST, finished_at__gte=now - LOST_RUNS_WINDOW
        ).count()
        if lost >= MAX_LOST_RUNS:
            _give_up(path, entry, kwargs)
            return "given up"
        _reset_row(entry, kwargs)
        again = result.task.enqueue(*args, **kwargs)
        DBTaskResult.objects.filter(pk=result.pk).update(
            traceback=f"Worker {worker} stopped while running this task (killed, or its machine went down). "
                      f"Queued again as {again.id}."
        )
    logger.warning("task %s (%s) lost its worker %s: queued again as %s", path, result.pk, worker, again.id)
    return "requeued"


def requeue_waiting_rows(path: str, entry: Rerunnable, *, now: datetime | None = None) -> list[str]:
    """Queue the task again for each of its rows left waiting with no queued or running task."""
    if not entry.model:
        return []
    now = now or timezone.now()
    cutoff = now - stuck_after()
    rows = entry.rows()
    if entry.since_field:
        rows = rows.filter(**{f"{entry.since_field}__lt": cutoff})
    done = []
    for pk in rows.values_list("pk", flat=True)[:200]:
        results = _results_for(path, entry, {"kwargs": {entry.key: pk}})
        if results.filter(status__in=LIVE).exists():
            continue
        last = results.order_by("-enqueued_at").first()
        if last is None and not entry.since_field:
            continue  # nothing says how long it has waited: it may be being queued right now
        if last is not None and (last.finished_at or last.enqueued_at) > cutoff:
            continue
        kwargs = dict(last.args_kwargs.get("kwargs", {})) if last else {**entry.defaults(), entry.key: pk}
        with transaction.atomic():
            # Lock the row first (the UPDATE), then look for a task again: a worker that re-queued
            # it meanwhile has committed its task by the time the lock is ours.
            if not _reset_row(entry, kwargs):
                continue
            if results.filter(status__in=LIVE).exists():
                transaction.set_rollback(True)
                continue
            if results.filter(status=TaskResultStatus.FAILED, finished_at__gte=now - LOST_RUNS_WINDOW
                              ).count() >= MAX_LOST_RUNS:
                _give_up(path, entry, kwargs)
                continue
            import_string(path).enqueue(**kwargs)
        logger.warning("%s %s was left waiting with no task: queued again", entry.model, pk)
        done.append(f"{entry.model} {pk}")
    return done


def recover(*, me: str | None = None, now: datetime | None = None) -> RecoveryReport:
    """Re-queue what dead workers left behind (see the module's docstring). Safe to run from
    several workers at once, and as often as you like."""
    report = RecoveryReport()
    for result in abandoned_results(now=now, me=me):
        outcome = recover_result(result, now=now)
        if outcome == "requeued":
            report.requeued.append(result.task_path)
        elif outcome:
            report.failed.append(result.task_path)
    for path, entry in RERUNNABLE.items():
        report.rows_requeued += requeue_waiting_rows(path, entry, now=now)
    # Forget workers long gone (their tasks, if any, are past the unregistered lease by then).
    TaskWorker.objects.filter(lease_until__lt=(now or timezone.now()) - timedelta(days=1)).delete()
    return report
