"""The live session through the mcpi bridge: stamp the site on every team plot, post prompts to
chat, snapshot the plots and turn block hits into pins. A server that is gone becomes a message,
never an error page."""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import palette as P
from .bridge import BridgeUnavailable, McpiConnection, snapshot, stamp
from .bridge.frame import ABSOLUTE, Frame
from .bridge.frame import detect as detect_frame
from .models import CoDesignSession, Team
from .services import CoDesignError, add_pin, save_snapshot, site_volume
from .volume import BASE_Y, CAPTURE_HEIGHT, SiteVolume

BELOW_GROUND = 2  # layers under the lowest ground that are stamped and read back
HEADROOM = 16  # layers above the site that snapshots read, for what teams build up
TIMEOUT_S = 5.0


def connect(session: CoDesignSession) -> McpiConnection:
    if not session.server_host:
        raise CoDesignError(_("Set the game server's address on the session first."))
    return McpiConnection(session.server_host, session.server_port, timeout=TIMEOUT_S)


def frame(session: CoDesignSession) -> Frame:
    """How the session's world coordinates translate to the server's (see bridge/frame.py)."""
    if session.coordinates == CoDesignSession.Coordinates.RELATIVE:
        return Frame(session.spawn_x, session.spawn_y, session.spawn_z)
    return ABSOLUTE


# Block hits (and chat posts) are queued per connection, from when it connects (RaspberryJuice, and
# Sangkat's mod as it): a connection opened per poll would never hold any. So one process at a time
# reads a session's hits, on one connection it keeps open across polls: the `live_session` command
# while it runs, else the web process where the facilitator asks for pins. It holds that role by a
# lease on the session (events_owner, events_lease_until), so no two processes read the same hits
# twice. When the connection is lost (the server restarted, or another process takes over after a
# lease ran out) the hits of the gap are gone: the session records the gap and its page says so.
WEB_LEASE = timedelta(minutes=2)
_events_lock = threading.Lock()
_event_connections: dict[tuple[int, str, int], tuple[McpiConnection, int]] = {}


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim_events(session: CoDesignSession, lease: timedelta = WEB_LEASE) -> bool:
    """Make this process the one that reads the session's hits, unless another one holds that role."""
    now = timezone.now()
    free = Q(events_owner="") | Q(events_owner=_me()) | Q(events_lease_until__isnull=True) | Q(events_lease_until__lt=now)
    claimed = CoDesignSession.objects.filter(free, pk=session.pk).update(events_owner=_me(),
                                                                       events_lease_until=now + lease)
    session.refresh_from_db(fields=["events_owner", "events_lease_until", "events_read_at",
                                    "events_lost_from", "events_lost_to"])
    return bool(claimed)


def release_events(session: CoDesignSession) -> None:
    """Give up the role (the `live_session` command on its way out); the connection is closed."""
    CoDesignSession.objects.filter(pk=session.pk, events_owner=_me()).update(events_owner="", events_lease_until=None)
    with _events_lock:
        for key in [k for k in _event_connections if k[0] == session.pk]:
            _event_connections.pop(key)[0].close()


def event_connection(session: CoDesignSession) -> McpiConnection:
    """The connection this process keeps for the session's block hits (opened on first use)."""
    if not session.server_host:
        raise CoDesignError(_("Set the game server's address on the session first."))
    key = (session.pk, session.server_host, session.server_port)
    with _events_lock:
        for other in [k for k in _event_connections if k[0] == session.pk and k != key]:
            _event_connections.pop(other)[0].close()  # the session's server address changed
        if key not in _event_connections:
            _event_connections[key] = (McpiConnection(session.server_host, session.server_port,
                                                      timeout=TIMEOUT_S), 0)
        return _event_connections[key][0]


def _read_events(session: CoDesignSession, read):
    """Run `read(conn)` on the event connection and account for what its queue covers.

    A queue that started afresh since the session's last read (a reconnect, or a first read in this
    process after another one) holds no hits from between that read and its connecting: that gap
    is recorded. A read that fails opens a gap that stays open until a read succeeds.
    """
    conn = event_connection(session)
    key = (session.pk, session.server_host, session.server_port)
    try:
        result = read(conn)
    except BridgeUnavailable:
        if session.events_read_at and not (session.events_lost_from and session.events_lost_to is None):
            _record_gap(session, session.events_read_at, None)
        raise
    now = timezone.now()
    with _events_lock:
        seen = _event_connections.get(key, (conn, 0))[1]
        _event_connections[key] = (conn, conn.connects)
    fresh = conn.connects != seen
    if session.events_lost_from and session.events_lost_to is None:
        _record_gap(session, session.events_lost_from, max(session.events_lost_from, _when(conn.connected_at, now)))
    elif fresh and session.events_read_at:
        _record_gap(session, session.events_read_at, max(session.events_read_at, _when(conn.connected_at, now)))
    session.events_read_at = now
    CoDesignSession.objects.filter(pk=session.pk).update(events_read_at=now)
    return result


def _when(stamp: float | None, default):
    return datetime.fromtimestamp(stamp, tz=UTC) if stamp else default


def _record_gap(session: CoDesignSession, start, end) -> None:
    session.events_lost_from, session.events_lost_to = start, end
    CoDesignSession.objects.filter(pk=session.pk).update(events_lost_from=start, events_lost_to=end)


def close_event_connections() -> None:
    with _events_lock:
        while _event_connections:
            _event_connections.popitem()[1][0].close()


def describe_coordinates(session: CoDesignSession) -> str:
    """For the facilitator: how coordinates are sent, and whether the game confirmed it just now."""
    if session.coordinates == CoDesignSession.Coordinates.RELATIVE:
        text = _("The game counts coordinates relative to its spawn point (%(x)s, %(y)s, %(z)s).") % {
            "x": session.spawn_x, "y": session.spawn_y, "z": session.spawn_z}
    else:
        text = _("The game counts coordinates as absolute.")
    checked = getattr(session, "coordinates_checked", None)  # set by detect_coordinates
    if checked is True:
        text += " " + _("Checked with the game through a player's position.")
    elif checked is False:
        text += " " + _("Not checked: that needs a player in a Minecraft game with RaspberryJuice; the "
                        "session's setting was used.")
    return text


DETECT_TIMEOUT_S = 2.0


def detect_coordinates(*, session: CoDesignSession) -> bool:
    """Ask the server how it counts coordinates and store the answer; False if it cannot tell
    (no player in the game, or a server without player.getAbsPos): the session's setting stays.

    Asked on a connection of its own: some servers (pycraft) never answer a command they do not
    know, and a connection left waiting for that answer must not carry the stamping after it."""
    try:
        with McpiConnection(session.server_host, session.server_port, timeout=DETECT_TIMEOUT_S) as probe:
            found = detect_frame(probe)
    except BridgeUnavailable as exc:
        if exc.reason != BridgeUnavailable.TIMEOUT:
            raise
        found = None  # it did not answer getAbsPos: it cannot tell
    session.coordinates_checked = found is not None
    if found is None:
        return False
    session.coordinates = (CoDesignSession.Coordinates.ABSOLUTE if found.absolute
                           else CoDesignSession.Coordinates.RELATIVE)
    session.spawn_x, session.spawn_y, session.spawn_z = (0, 0, 0) if found.absolute else (found.dx, found.dy, found.dz)
    session.save(update_fields=["coordinates", "spawn_x", "spawn_y", "spawn_z"])
    return True


def legacy_volume(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, data) arrays for the bridge from a registry-id volume, through the palette."""
    pairs = np.array([P.legacy(name) for name in P.REGISTRY.names], dtype=np.int64)
    return pairs[blocks, 0], pairs[blocks, 1]


def _window(vol: SiteVolume) -> tuple[int, int]:
    """(first world y, number of layers) of the live area: from just under the ground to above the site."""
    start = max(BASE_Y, int(vol.surface.min()) - BELOW_GROUND)
    top = min(BASE_Y + CAPTURE_HEIGHT, BASE_Y + vol.height + HEADROOM)
    return start, top - start


def _unavailable(session: CoDesignSession, exc: Exception) -> CoDesignError:
    return CoDesignError(_("The game server at %(where)s does not answer (%(why)s). Check that it is "
                           "running, then try again.") % {"where": f"{session.server_host}:{session.server_port}",
                                                          "why": exc})


def stamp_site(*, session: CoDesignSession) -> int:
    """Build the site on every team's plot in the live world (setBlocks batches); blocks written.

    The server's coordinates are checked first where it can tell (see detect_coordinates).
    """
    vol = site_volume(session.site)
    start, height = _window(vol)
    ids, data = legacy_volume(vol.blocks[start - BASE_Y:])
    written = 0
    depth, width = vol.blocks.shape[1:]
    try:
        with connect(session) as conn:
            detect_coordinates(session=session)
            to_server = frame(session).to_server
            for team in session.teams.order_by("index"):
                report = stamp(conn, to_server(team.origin_x, start, team.origin_z), ids, data=data)
                written += report.blocks
                # Read back what the server now holds: the baseline captures compare with, so that
                # an untouched plot is zero change on a server that stores some blocks differently.
                held = snapshot(conn, to_server(team.origin_x, start, team.origin_z),
                                to_server(team.origin_x + width - 1, start + height - 1, team.origin_z + depth - 1))
                if not unloaded_chunks(vol, start, held, (team.origin_x, team.origin_z)):
                    save_snapshot(team=team, blocks=held, base_y=start, baseline=True)
            conn.post_chat(_("The site is ready. Each team builds on its own plot."))
            conn.post_chat(HOW_TO_PIN())
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None
    # From here on the session's block hits are queued on its own connection (opened now, unless
    # another process already reads them); what was queued before becomes pins first.
    if claim_events(session):
        try:
            collect_pins(session=session)
        except CoDesignError:
            pass  # the site is built; the next poll says what is wrong
    return written


def HOW_TO_PIN() -> str:  # noqa: N802 - a message, translated when posted
    return _("To leave a pin on a block: in Minecraft, hold a sword and right-click the block; "
             "in Minetest, punch it.")


def post_prompt(*, session: CoDesignSession, text: str) -> None:
    text = " ".join((text or "").split())[:200]  # one line: a newline must never reach the server
    if not text:
        raise CoDesignError(_("Write the message to post."))
    try:
        with connect(session) as conn:
            conn.post_chat(text)
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None


def unloaded_chunks(vol: SiteVolume, start: int, blocks: np.ndarray, origin: tuple[int, int]) -> int:
    """How many of the plot's 16x16 columns read as air where the bridge stamped solid ground.

    The bottom layer of the live window lies BELOW_GROUND under the lowest ground, so the stamp
    filled it: a server that has not loaded an area (Debian's pycraft answers air for areas no
    player is near; Minetest without emerging answers "ignore") reads it as air, while a team would
    have to dig out a whole 16x16 column, two layers under the ground, to do the same.
    """
    expected, _data = legacy_volume(vol.blocks[start - BASE_Y:start - BASE_Y + 1])
    depth, width = min(expected.shape[1], blocks.shape[1]), min(expected.shape[2], blocks.shape[2])
    solid = expected[0, :depth, :width] != 0
    read_air = blocks[0, :depth, :width] == 0
    zs, xs = np.indices((depth, width))
    chunk = ((origin[1] + zs) // 16) * 100003 + (origin[0] + xs) // 16
    unloaded = 0
    for key in np.unique(chunk[solid]):
        here = solid & (chunk == key)
        if read_air[here].all():
            unloaded += 1
    return unloaded


def snapshot_teams(*, session: CoDesignSession) -> int:
    """Read every team plot and store it as that team's latest snapshot; plots saved.

    A plot the server has not loaded (it reads as air where the ground was stamped) is never saved:
    once the loaded plots are saved, CoDesignError names the others.
    """
    vol = site_volume(session.site)
    start, height = _window(vol)
    depth, width = vol.blocks.shape[1:]
    saved, refused = 0, []
    to_server = frame(session).to_server
    try:
        with connect(session) as conn:
            for team in session.teams.order_by("index"):
                blocks = snapshot(conn, to_server(team.origin_x, start, team.origin_z),
                                  to_server(team.origin_x + width - 1, start + height - 1, team.origin_z + depth - 1))
                if unloaded_chunks(vol, start, blocks, (team.origin_x, team.origin_z)):
                    refused.append(team.name)
                    continue
                save_snapshot(team=team, blocks=blocks, base_y=start)
                saved += 1
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None
    if refused:
        raise CoDesignError(ngettext(
            "The game server has not loaded the plot of team %(teams)s, so it was not recorded: ask a "
            "player to stand near it, then take the snapshot again (%(saved)s other plots saved).",
            "The game server has not loaded the plots of teams %(teams)s, so they were not recorded: ask "
            "a player to stand near each, then take the snapshot again (%(saved)s other plots saved).",
            len(refused)) % {"teams": ", ".join(refused), "saved": saved})
    return saved


def collect_pins(*, session: CoDesignSession, lease: timedelta = WEB_LEASE) -> int:
    """Block hits inside a team plot become pins on that team's renders.

    Only the process that holds the session's event role reads hits (see claim_events); `lease` is
    how long it keeps the role without polling again.
    """
    if not session.server_host:
        raise CoDesignError(_("Set the game server's address on the session first."))
    if not claim_events(session, lease):
        raise CoDesignError(_("Pins are being collected by another process (the live_session command, or "
                              "another worker of this server); it last read them at %(time)s.") % {
            "time": timezone.localtime(session.events_read_at).strftime("%H:%M:%S")
            if session.events_read_at else "—"})
    vol = site_volume(session.site)
    depth, width = vol.blocks.shape[1:]
    teams: list[Team] = list(session.teams.all())
    to_world = frame(session).to_world
    try:
        hits = _read_events(session, lambda conn: conn.poll_block_hits())
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None
    made = 0
    for hit in hits:
        x, y, z = to_world(hit.x, hit.y, hit.z)
        team = next((t for t in teams if t.origin_x <= x < t.origin_x + width
                     and t.origin_z <= z < t.origin_z + depth), None)
        if team is not None:
            add_pin(team=team, x=x, y=y, z=z, text=_("Marked in the game"))
            made += 1
    return made
