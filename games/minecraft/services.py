"""Writes for Block by Block: sites, sessions and teams, world generation, captures (import, diff,
metrics, renders), snapshots, pins, votes and proposals. One transaction per user action."""

from __future__ import annotations

import io
import logging
import unicodedata
import zlib

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.images import ImageRefused, check_image
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.services import notify
from games.models import EventKind
from games.services import record_event
from labs.participation.services import ParticipationError, submit_proposal

from . import capture as C
from . import geo, render, safezip, volume
from . import palette as P
from .anvil import WorkBudget, WorkBudgetExceeded, WorldFileError, read_area, too_many_blocks
from .models import (
    BlockCategory,
    Capture,
    CoDesignSession,
    Pin,
    Site,
    Snapshot,
    TaskState,
    Team,
    TeamBuild,
    TeamMember,
    Vote,
)
from .tasks import capture_task, generate_world_task
from .volume import BASE_Y, CAPTURE_HEIGHT, SiteVolume, capture_window, plot_origin
from .world import write_world_zip

log = logging.getLogger(__name__)


class CoDesignError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class EmptyPlot(Exception):
    """A team's plot holds no block at all in an uploaded world (not the session's world)."""

    def __init__(self, team: str):
        super().__init__(team)
        self.team = team


# --- sites ----------------------------------------------------------------------------------

def site_volume(site: Site) -> SiteVolume:
    from PIL import Image

    plan = geo.parse(site.geojson, crs=site.crs)
    heightmap = None
    if site.heightmap:
        with site.heightmap.open("rb") as handle:
            heightmap = Image.open(handle)
            heightmap.load()
    return volume.build(plan, heightmap=heightmap, max_height=site.heightmap_max_m)


def _validate_heightmap(upload) -> None:
    try:
        check_image(upload, max_bytes=5 * 1024 * 1024, formats={"PNG", "JPEG"}, max_pixels=4096 * 4096)
    except ImageRefused as refused:
        if refused.reason == "too_big":
            raise CoDesignError(_("The heightmap is too big (at most 5 MB).")) from None
        raise CoDesignError(_("The heightmap must be a PNG or JPEG image.")) from None


def create_site(*, user, name_en: str, geojson, crs: str, name_km: str = "", description: str = "",
                heightmap=None, heightmap_max_m: int = 0) -> Site:
    """Validate the GeoJSON (and heightmap) before anything is written, then save and preview."""
    try:
        data = geo.load(geojson)
    except ValidationError as exc:
        raise CoDesignError(" ".join(exc.messages)) from None
    # Control characters cannot be stored (NUL) or drawn on the preview (the text layout fails).
    if _has_control((name_en or "") + (name_km or "")) or _has_control(description, allow="\r\n\t"):
        raise CoDesignError(_("The name or description contains control characters; retype it."))
    if heightmap is not None:
        _validate_heightmap(heightmap)
    site = Site(name_en=(name_en or "").strip(), name_km=(name_km or "").strip(), description=description,
                geojson=data, crs=crs, heightmap_max_m=heightmap_max_m, created_by=user)
    try:
        site.full_clean(exclude=["heightmap", "preview"])
    except ValidationError as exc:
        raise CoDesignError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from None
    with transaction.atomic():
        if heightmap is not None:
            site.heightmap.save(getattr(heightmap, "name", "heightmap.png").rsplit("/", 1)[-1], heightmap, save=False)
        site.save()
        render_site_preview(site=site)
    return site


def render_site_preview(*, site: Site) -> None:
    """The site's plan as a PNG, kept on the site for the admin and session pages."""
    vol = site_volume(site)
    image = render.plan(vol.blocks, categories(), title=site.name, width=vol.width, depth=vol.depth)
    Site.objects.filter(pk=site.pk).update(width_m=vol.width, depth_m=vol.depth)
    site.width_m, site.depth_m = vol.width, vol.depth
    site.preview.save(f"site-{site.pk}.png", ContentFile(render.png(image)), save=False)
    Site.objects.filter(pk=site.pk).update(preview=site.preview.name)


def categories() -> C.Categories:
    rules = list(BlockCategory.objects.values_list("pattern", "category"))
    return C.Categories(rules) if rules else C.DEFAULT_CATEGORIES


# --- sessions and teams ---------------------------------------------------------------------

def _has_control(text: str | None, allow: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allow for c in text or "")


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
    if _has_control(title) or any(_has_control(name) for name in names):  # drawn on every render
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


# --- capture --------------------------------------------------------------------------------

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


def give_up_world(*, session_id: int) -> None:
    """Stop re-queueing a world generation that stopped its worker again and again (cms.workers)."""
    CoDesignSession.objects.filter(pk=session_id, world_state__in=[TaskState.QUEUED, TaskState.RUNNING]).update(
        world_state=TaskState.FAILED,
        world_error=_("The server stopped several times while making this world. Try again, or ask for help."),
    )


def give_up_capture(*, capture_id: int) -> None:
    """Stop re-queueing a capture that stopped its worker again and again (cms.workers)."""
    Capture.objects.filter(pk=capture_id, state__in=[TaskState.QUEUED, TaskState.RUNNING]).update(
        state=TaskState.FAILED,
        error=_("The server stopped several times while reading these builds. Try again, or ask for help."),
    )


# --- pins, votes, proposals -----------------------------------------------------------------

def add_pin(*, team: Team, x: int, y: int, z: int, text: str, author=None) -> Pin:
    text = (text or "").strip()
    if not text:
        raise CoDesignError(_("A pin needs a comment."))
    return Pin.objects.create(team=team, x=x, y=y, z=z, text=text[:200], author=author)


def can_take_part(*, user, session: CoDesignSession) -> bool:
    return user.is_authenticated and (
        has_role(user, FACILITATOR, INNOVATION_UNIT)
        or TeamMember.objects.filter(team__session=session, user=user).exists())


def vote(*, user, team: Team) -> bool:
    """One vote per person per team (database constraint); True if this call added it."""
    if not can_take_part(user=user, session=team.session):
        raise CoDesignError(_("Only the session's participants can vote."))
    try:
        with transaction.atomic():
            Vote.objects.create(team=team, user=user)
    except IntegrityError:
        return False
    return True


def withdraw_vote(*, user, team: Team) -> bool:
    return Vote.objects.filter(team=team, user=user).delete()[0] > 0


def submit_team_proposal(*, user, team: Team, title: str, description: str):
    """Carry the team's latest build to the session's call as a proposal, renders and metrics
    attached, and record the build for every member's points."""
    session = team.session
    if not (TeamMember.objects.filter(team=team, user=user).exists() or session.facilitator_id == user.pk):
        raise CoDesignError(_("Only the team's members or the facilitator can submit its build."))
    if team.proposal_id:
        raise CoDesignError(_("This team has already submitted its build."))
    build = team.builds.order_by("-created_at").first()
    if build is None:
        raise CoDesignError(_("Import the builds first: there is nothing to submit yet."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title or not description:
        raise CoDesignError(_("Write a title and a description for your build."))
    nicknames = list(team.memberships.order_by("nickname").values_list("nickname", flat=True))
    change = build.metrics.get("change", {})
    after = build.metrics.get("after", {})
    lines = [description, "", _("Built in Minecraft by team %(team)s (%(names)s) at “%(site)s”.") % {
        "team": team.name, "names": ", ".join(nicknames), "site": session.site.name}, "",
        _("What the build measures (change from today):")]
    labels = metric_labels()
    for key in C.METRIC_KEYS:
        lines.append(f"- {labels[key]}: {after.get(key, 0)} ({change.get(key, 0):+})")
    images = []
    for field_file in (build.before_after, build.plan, build.iso):
        with field_file.open("rb") as handle:
            images.append(ContentFile(handle.read(), name=field_file.name.rsplit("/", 1)[-1]))
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.proposal_id:
            raise CoDesignError(_("This team has already submitted its build."))
        try:
            proposal = submit_proposal(
                author=user, title=title[:150], body="\n".join(lines)[:5000], category="public_space",
                call=session.call, images=images, origin="blockbyblock", team_nicknames=nicknames)
        except ParticipationError as exc:
            raise CoDesignError(exc.message) from None
        Team.objects.filter(pk=team.pk).update(proposal_title=title[:150], proposal_description=description[:3000],
                                               proposal_id=proposal.pk, submitted_at=timezone.now())
        for member in team.memberships.select_related("user"):
            record_event(user=member.user, kind=EventKind.MINECRAFT_BUILD_SUBMITTED,
                         source=f"minecraft-team:{team.pk}")
    team.refresh_from_db()
    return proposal


def metric_labels() -> dict[str, str]:
    return {"green_area_m2": _("green area (m²)"), "seats": _("seats"), "lights": _("lights"),
            "shaded_area_m2": _("shaded area (m²)"), "path_length_m": _("path length (m)"),
            "water_area_m2": _("water (m²)")}
