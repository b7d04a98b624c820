"""Where the game server's coordinate (0, 0, 0) lies in Sangkat's world: the one translation every
coordinate crossing the bridge goes through, both ways.

Sangkat places team plots and the site's layers in world coordinates (plot origins, volume.BASE_Y).
Sangkat's Minetest mod and RaspberryJuice with ``location: ABSOLUTE`` take those as they are.
RaspberryJuice with its default ``location: RELATIVE`` takes every block coordinate relative to the
world's spawn point (each connection reads the spawn on its first tick) and answers positions and
block hits relative to it too, so a site sent as-is would be built a spawn's height above where it
belongs (RemoteSession.parseRelativeBlockLocation / blockLocationToRelative in RaspberryJuice).

`detect` asks the server: RaspberryJuice answers ``player.getAbsPos`` in world coordinates and
``player.getPos`` in its own frame, so their difference is the spawn offset (zero in ABSOLUTE
mode). It needs a player in the game; without one, or on a server without ``player.getAbsPos``
(Sangkat's Minetest mod, Minecraft: Pi Edition), it cannot tell and returns None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .connection import BridgeCommandFailed, McpiConnection

_NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)"
# RaspberryJuice sends Bukkit's Location.toString() for getAbsPos: "Location{world=...,x=1.5,y=64.0,z=-2.5,...}".
_LOCATION = re.compile(rf"x={_NUMBER},\s*y={_NUMBER},\s*z={_NUMBER}")


@dataclass(frozen=True)
class Frame:
    """The server's origin in world coordinates: (0, 0, 0) for absolute servers, the spawn block
    for RaspberryJuice in RELATIVE mode."""

    dx: int = 0
    dy: int = 0
    dz: int = 0

    @property
    def absolute(self) -> bool:
        return (self.dx, self.dy, self.dz) == (0, 0, 0)

    def to_server(self, x: int, y: int, z: int) -> tuple[int, int, int]:
        return int(x) - self.dx, int(y) - self.dy, int(z) - self.dz

    def to_world(self, x: int, y: int, z: int) -> tuple[int, int, int]:
        return int(x) + self.dx, int(y) + self.dy, int(z) + self.dz


ABSOLUTE = Frame()


def parse_position(reply: str) -> tuple[float, float, float] | None:
    """An ``x,y,z`` reply, or Bukkit's ``Location{...x=..,y=..,z=..}``; None if neither."""
    found = _LOCATION.search(reply)
    parts = found.groups() if found else reply.split(",")
    if len(parts) != 3:
        return None
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None  # type: ignore[return-value]


def detect(conn: McpiConnection, attempts: int = 3) -> Frame | None:
    """The server's frame, measured from a player's two positions; None when it cannot be told.

    The player may walk between the two questions: the absolute position is asked before and after
    the relative one and must not have changed.
    """
    for _attempt in range(attempts):
        try:
            before = parse_position(conn._get("player.getAbsPos()"))
            relative = parse_position(conn._get("player.getPos()"))
            after = parse_position(conn._get("player.getAbsPos()"))
        except BridgeCommandFailed:
            return None  # no player in the game, or a server that does not know getAbsPos
        if before is None or relative is None or after is None:
            return None
        if before != after:
            continue
        dx, dy, dz = (math.floor(round(a - r, 3)) for a, r in zip(before, relative, strict=True))
        return Frame(dx, dy, dz)
    return None
