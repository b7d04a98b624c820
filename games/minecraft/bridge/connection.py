"""One connection to a game server speaking the mcpi (RaspberryJuice) protocol, and its failures.

The wire protocol, as Minecraft: Pi Edition, RaspberryJuice (a Bukkit/Spigot plugin for Minecraft
Java servers) and Sangkat's Minetest mod (games/minecraft/minetest/mods/sangkat_mcpi) serve it:

- TCP, default port 4711, no authentication, one UTF-8 line per command: ``name(arg,arg,...)\\n``.
- Setters (``world.setBlock``, ``world.setBlocks``, ``chat.post``, ``events.clear``) get no reply
  when they work. Getters get exactly one line. Any command that fails (unknown name, bad
  arguments, an exception on the server) gets the line ``Fail`` — setters included, which is why
  a client must expect stray ``Fail`` lines before a getter's reply.
- Coordinates are relative to the world's spawn point (RaspberryJuice with its default
  ``location: RELATIVE``), absolute (its ``location: ABSOLUTE``) or relative to the mod's
  ``sangkat_mcpi.origin`` (Minetest), y up: frame.py translates them.
- ``world.getBlocks(x0,y0,z0,x1,y1,z1)`` answers one line of comma-separated block ids in
  y, x, z order (y outermost, z innermost), each axis from the lower corner up.
- ``events.block.hits()`` answers ``x,y,z,face,entityId`` records joined by ``|`` (empty when
  none); face is 0 -y, 1 +y, 2 -z, 3 +z, 4 -x, 5 +x.
- ``chat.post(text)`` takes everything between the first ``(`` and the last ``)``: a newline in
  the text would end the command and start another, so it never reaches the wire.

We speak the protocol over our own socket instead of using the ``mcpi`` package's Connection:
that one spins forever in ``drain()`` once the server has closed the socket, has no timeouts, and
never sets TCP_NODELAY (a set-then-get pair then costs one delayed-ACK round, ~40 ms). Here every
call has a timeout, a dropped connection is reopened on the next call, and every failure raises
``BridgeUnavailable`` with a message a facilitator can act on.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
CHAT_MAX_CHARS = 1000


class BridgeUnavailable(Exception):
    """The game server cannot be reached, did not answer in time, dropped us, or said ``Fail``.

    The message (English, for logs and staff) names the server and the cause; `reason` is one of
    UNREACHABLE, TIMEOUT, DROPPED, BAD_REPLY, REFUSED so a page can show its own translated text.
    """

    UNREACHABLE, TIMEOUT, DROPPED, BAD_REPLY, REFUSED = "unreachable", "timeout", "dropped", "bad_reply", "refused"

    def __init__(self, message: str, reason: str = "dropped"):
        super().__init__(message)
        self.reason = reason


class BridgeCommandFailed(BridgeUnavailable):
    """The server is there but answered ``Fail`` (bad arguments, an area too large, ...)."""

    def __init__(self, message: str, reason: str = "refused"):
        super().__init__(message, reason)


@dataclass(frozen=True)
class BlockHit:
    """A participant hit a block: where, which face, and who (the server's entity id)."""

    x: int
    y: int
    z: int
    face: int
    entity_id: int


def patience(blocks: int, timeout: float) -> float:
    """How long to wait for a reply about `blocks` blocks: a server may have to generate the area
    first (a fresh Minetest map makes roughly 50,000 blocks a second on a busy small machine)."""
    return timeout + blocks / 50_000


def _is_fail(line: str) -> bool:
    """``Fail``, or ``Fail,<reason>`` as later RaspberryJuice forks answer."""
    return line == "Fail" or line.startswith("Fail,")


def _ints(*values) -> str:
    return ",".join(str(int(v)) for v in values)


class McpiConnection:
    """A lazily opened, self-healing connection; safe to share between threads (one call at a time).

    ``timeout`` bounds connecting and each wait for bytes of a reply, in seconds.
    """

    def __init__(self, host: str, port: int, timeout: float = 5.0):
        self.host = host
        self.port = int(port)
        self.timeout = float(timeout)
        self.setter_failures = 0  # stray ``Fail`` lines seen for earlier setters
        # How many times a socket was opened, and when the latest was: the server queues events per
        # connection, so a caller can tell that a queue it reads started afresh.
        self.connects = 0
        self.connected_at: float | None = None
        self._sock: socket.socket | None = None
        self._pending = bytearray()
        self._lock = threading.RLock()

    # -- connection state ------------------------------------------------------------------------

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError as exc:
            raise BridgeUnavailable(f"The game server at {self.where} did not answer within {self.timeout:g} s.", BridgeUnavailable.TIMEOUT) from exc
        except OSError as exc:
            raise BridgeUnavailable(f"Cannot reach the game server at {self.where}: {exc.strerror or exc}.", BridgeUnavailable.UNREACHABLE) from exc
        # Setters are small writes with no reply; without NODELAY Nagle holds each one back.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.timeout)
        self._sock = sock
        self._pending.clear()
        self.connects += 1
        self.connected_at = time.time()

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._pending.clear()

    def _drain(self) -> None:
        """Read what already arrived without waiting: stray ``Fail``s, or the news that the peer left."""
        assert self._sock is not None
        # Non-blocking for this read only (a timeout socket would first wait up to `timeout`).
        self._sock.settimeout(0.0)
        try:
            while True:
                try:
                    chunk = self._sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    self._drop()
                    return
                if not chunk:  # the server closed: reconnect before this call, not after it fails
                    self._drop()
                    return
                self._pending += chunk
        finally:
            if self._sock is not None:
                self._sock.settimeout(self.timeout)
        while b"\n" in self._pending:
            line, _, rest = bytes(self._pending).partition(b"\n")
            self._pending = bytearray(rest)
            if _is_fail(line.strip().decode("utf-8", errors="replace")):
                self.setter_failures += 1
                logger.warning("the game server at %s refused an earlier command", self.where)
            else:  # a reply nobody waits for: the stream is out of step, start afresh
                logger.warning("unexpected line from %s; reconnecting", self.where)
                self._drop()
                return

    def _ready(self) -> socket.socket:
        if self._sock is not None:
            self._drain()
        if self._sock is None:
            self._connect()
        assert self._sock is not None
        return self._sock

    def _send(self, command: str) -> None:
        sock = self._ready()
        try:
            sock.sendall(command.encode("utf-8") + b"\n")
        except TimeoutError as exc:
            self._drop()
            raise BridgeUnavailable(f"The game server at {self.where} stopped reading (timed out).", BridgeUnavailable.TIMEOUT) from exc
        except OSError as exc:
            raise self._broken(exc) from exc

    def _broken(self, exc: OSError) -> BridgeUnavailable:
        """Forget a socket that failed mid-exchange; the error to raise."""
        self._drop()
        return BridgeUnavailable(f"The connection to the game server at {self.where} broke: {exc.strerror or exc}.",
                                 BridgeUnavailable.DROPPED)

    def _readline(self, timeout: float | None = None) -> str:
        assert self._sock is not None
        wait = self.timeout if timeout is None else max(self.timeout, timeout)
        self._sock.settimeout(wait)
        while True:
            index = self._pending.find(b"\n")
            if index >= 0:
                line = bytes(self._pending[:index])
                del self._pending[: index + 1]
                return line.decode("utf-8", errors="replace").rstrip("\r")
            try:
                chunk = self._sock.recv(1 << 20)
            except TimeoutError as exc:
                self._drop()
                raise BridgeUnavailable(f"The game server at {self.where} did not answer within {wait:.2g} s.", BridgeUnavailable.TIMEOUT) from exc
            except OSError as exc:
                raise self._broken(exc) from exc
            if not chunk:
                self._drop()
                raise BridgeUnavailable(f"The game server at {self.where} closed the connection before answering.", BridgeUnavailable.DROPPED)
            self._pending += chunk

    def _set(self, command: str) -> None:
        with self._lock:
            self._send(command)

    def _get(self, command: str, timeout: float | None = None) -> str:
        with self._lock:
            self._send(command)
            line = self._readline(timeout)
            if _is_fail(line):
                # It may answer this command or an earlier setter: either way the stream can no
                # longer be trusted to line up, so the next call starts on a fresh connection.
                self._drop()
                raise BridgeCommandFailed(f"The game server at {self.where} refused {command.split('(')[0]}.")
            return line

    def sync(self, x: int = 0, y: int = 0, z: int = 0, *, timeout: float | None = None) -> int:
        """Wait until the server has run everything sent so far; return how many commands it refused.

        Used after a burst of setters (which get no reply): a getter's answer comes after theirs.
        (x, y, z) is the block the getter reads: pick one in an area already loaded. `timeout`
        (at least the connection's) is how long the server may take to apply the burst.
        """
        with self._lock:
            before = self.setter_failures
            self._send(f"world.getBlock({_ints(x, y, z)})")
            while True:
                line = self._readline(timeout)
                if not _is_fail(line):
                    return self.setter_failures - before
                self.setter_failures += 1

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> McpiConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the protocol ----------------------------------------------------------------------------

    def set_block(self, x: int, y: int, z: int, id: int, data: int = 0) -> None:
        self._set(f"world.setBlock({_ints(x, y, z, id, data)})")

    def set_blocks(self, x0: int, y0: int, z0: int, x1: int, y1: int, z1: int, id: int, data: int = 0) -> None:
        self._set(f"world.setBlocks({_ints(x0, y0, z0, x1, y1, z1, id, data)})")

    def get_block(self, x: int, y: int, z: int) -> int:
        return self._parse_int(self._get(f"world.getBlock({_ints(x, y, z)})"))

    def get_block_with_data(self, x: int, y: int, z: int) -> tuple[int, int]:
        reply = self._get(f"world.getBlockWithData({_ints(x, y, z)})")
        try:
            block, data = (int(v) for v in reply.split(","))
        except ValueError:
            self.close()
            raise BridgeUnavailable(f"The game server at {self.where} sent a reply we cannot read.", BridgeUnavailable.BAD_REPLY) from None
        return block, data

    def get_blocks(self, x0: int, y0: int, z0: int, x1: int, y1: int, z1: int) -> list[int]:
        """Block ids of the box, in the server's order: y outermost, then x, then z.

        The server may first have to load or generate the area: the wait grows with its size.
        """
        expected = (abs(x1 - x0) + 1) * (abs(y1 - y0) + 1) * (abs(z1 - z0) + 1)
        reply = self._get(f"world.getBlocks({_ints(x0, y0, z0, x1, y1, z1)})", timeout=patience(expected, self.timeout))
        try:
            ids = [int(v) for v in reply.split(",")] if reply else []
        except ValueError:
            ids = []
        if len(ids) != expected:
            self.close()
            raise BridgeUnavailable(f"The game server at {self.where} sent {len(ids)} blocks where {expected} were asked for.", BridgeUnavailable.BAD_REPLY)
        return ids

    def get_height(self, x: int, z: int) -> int:
        return self._parse_int(self._get(f"world.getHeight({_ints(x, z)})"))

    def post_chat(self, text: str) -> None:
        """Post one line to every player; line breaks and control characters become spaces."""
        message = _CONTROL.sub(" ", str(text)).strip()[:CHAT_MAX_CHARS]
        if message:
            self._set(f"chat.post({message})")

    def poll_block_hits(self) -> list[BlockHit]:
        """The block hits since the last poll on this connection (queued per connection, from when
        it connected: the server forgets them once read, and a new connection starts empty)."""
        reply = self._get("events.block.hits()")
        hits = []
        for record in filter(None, reply.split("|")):
            try:
                hits.append(BlockHit(*(int(v) for v in record.split(","))))
            except (TypeError, ValueError):
                logger.warning("ignoring an unreadable block hit %r from %s", record, self.where)
        return hits

    def clear_events(self) -> None:
        self._set("events.clear()")

    def _parse_int(self, reply: str) -> int:
        try:
            return int(reply)
        except ValueError:
            self.close()
            raise BridgeUnavailable(f"The game server at {self.where} sent a reply we cannot read.", BridgeUnavailable.BAD_REPLY) from None
