"""`manage.py rebuild_dashboard_rollup`: recompute the centers dashboard rollup from attendance."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage
from labs.rollup import rebuild


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Recompute the centers dashboard rollup (session tallies, learners' days) from attendance. "
            "Run it after loading attendance in bulk (SQL, bulk_create), which the rollup does not see.")

    def handle(self, *args, **options):
        result = rebuild()
        self.stdout.write(_("Rebuilt the dashboard rollup: %(sessions)d sessions, %(learners)d center learners.")
                          % result)
