"""Writes for Block by Block: sessions and teams, queueing the world and the captures (the background
work is .worldgen and .captures, run by .tasks). One transaction per user action.

Sites (.sites), captures and snapshots (.captures), pins, votes and proposals (.teamwork) have their
own modules; their names are re-exported here, so `services.<name>` (and cms.workers' give-up paths)
still work."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.services import notify

from . import safezip
from .captures import (  # noqa: F401
    give_up_capture,
    run_capture,
    save_snapshot,
    set_coordinates,
)
from .errors import CoDesignError, EmptyPlot  # noqa: F401
from .models import (
    Capture,
    CoDesignSession,
    Site,
    Snapshot,
    TaskState,
    Team,
    TeamMember,
)
from .sites import categories, create_site, has_control, render_site_preview, site_volume  # noqa: F401
from .tasks import capture_task, generate_world_task
from .teamwork import (  # noqa: F401
    add_pin,
    can_take_part,
    metric_labels,
    submit_team_proposal,
    vote,
    withdraw_vote,
)
from .volume import plot_origin
from .worldgen import _set_world, generate_world, give_up_world  # noqa: F401

log = logging.getLogger(__name__)


# --- sessions and teams ---------------------------------------------------------------------

def create_session(*, facilitator, title: str, site: Site, team_names: list[str], call=None, labs_session=None,
                   server_host: str = "", server_port: int = 4711,
                   coordinates: str = CoDesignSession.Coordinates.ABSOLUTE) -> CoDesignSession:
    names = [n.strip()[:60] for n in team_names if n and n.strip()]
    if not (title or "").strip():
        raise CoDesignError(_("Give the session a title."))
    if not 1 <= len(names) <= 8:
        raise CoDesignError(_("A session has between 1 and 8 teams."))
    if len(set(names)) != len(names):
        raise CoDesignError(_("Each team needs its own name."))
    if coordinates not in CoDesignSession.Coordinates.values:
        raise CoDesignError(_("Choose how the game server counts coordinates."))
    if has_control(title) or any(has_control(name) for name in names):  # drawn on every render
        raise CoDesignError(_("The name or description contains control characters; retype it."))
    with transaction.atomic():
        session = CoDesignSession.objects.create(
            title=title.strip()[:150], site=site, call=call, labs_session=labs_session, team_count=len(names),
            server_host=server_host, server_port=server_port, coordinates=coordinates, facilitator=facilitator)
        for index, name in enumerate(names):
            ox, oz = plot_origin(index, site.width_m)
            Team.objects.create(session=session, name=name, index=index, origin_x=ox, origin_z=oz)
    return session


def add_member(*, team: Team, user, nickname: str) -> TeamMember:
    nickname = (nickname or "").strip()[:40] or getattr(user, "nickname", "") or _("Player")
    if TeamMember.objects.filter(team__session=team.session_id, user=user).exclude(team=team).exists():
        raise CoDesignError(_("This person is already in another team of this session."))
    member, created = TeamMember.objects.update_or_create(team=team, user=user, defaults={"nickname": nickname})
    if created:  # her way in: the inbox links to the session, which opens on her team's gallery
        session = team.session
        notify(users=[user], kind="codesign-team", title=gettext_lazy("You are in team %(team)s: %(session)s"),
               body=gettext_lazy("Block by Block: open the gallery to see your team's build and vote."),
               url=lambda: reverse("minecraft:session", args=[session.pk]),
               params={"team": team.name, "session": session.title})
    return member


# --- world generation -----------------------------------------------------------------------

def request_world(*, session: CoDesignSession) -> None:
    """Queue the world's generation (a background task); the session page shows its progress."""
    if session.world_state in {TaskState.QUEUED, TaskState.RUNNING}:
        raise CoDesignError(_("The world is already being made."))
    _set_world(session.pk, world_state=TaskState.QUEUED, world_progress=0, world_error="",
               world_requested_at=timezone.now())
    transaction.on_commit(lambda: generate_world_task.enqueue(session_id=session.pk))


# --- queueing a capture (run by tasks.capture_task: .captures.run_capture) --------------------

def request_capture_from_upload(*, session: CoDesignSession, user, upload) -> Capture:
    """Check the uploaded world completely before anything is stored, then queue the import."""
    try:
        safezip.open_world(upload)
    except ValidationError as exc:
        raise CoDesignError(" ".join(exc.messages)) from None
    upload.seek(0)
    with transaction.atomic():
        item = Capture(session=session, source=Capture.Source.UPLOAD, created_by=user)
        item.upload.save(f"build-{session.pk}.zip", upload, save=False)
        item.save()
        transaction.on_commit(lambda: capture_task.enqueue(capture_id=item.pk))
    return item


def request_capture_from_snapshots(*, session: CoDesignSession, user) -> Capture:
    if not Snapshot.objects.filter(team__session=session, baseline=False).exists():
        raise CoDesignError(_("No live snapshot yet: run the live session first, or upload the world."))
    with transaction.atomic():
        item = Capture.objects.create(session=session, source=Capture.Source.LIVE, created_by=user)
        transaction.on_commit(lambda: capture_task.enqueue(capture_id=item.pk))
    return item
