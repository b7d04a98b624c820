"""The live session through the mcpi bridge: stamp the site on every team plot, post prompts to
chat, snapshot the plots and turn block hits into pins. A server that is gone becomes a message,
never an error page."""

from __future__ import annotations

import threading

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import palette as P
from .bridge import BridgeUnavailable, McpiConnection, snapshot, stamp
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


# Block hits are queued per connection, from when it connects (RaspberryJuice, and Sangkat's mod
# as it): one connection per session is kept open in this process for them, opened when the site
# is stamped or pins are first asked for. A connection that drops reconnects on its next poll; the
# hits made while it was down are lost, as on RaspberryJuice.
_events_lock = threading.Lock()
_event_connections: dict[tuple[int, str, int], McpiConnection] = {}


def event_connection(session: CoDesignSession) -> McpiConnection:
    """The connection this process keeps for the session's block hits (opened on first use)."""
    if not session.server_host:
        raise CoDesignError(_("Set the game server's address on the session first."))
    key = (session.pk, session.server_host, session.server_port)
    with _events_lock:
        for other in [k for k in _event_connections if k[0] == session.pk and k != key]:
            _event_connections.pop(other).close()  # the session's server address changed
        if key not in _event_connections:
            _event_connections[key] = McpiConnection(session.server_host, session.server_port,
                                                     timeout=TIMEOUT_S)
        return _event_connections[key]


def close_event_connections() -> None:
    with _events_lock:
        while _event_connections:
            _event_connections.popitem()[1].close()


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
    """Build the site on every team's plot in the live world (setBlocks batches); blocks written."""
    vol = site_volume(session.site)
    start, height = _window(vol)
    ids, data = legacy_volume(vol.blocks[start - BASE_Y:])
    written = 0
    depth, width = vol.blocks.shape[1:]
    try:
        with connect(session) as conn:
            for team in session.teams.order_by("index"):
                report = stamp(conn, (team.origin_x, start, team.origin_z), ids, data=data)
                written += report.blocks
                # Read back what the server now holds: the baseline captures compare with, so that
                # an untouched plot is zero change on a server that stores some blocks differently.
                held = snapshot(conn, (team.origin_x, start, team.origin_z),
                                (team.origin_x + width - 1, start + height - 1, team.origin_z + depth - 1))
                if not unloaded_chunks(vol, start, held, (team.origin_x, team.origin_z)):
                    save_snapshot(team=team, blocks=held, base_y=start, baseline=True)
            conn.post_chat(_("The site is ready. Each team builds on its own plot."))
        # From here on, the session's block hits are queued for it (the connection opens now).
        event_connection(session).clear_events()
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None
    return written


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
    try:
        with connect(session) as conn:
            for team in session.teams.order_by("index"):
                blocks = snapshot(conn, (team.origin_x, start, team.origin_z),
                                  (team.origin_x + width - 1, start + height - 1, team.origin_z + depth - 1))
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


def collect_pins(*, session: CoDesignSession) -> int:
    """Block hits inside a team plot become pins on that team's renders."""
    vol = site_volume(session.site)
    depth, width = vol.blocks.shape[1:]
    teams: list[Team] = list(session.teams.all())
    try:
        hits = event_connection(session).poll_block_hits()
    except BridgeUnavailable as exc:
        raise _unavailable(session, exc) from None
    made = 0
    for hit in hits:
        team = next((t for t in teams if t.origin_x <= hit.x < t.origin_x + width
                     and t.origin_z <= hit.z < t.origin_z + depth), None)
        if team is not None:
            add_pin(team=team, x=hit.x, y=hit.y, z=hit.z, text=_("Marked in the game"))
            made += 1
    return made
