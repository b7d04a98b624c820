"""Making a Block by Block session's world in the background: generate_world, run by
tasks.generate_world_task (services.request_world queues it), and give_up_world (cms.workers).
Re-exported by games.minecraft.services."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from . import render
from .models import CoDesignSession, TaskState
from .sites import categories, site_volume
from .world import write_world_zip

log = logging.getLogger("games.minecraft.services")  # the name its messages always had


def _set_world(session_id: int, **fields) -> None:
    CoDesignSession.objects.filter(pk=session_id).update(**fields)


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
