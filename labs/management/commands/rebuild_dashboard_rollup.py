"""`manage.py rebuild_dashboard_rollup`: recompute the centers dashboard rollup from attendance."""

from django.core.management.base import BaseCommand

from labs.rollup import rebuild


class Command(BaseCommand):
    help = ("Recompute the centers dashboard rollup (session tallies, learners' days) from attendance. "
            "Run it after loading attendance in bulk (SQL, bulk_create), which the rollup does not see.")

    def handle(self, *args, **options):
        result = rebuild()
        self.stdout.write(f"Rebuilt the dashboard rollup: {result['sessions']} sessions, "
                          f"{result['learners']} center learners.")
