"""A protocol-level test double of RaspberryJuice, the Bukkit plugin that serves the mcpi protocol
on a Minecraft Java server.

WHY A DOUBLE: RaspberryJuice runs inside a Java Minecraft server (Spigot/CraftBukkit), which cannot
run here (no Java, no Minecraft server jar, no Mojang licence). Everything that CAN run here is
real: Sangkat's bridge talks to this double over a real TCP socket on loopback, in the real mcpi
line protocol, exactly as it talks to Sangkat's Minetest mod in test_live_minetest.py.

WHAT IT FOLLOWS (read in the plugin's source, zhuowei/RaspberryJuice, the 1.12-era release with
numeric block ids: RemoteSession.java, RaspberryJuicePlugin.java, resources/config.yml):

- Every TCP connection is its own RemoteSession with its own event queues
  (``interactEventQueue``, ``chatPostedQueue``). A block hit or chat message is queued on every
  session connected AT THAT MOMENT (the plugin loops over ``sessions``); a connection opened
  later starts empty. ``events.block.hits`` / ``events.chat.posts`` drain the session's own
  queue; ``events.clear`` empties both.
- Hits come only from ``PlayerInteractEvent``s of the configured click (``hitclick: RIGHT`` by
  default: ``RIGHT_CLICK_BLOCK``; LEFT or BOTH configurable) with a sword in hand (wood, stone,
  iron, gold, diamond). Punching, or right-clicking with anything else, queues nothing.
- ``location: RELATIVE`` (the default) or ``ABSOLUTE``. A session's origin is the world's spawn
  location, read on its first tick. In RELATIVE mode every block coordinate sent is offset by
  the spawn block, and every coordinate answered (hits, ``player.getPos``, ``player.getTile``)
  has it subtracted; ``player.getAbsPos`` answers Bukkit's ``Location.toString()`` in world
  coordinates. ``world.getHeight(x,z)`` answers the highest block's y minus the spawn's y in
  both modes (as that release does).
- ``world.getBlocks`` answers ids in y, x, z order; setters get no reply; ``chat.post`` joins
  its comma-split arguments back with commas and broadcasts them.
- An unknown command, or any exception while handling one (bad numbers, no player online for a
  ``player.*`` command), answers the line ``Fail`` (setters included).

What it does not model: the game itself (the world is flat terrain: bedrock at y 0, dirt, grass
at GROUND_Y, air above, with blocks set over it), ticks (commands run as they arrive, in order),
entity commands other than the player's, and the platform charset (Java's InputStreamReader uses
the platform default; this double assumes a UTF-8 platform, as a Linux server has).

Tests drive the game side through methods: `join` (a player), `right_click` / `left_click` (a
player clicks a block with an item), `player_chat`, `restart` (drop every connection, as a
server restart does), `stop`.
"""

from __future__ import annotations

import math
import socket
import socketserver
import threading
from dataclasses import dataclass, field

SWORDS = {"WOOD_SWORD", "STONE_SWORD", "IRON_SWORD", "GOLD_SWORD", "DIAMOND_SWORD"}
GROUND_Y = 63
GRASS, DIRT, BEDROCK = 2, 3, 7


@dataclass
class Player:
    name: str
    entity_id: int
    x: float
    y: float
    z: float


@dataclass
class Session:
    """One connection: RaspberryJuice's RemoteSession."""

    handler: socketserver.StreamRequestHandler
    hits: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    chats: list[tuple[int, str]] = field(default_factory=list)
    origin: tuple[int, int, int] | None = None
    attached: Player | None = None


class RaspberryJuiceDouble:
    def __init__(self, *, location: str = "RELATIVE", hitclick: str = "RIGHT",
                 spawn: tuple[int, int, int] = (-37, GROUND_Y + 1, 21), port: int = 0):
        assert location in ("RELATIVE", "ABSOLUTE") and hitclick in ("LEFT", "RIGHT", "BOTH")
        self.location, self.hitclick, self.spawn = location, hitclick, spawn
        self.blocks: dict[tuple[int, int, int], tuple[int, int]] = {}
        self.players: list[Player] = []
        self.broadcasts: list[str] = []  # what chat.post showed to the players
        self.sessions: list[Session] = []
        self.lock = threading.RLock()
        self._next_entity = 100
        double = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                session = Session(self)
                with double.lock:
                    double.sessions.append(session)
                try:
                    for raw in self.rfile:
                        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                        with double.lock:
                            reply = double._handle(session, line)
                        if reply is not None:
                            self.wfile.write(reply.encode("utf-8") + b"\n")
                except OSError:
                    pass
                finally:
                    with double.lock:
                        if session in double.sessions:
                            double.sessions.remove(session)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server_class, self._handler = Server, Handler
        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------------

    def start(self) -> RaspberryJuiceDouble:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._drop_all()

    def restart(self) -> None:
        """The server restarts: every connection is dropped (their queues with them); the world stays."""
        self.stop()
        self.server = self._server_class(("127.0.0.1", self.port), self._handler)
        self.start()

    def _drop_all(self) -> None:
        with self.lock:
            sessions, self.sessions = self.sessions, []
        for session in sessions:
            try:
                session.handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- the game side ---------------------------------------------------------------------------

    def join(self, name: str, at: tuple[float, float, float] | None = None) -> Player:
        with self.lock:
            self._next_entity += 1
            x, y, z = at if at is not None else (self.spawn[0] + 0.5, float(self.spawn[1]), self.spawn[2] + 0.5)
            player = Player(name, self._next_entity, x, y, z)
            self.players.append(player)
            self.broadcasts.append(f"Welcome {name}")
            return player

    def _click(self, player: Player, action: str, x: int, y: int, z: int, face: int, item: str | None) -> None:
        wanted = {"RIGHT": {"RIGHT"}, "LEFT": {"LEFT"}, "BOTH": {"RIGHT", "LEFT"}}[self.hitclick]
        if action not in wanted or item not in SWORDS:
            return
        with self.lock:
            for session in self.sessions:
                session.hits.append((x, y, z, face, player.entity_id))

    def right_click(self, player: Player, x: int, y: int, z: int, *, face: int = 1,
                    item: str | None = "DIAMOND_SWORD") -> None:
        """A player right-clicks the block at world (x, y, z) holding `item` (None: empty hand)."""
        self._click(player, "RIGHT", x, y, z, face, item)

    def left_click(self, player: Player, x: int, y: int, z: int, *, face: int = 1,
                   item: str | None = "DIAMOND_SWORD") -> None:
        self._click(player, "LEFT", x, y, z, face, item)

    def player_chat(self, player: Player, text: str) -> None:
        with self.lock:
            for session in self.sessions:
                session.chats.append((player.entity_id, text))

    def block(self, x: int, y: int, z: int) -> int:
        """The block id at world (x, y, z)."""
        return self._block(x, y, z)[0]

    # -- the plugin ------------------------------------------------------------------------------

    def _block(self, x: int, y: int, z: int) -> tuple[int, int]:
        if (x, y, z) in self.blocks:
            return self.blocks[(x, y, z)]
        if y == 0:
            return BEDROCK, 0
        if 0 < y < GROUND_Y:
            return DIRT, 0
        return (GRASS, 0) if y == GROUND_Y else (0, 0)

    def _set(self, x: int, y: int, z: int, block: int, data: int) -> None:
        if not 0 <= y < 256:
            return  # outside the world: Bukkit ignores it
        self.blocks[(x, y, z)] = (block, data)

    def _to_world(self, session: Session, x: str, y: str, z: str) -> tuple[int, int, int]:
        """parseRelativeBlockLocation: numbers as doubles, truncated, offset in RELATIVE mode."""
        bx, by, bz = (int(float(v)) for v in (x, y, z))
        if self.location == "RELATIVE":
            ox, oy, oz = session.origin
            return bx + ox, by + oy, bz + oz
        return bx, by, bz

    def _from_world(self, session: Session, x, y, z) -> tuple:
        if self.location == "RELATIVE":
            ox, oy, oz = session.origin
            return x - ox, y - oy, z - oz
        return x, y, z

    def _player(self, session: Session, name: str | None) -> Player:
        """getCurrentPlayer: a named player, else the session's attached one, else the first online."""
        named = next((p for p in self.players if name is not None and p.name == name), None)
        if named is None:
            if session.attached is None:
                session.attached = self.players[0] if self.players else None
            named = session.attached
        if named is None:
            raise RuntimeError("NullPointerException: no player")
        return named

    def _handle(self, session: Session, line: str) -> str | None:
        if session.origin is None:
            session.origin = self.spawn  # the first tick reads the world's spawn location
        try:
            name = line[:line.index("(")]
            args = line[line.index("(") + 1:len(line) - 1].split(",")
            return self._command(session, name, args)
        except Exception:  # the plugin logs the exception and answers Fail
            return "Fail"

    def _command(self, session: Session, c: str, a: list[str]) -> str | None:
        if c == "world.getBlock":
            return str(self._block(*self._to_world(session, *a[:3]))[0])
        if c == "world.getBlockWithData":
            block, data = self._block(*self._to_world(session, *a[:3]))
            return f"{block},{data}"
        if c == "world.getBlocks":
            (x0, y0, z0), (x1, y1, z1) = self._to_world(session, *a[:3]), self._to_world(session, *a[3:6])
            ids = [str(self._block(x, y, z)[0])
                   for y in range(min(y0, y1), max(y0, y1) + 1)
                   for x in range(min(x0, x1), max(x0, x1) + 1)
                   for z in range(min(z0, z1), max(z0, z1) + 1)]
            return ",".join(ids)
        if c == "world.setBlock":
            x, y, z = self._to_world(session, *a[:3])
            self._set(x, y, z, int(a[3]), int(a[4]) if len(a) > 4 else 0)
            return None
        if c == "world.setBlocks":
            (x0, y0, z0), (x1, y1, z1) = self._to_world(session, *a[:3]), self._to_world(session, *a[3:6])
            block, data = int(a[6]), int(a[7]) if len(a) > 7 else 0
            for x in range(min(x0, x1), max(x0, x1) + 1):
                for z in range(min(z0, z1), max(z0, z1) + 1):
                    for y in range(min(y0, y1), max(y0, y1) + 1):
                        self._set(x, y, z, block, data)
            return None
        if c == "world.getHeight":
            x, _y, z = self._to_world(session, a[0], "0", a[1])
            top = max((y for y in range(255, -1, -1) if self._block(x, y, z)[0] != 0), default=0)
            return str(top - session.origin[1])  # the spawn's y comes off in both modes
        if c == "world.getPlayerIds":
            if not self.players:
                raise RuntimeError("deleteCharAt(-1)")
            return "|".join(str(p.entity_id) for p in self.players)
        if c == "chat.post":
            self.broadcasts.append(",".join(a))
            return None
        if c == "events.clear":
            session.hits.clear()
            session.chats.clear()
            return None
        if c == "events.block.hits":
            records = []
            for x, y, z, face, entity in session.hits:
                rx, ry, rz = self._from_world(session, x, y, z)
                records.append(f"{rx},{ry},{rz},{face},{entity}")
            session.hits.clear()
            return "|".join(records)
        if c == "events.chat.posts":
            records = [f"{entity},{text}" for entity, text in session.chats]
            session.chats.clear()
            return "|".join(records)
        if c in ("player.getPos", "player.getTile", "player.getAbsPos"):
            p = self._player(session, a[0] if a and a[0] else None)
            if c == "player.getAbsPos":
                return (f"Location{{world=CraftWorld{{name=world}},x={_double(p.x)},y={_double(p.y)},"
                        f"z={_double(p.z)},pitch=0.0,yaw=0.0}}")
            if c == "player.getTile":
                return ",".join(str(v) for v in self._from_world(session, *(math.floor(v) for v in (p.x, p.y, p.z))))
            return ",".join(_double(v) for v in self._from_world(session, p.x, p.y, p.z))
        return "Fail"  # "<command> is not supported."


def _double(value: float) -> str:
    """Java's Double.toString for the plain values used here: always a decimal point."""
    return repr(float(value))
