"""Writes for Block by Block: sessions and teams, world generation. One transaction per user action.

Sites (.sites), captures and snapshots (.captures), pins, votes and proposals (.teamwork) have their
own modules; their names are re-exported here, so `services.<name>` (and cms.workers' give-up paths)
still work."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.services import notify

from . import render
from .captures import (  # noqa: F401
    give_up_capture,
    request_capture_from_snapshots,
    request_capture_from_upload,
    run_capture,
    save_snapshot,
    set_coordinates,
)
from .errors import CoDesignError, EmptyPlot  # noqa: F401
from .models import (
    CoDesignSession,
    Site,
    TaskState,
    Team,
    TeamMember,
)
from .sites import categories, create_site, has_control, render_site_preview, site_volume  # noqa: F401
from .tasks import generate_world_task
from .teamwork import (  # noqa: F401
    add_pin,
    can_take_part,
    metric_labels,
    submit_team_proposal,
    vote,
    withdraw_vote,
)
from .volume import plot_origin
from .world import write_world_zip

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

def _set_world(session_id: int, **fields) -> None:
    CoDesignSession.objects.filter(pk=session_id).update(**fields)


def request_world(*, session: CoDesignSession) -> None:
    """Queue the world's generation (a background task); the session page shows its progress."""
    if session.world_state in {TaskState.QUEUED, TaskState.RUNNING}:
        raise CoDesignError(_("The world is already being made."))
    _set_world(session.pk, world_state=TaskState.QUEUED, world_progress=0, world_error="",
               world_requested_at=timezone.now())
    transaction.on_commit(lambda: generate_world_task.enqueue(session_id=session.pk))


def generate_world(*, session_id: int) -> None:
    """Make the session's world. Re-running is safe: only a run that finds the world waiting
    claims it (a conditional update), so a world already made, or being made by another run, is
    left alone."""
    claimed = CoDesignSession.objects.filter(
        pk=session_id, world_state__in=[TaskState.NONE, TaskState.QUEUED]
    ).update(world_state=TaskState.RUNNING, world_progress=1)
    if not claimed:
        return
    session = CoDesignSession.objects.select_related("site").get(pk=session_id)
    last = [0]

    def progress(fraction):
        percent = min(99, int(fraction * 100))
        if percent >= last[0] + 5:
            last[0] = percent
            _set_world(session_id, world_progress=percent)

    try:
        vol = site_volume(session.site)
        icon = render.plan(vol.blocks, categories(), title="", width=vol.width, depth=vol.depth, scale=1)
        icon = icon.crop((render.MAP_X, render.MAP_Y, render.MAP_X + vol.width, render.MAP_Y + vol.depth))
        icon.thumbnail((64, 64))
        teams = list(session.teams.order_by("index").values_list("name", flat=True))
        data = write_world_zip(vol, level_name=session.title, team_names=teams, progress=progress,
                               icon_png=render.png(icon))
        name = f"sangkat-world-{session.pk}.zip"
        old = session.world_zip.name if session.world_zip else None
        session.world_zip.save(name, ContentFile(data), save=False)
        _set_world(session_id, world_zip=session.world_zip.name, world_state=TaskState.DONE, world_progress=100,
                   world_generated_at=timezone.now())
        if old and old != session.world_zip.name:
            session.world_zip.storage.delete(old)
    except Exception as exc:
        log.exception("world generation failed for session %s", session_id)
        _set_world(session_id, world_state=TaskState.FAILED, world_error=str(exc)[:300])


def give_up_world(*, session_id: int) -> None:
    """Stop re-queueing a world generation that stopped its worker again and again (cms.workers)."""
    CoDesignSession.objects.filter(pk=session_id, world_state__in=[TaskState.QUEUED, TaskState.RUNNING]).update(
        world_state=TaskState.FAILED,
        world_error=_("The server stopped several times while making this world. Try again, or ask for help."),
    )
