"""`manage.py forward_statements`: send pending statements, and voiding statements for deleted
accounts, to the outside LRS (for cron or a worker)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage
from courses.xapi.forwarding import forward_due_statements


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Send statements waiting to be forwarded, and voiding statements for deleted accounts, "
                        "to the LRS in SANGKAT_XAPI_FORWARD_URL.")

    def add_arguments(self, parser):
        parser.add_argument("--max-batches", type=int, default=1000)

    def handle(self, *args, max_batches, **options):
        if not settings.SANGKAT_XAPI_FORWARD_URL:
            self.stdout.write(_("SANGKAT_XAPI_FORWARD_URL is not set: nothing to forward."))
            return
        report = forward_due_statements(max_batches=max_batches)
        self.stdout.write(_(
            "Statements sent: %(sent)d, failed: %(failed)d. Voiding statements sent: %(voids_sent)d, failed: "
            "%(voids_failed)d. Failures are tried again later."
        ) % {"sent": report.sent, "failed": report.failed, "voids_sent": report.voids_sent,
             "voids_failed": report.voids_failed})
