"""`manage.py live_session --session N`: during a live workshop, snapshot every team plot and
collect block-hit pins on a timer. A game server that goes away is reported and retried; the
snapshots resume when it is back.

While it runs it is the one process that reads the session's block hits, on one connection kept
open across rounds (the server queues hits per connection): see live.claim_events."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.commands import SpeaksLanguage
from games.minecraft import live
from games.minecraft.models import CoDesignSession
from games.minecraft.services import CoDesignError


class Command(SpeaksLanguage, BaseCommand):
    help = gettext_lazy("Snapshot a live co-design session's team plots and collect pins every N seconds.")

    def add_arguments(self, parser):
        parser.add_argument("--session", type=int, required=True, help=_("the co-design session's id"))
        parser.add_argument("--every", type=int, default=60,
                            help=_("seconds between snapshots (at least 10)"))
        parser.add_argument("--rounds", type=int, default=0,
                            help=_("stop after this many rounds (0: never)"))

    def handle(self, *args, session, every, rounds, **options):
        found = CoDesignSession.objects.select_related("site").filter(pk=session).first()
        if found is None:
            raise CommandError(_("No co-design session %(id)s.") % {"id": session})
        every = max(10, every)
        lease = timedelta(seconds=2 * every + 30)  # another process may take over once it runs out
        try:
            self._rounds(found, every, rounds, lease)
        finally:
            live.release_events(found)

    def _rounds(self, found, every, rounds, lease):
        done = 0
        while True:
            found.refresh_from_db()  # the facilitator may change the coordinates or the server meanwhile
            try:
                plots = live.snapshot_teams(session=found)
                pins = live.collect_pins(session=found, lease=lease)
                self.stdout.write(_("%(time)s snapshot of %(plots)d plots, %(pins)d new pins") % {
                    "time": time.strftime("%H:%M:%S"), "plots": plots, "pins": pins})
            except CoDesignError as exc:
                self.stdout.write(f"{time.strftime('%H:%M:%S')} {exc.message}")
                try:  # a plot refused, or the server gone: pins are still collected when they can be
                    live.collect_pins(session=found, lease=lease)
                except CoDesignError:
                    pass
            done += 1
            if rounds and done >= rounds:
                return
            time.sleep(every)
