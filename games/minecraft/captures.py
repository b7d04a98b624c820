"""Writes for Block by Block's captures: a world uploaded or snapshots taken live, compared with the
baseline into metrics and renders (re-exported by games.minecraft.services)."""

from __future__ import annotations

import io
import logging
import zlib

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from . import capture as C
from . import palette as P
from . import render, safezip
from .anvil import WorkBudget, WorkBudgetExceeded, WorldFileError, read_area, too_many_blocks
from .errors import CoDesignError, EmptyPlot
from .models import (
    Capture,
    CoDesignSession,
    Snapshot,
    TaskState,
    Team,
    TeamBuild,
)
from .sites import categories, site_volume
from .volume import BASE_Y, CAPTURE_HEIGHT, SiteVolume, capture_window

log = logging.getLogger("games.minecraft.services")  # the name its messages always had


# --- capture --------------------------------------------------------------------------------

def set_coordinates(*, session: CoDesignSession, coordinates: str, spawn: tuple[int, int, int]) -> None:
    """How the live session's game server counts coordinates, and its spawn point (relative mode)."""
    if coordinates not in CoDesignSession.Coordinates.values:
        raise CoDesignError(_("Choose how the game server counts coordinates."))
    session.coordinates = coordinates
    session.spawn_x, session.spawn_y, session.spawn_z = (int(v) for v in spawn)
    session.save(update_fields=["coordinates", "spawn_x", "spawn_y", "spawn_z"])


def save_snapshot(*, team: Team, blocks: np.ndarray, base_y: int = BASE_Y, baseline: bool = False) -> Snapshot:
    """Store what the live bridge read from a team plot (legacy ids [y, z, x], layer 0 at base_y);
    `baseline`: read right after stamping, what live captures of the plot compare against."""
    if blocks.ndim != 3 or any(n > 1024 for n in blocks.shape) or base_y < BASE_Y:
        raise CoDesignError(_("The snapshot has the wrong shape."))
    raw = zlib.compress(np.ascontiguousarray(blocks, dtype=np.int16).tobytes(), 6)
    y, z, x = blocks.shape
    return Snapshot.objects.create(team=team, shape_y=y, shape_z=z, shape_x=x, base_y=base_y, blocks=raw,
                                   baseline=baseline)


def _snapshot_volume(snapshot: Snapshot, baseline: np.ndarray, registry: P.Registry) -> np.ndarray:
    """The snapshot as ids of the capture's registry in the baseline's frame; what it did not
    read (layers below base_y, columns outside it) stays as generated."""
    shape = (snapshot.shape_y, snapshot.shape_z, snapshot.shape_x)
    legacy = np.frombuffer(zlib.decompress(bytes(snapshot.blocks)), dtype=np.int16).reshape(shape)
    keys = np.unique(legacy)
    try:
        values = np.array([registry.id(P.from_legacy(int(k))) for k in keys], dtype=np.uint16)
    except P.TooManyBlocks:
        raise too_many_blocks(registry.limit) from None
    converted = values[np.searchsorted(keys, legacy)]
    out = baseline.copy()
    start = snapshot.base_y - BASE_Y
    height = min(converted.shape[0], out.shape[0] - start)
    depth, width = min(shape[1], out.shape[1]), min(shape[2], out.shape[2])
    out[start:start + height, :depth, :width] = converted[:height, :depth, :width]
    return out


def _set_capture(capture_id: int, **fields) -> None:
    Capture.objects.filter(pk=capture_id).update(**fields)


def run_capture(*, capture_id: int) -> None:
    """Read every team plot, diff it against the site as generated, measure and render it.

    Re-running is safe: only a run that finds the capture waiting claims it (a conditional
    update), so a finished capture, or one another run is still saving, is left alone; the builds
    a killed run had saved are replaced (one build per team and capture)."""
    claimed = Capture.objects.filter(pk=capture_id, state=TaskState.QUEUED).update(
        state=TaskState.RUNNING, progress=1)
    if not claimed:
        return
    item = Capture.objects.select_related("session__site").get(pk=capture_id)
    session, site = item.session, item.session.site
    for partial in item.builds.all():
        for image in (partial.plan, partial.iso, partial.before_after):
            if image:
                image.delete(save=False)
        partial.delete()
    try:
        cats = categories()
        vol = site_volume(site)
        baseline = capture_window(vol.blocks, CAPTURE_HEIGHT)
        width16, depth16 = vol.blocks.shape[2], vol.blocks.shape[1]
        before = C.metrics(baseline, cats, ground=vol.surface, base_y=BASE_Y, width=vol.width, depth=vol.depth)
        teams = list(session.teams.order_by("index"))
        # Per capture: the block names this world brings, and the work its upload may cause.
        registry = P.Registry()
        budget = WorkBudget.for_chunks(len(teams) * (width16 // 16) * (depth16 // 16))
        world = None
        if item.source == Capture.Source.UPLOAD:
            with item.upload.open("rb") as handle:
                world = safezip.open_world(io.BytesIO(handle.read()))
        builds = []
        for n, team in enumerate(teams):
            if world is not None:
                blocks = read_area(world.region, x0=team.origin_x, z0=team.origin_z, width=width16, depth=depth16,
                                   base_y=BASE_Y, height=CAPTURE_HEIGHT, registry=registry, budget=budget)
                if not blocks.any():
                    raise EmptyPlot(team.name)
            else:
                snapshot = team.snapshots.filter(baseline=False).order_by("-taken_at").first()
                if snapshot is None:
                    continue
                blocks = _snapshot_volume(snapshot, baseline, registry)
                stamped = team.snapshots.filter(baseline=True).order_by("-taken_at").first()
                if stamped is not None:  # compare with what the server held, not what was sent
                    held = _snapshot_volume(stamped, baseline, registry)
                    held_before = C.metrics(held, cats, ground=vol.surface, base_y=BASE_Y, width=vol.width,
                                            depth=vol.depth, names=registry.names)
                    builds.append(_measure_and_render(item, team, vol, held, blocks, held_before, cats,
                                                      registry.names))
                    _set_capture(capture_id, progress=min(99, int(100 * (n + 1) / len(teams))))
                    continue
            builds.append(_measure_and_render(item, team, vol, baseline, blocks, before, cats, registry.names))
            _set_capture(capture_id, progress=min(99, int(100 * (n + 1) / len(teams))))
        _set_capture(capture_id, state=TaskState.DONE, progress=100, finished_at=timezone.now())
    except (WorldFileError, ValidationError, EmptyPlot) as exc:
        if isinstance(exc, ValidationError):
            message = " ".join(exc.messages)
        elif isinstance(exc, WorkBudgetExceeded):
            message = exc.message
        elif isinstance(exc, EmptyPlot):
            message = _("Team %(team)s's plot is empty in this world: nothing was built or kept "
                        "there. Upload the world Sangkat made for this session, after building in "
                        "it.") % {"team": exc.team}
        else:
            message = _("The world is damaged or not a Minecraft Java world Sangkat can read.")
        for partial in item.builds.all():  # all teams or none
            for image in (partial.plan, partial.iso, partial.before_after):
                if image:
                    image.delete(save=False)
            partial.delete()
        _set_capture(capture_id, state=TaskState.FAILED, error=str(message)[:300])
    except Exception as exc:
        log.exception("capture %s failed", capture_id)
        _set_capture(capture_id, state=TaskState.FAILED, error=str(exc)[:300])


def _measure_and_render(item: Capture, team: Team, vol: SiteVolume, baseline, blocks, before, cats,
                        names: list[str]) -> TeamBuild:
    after = C.metrics(blocks, cats, ground=vol.surface, base_y=BASE_Y, width=vol.width, depth=vol.depth,
                      names=names)
    changes = C.diff(baseline[:, :vol.depth, :vol.width], blocks[:, :vol.depth, :vol.width], cats, names=names)
    pins = [render.PinMark(x=p.x - team.origin_x, z=p.z - team.origin_z, y=p.y, number=i + 1)
            for i, p in enumerate(team.pins.all())]
    title = f"{item.session.site.name} · {team.name}"
    plan_after = render.plan(blocks, cats, title=title, width=vol.width, depth=vol.depth, pins=pins, names=names)
    plan_before = render.plan(baseline, cats, title=item.session.site.name, width=vol.width, depth=vol.depth)
    iso = render.isometric(blocks, cats, title=title, width=vol.width, depth=vol.depth, pins=pins, names=names)
    both = render.side_by_side(plan_before, plan_after, left=_("Before"), right=_("After"))
    build = TeamBuild(capture=item, team=team, diff=changes,
                      metrics={"before": before, "after": after, "change": C.compare(before, after)})
    stem = f"build-{item.pk}-{team.pk}"
    build.plan.save(f"{stem}-plan.png", ContentFile(render.png(plan_after)), save=False)
    build.iso.save(f"{stem}-iso.png", ContentFile(render.png(iso)), save=False)
    build.before_after.save(f"{stem}-before-after.png", ContentFile(render.png(both)), save=False)
    build.save()
    return build


def give_up_capture(*, capture_id: int) -> None:
    """Stop re-queueing a capture that stopped its worker again and again (cms.workers)."""
    Capture.objects.filter(pk=capture_id, state__in=[TaskState.QUEUED, TaskState.RUNNING]).update(
        state=TaskState.FAILED,
        error=_("The server stopped several times while reading these builds. Try again, or ask for help."),
    )
