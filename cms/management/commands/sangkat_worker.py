"""`manage.py sangkat_worker`: django-tasks' `db_worker` that also resumes what dead workers left.

It takes every option of `db_worker`. Before it claims its first task it registers itself with a
lease (cms.models.TaskWorker) and re-queues the tasks and rows that dead workers left behind
(cms.workers.recover); a thread then renews the lease every `--heartbeat` seconds and recovers
again every `--recover-every` seconds, so a worker killed beside live ones is noticed too.
"""

import logging
import threading
from datetime import timedelta

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from cms import workers

logger = logging.getLogger("cms.workers")


class _Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, every: float, recover_every: float):
        super().__init__(name="sangkat-worker-heartbeat", daemon=True)
        self.worker_id, self.every, self.recover_every = worker_id, every, recover_every
        self.stopping = threading.Event()

    def run(self) -> None:
        since_recovery = 0.0
        try:
            while not self.stopping.wait(self.every):
                try:
                    close_old_connections()
                    workers.renew_lease(worker_id=self.worker_id, lease=lease(self.every))
                    since_recovery += self.every
                    if self.recover_every and since_recovery >= self.recover_every:
                        since_recovery = 0.0
                        report = workers.recover(me=self.worker_id)
                        if report:
                            logger.warning("recovered: %s", report)
                except Exception:  # a database hiccup must not end the heartbeat
                    logger.exception("worker heartbeat failed")
        finally:
            connection.close()


def lease(every: float) -> timedelta:
    # Three beats may be missed (a slow database) before others take the worker for dead.
    return timedelta(seconds=3 * every + 5)


class Command(DBWorkerCommand):
    help = "Run a task worker (db_worker) that first re-queues the work of dead workers"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--heartbeat", type=float, default=10.0,
                            help="Seconds between renewals of this worker's lease (default: %(default)r)")
        parser.add_argument("--recover-every", type=float, default=60.0,
                            help="Seconds between looks for dead workers' tasks; 0: only at start (default: %(default)r)")

    def handle(self, *args, heartbeat: float, recover_every: float, **options) -> None:
        self.configure_logging(options["verbosity"])
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        worker_id = options["worker_id"]
        workers.register_worker(worker_id=worker_id, lease=lease(heartbeat))
        report = workers.recover(me=worker_id)
        if report:
            logger.warning("recovered: %s", report)
        pulse = _Heartbeat(worker_id=worker_id, every=heartbeat, recover_every=recover_every)
        pulse.start()
        try:
            # The autoreloader would run this command again in a child process: not here.
            super().handle(*args, **{**options, "reload": False})
        finally:
            pulse.stopping.set()
            pulse.join(timeout=heartbeat + 5)
            workers.stop_worker(worker_id=worker_id)
