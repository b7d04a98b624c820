"""`manage.py forward_statements`: send pending statements, and voiding statements for deleted
accounts, to the outside LRS (for cron or a worker)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from courses.xapi.forwarding import forward_due_statements


class Command(BaseCommand):
    help = ("Send statements waiting to be forwarded, and voiding statements for deleted accounts, "
            "to the LRS in SANGKAT_XAPI_FORWARD_URL.")

    def add_arguments(self, parser):
        parser.add_argument("--max-batches", type=int, default=1000)

    def handle(self, *args, max_batches, **options):
        if not settings.SANGKAT_XAPI_FORWARD_URL:
            self.stdout.write("SANGKAT_XAPI_FORWARD_URL is not set: nothing to forward.")
            return
        report = forward_due_statements(max_batches=max_batches)
        self.stdout.write(
            f"sent {report.sent}, failed {report.failed}; voiding statements sent {report.voids_sent}, "
            f"failed {report.voids_failed} (failures will be retried later)"
        )
