"""Daily reminders: session reports due, ambassador certifications about to expire (safe to repeat).

Run it from cron or a scheduler once or a few times a day: each reminder is sent once.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ambassadors.services import warn_expiring
from cms.commands import SpeaksLanguage
from labs.services import remind_reports_due


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Remind people of reports due and certifications expiring (each reminder once).")

    def handle(self, *args, **options):
        reports = remind_reports_due()
        expiring = warn_expiring()
        self.stdout.write(_("Reminders sent: %(reports)d reports due, %(expiring)d certifications expiring.")
                          % {"reports": reports, "expiring": expiring})
