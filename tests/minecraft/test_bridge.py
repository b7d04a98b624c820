"""The bridge's failure modes that no real server produces on demand, against a fake mcpi server.

The fake speaks the real wire protocol (one `name(args)` line in, one line out for getters) but
misbehaves on purpose: it hangs, closes in the middle of a reply, or answers `Fail`. Everything
a real server does is tested against Minetest in test_bridge_minetest.py.
"""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from games.minecraft.bridge import BridgeCommandFailed, BridgeUnavailable, McpiConnection, cuboids
from games.minecraft.bridge.minetest_server import free_port


class FakeServer:
    """Accepts connections one after another; `behaviours[i]` decides how connection i answers.

    "hang": read commands, never answer. "close": answer the first getter with half a line, then
    close. "fail": answer every getter `Fail`. "ok": answer world.getBlock with 7.
    """

    def __init__(self, *behaviours: str):
        self.behaviours = list(behaviours)
        self.lines: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for behaviour in self.behaviours:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                self._talk(conn, behaviour)

    def _talk(self, conn, behaviour):
        buffer = b""
        while not self.stop.is_set():
            try:
                chunk = conn.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                line = raw.decode()
                self.lines.append(line)
                getter = line.startswith(("world.get", "events.block.hits"))
                if behaviour == "hang" or not getter:
                    continue
                if behaviour == "close":
                    conn.sendall(b"1,2,")
                    return
                if behaviour == "fail":
                    conn.sendall(b"Fail\n")
                elif behaviour == "ok":
                    conn.sendall(b"7\n")

    def close(self):
        self.stop.set()
        self.listener.close()


@pytest.fixture
def fake():
    servers = []

    def make(*behaviours):
        server = FakeServer(*behaviours)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def test_a_refused_connection_raises_bridge_unavailable():
    conn = McpiConnection("127.0.0.1", free_port(), timeout=1)
    with pytest.raises(BridgeUnavailable, match="Cannot reach the game server") as raised:
        conn.get_block(0, 0, 0)
    assert raised.value.reason == BridgeUnavailable.UNREACHABLE


def test_a_server_that_accepts_then_hangs_times_out(fake):
    server = fake("hang")
    conn = McpiConnection("127.0.0.1", server.port, timeout=0.3)
    with pytest.raises(BridgeUnavailable, match="did not answer within 0.3 s") as raised:
        conn.get_blocks(0, 0, 0, 3, 3, 3)
    assert raised.value.reason == BridgeUnavailable.TIMEOUT
    assert server.lines == ["world.getBlocks(0,0,0,3,3,3)"]


def test_a_server_closing_mid_reply_raises_and_the_next_call_reconnects(fake):
    server = fake("close", "ok")
    conn = McpiConnection("127.0.0.1", server.port, timeout=2)
    with pytest.raises(BridgeUnavailable, match="closed the connection before answering") as raised:
        conn.get_blocks(0, 0, 0, 1, 1, 1)
    assert raised.value.reason == BridgeUnavailable.DROPPED
    assert conn.get_block(5, 6, 7) == 7
    assert server.lines[-1] == "world.getBlock(5,6,7)"


def test_a_fail_reply_raises_and_the_next_call_starts_a_fresh_connection(fake):
    server = fake("fail", "ok")
    conn = McpiConnection("127.0.0.1", server.port, timeout=2)
    with pytest.raises(BridgeCommandFailed, match="refused world.getBlock") as raised:
        conn.get_block(0, 0, 0)
    assert isinstance(raised.value, BridgeUnavailable)
    assert raised.value.reason == BridgeUnavailable.REFUSED
    assert conn.get_block(0, 0, 0) == 7


def test_a_fail_for_an_earlier_setter_is_counted_by_sync(fake):
    """RaspberryJuice answers `Fail` even to setters: sync() tells them from the getter's reply."""

    class SetterFails(FakeServer):
        def _talk(self, conn, behaviour):
            buffer = b""
            while b"world.getBlock(" not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
                if b"world.setBlock(" in buffer and b"Fail" not in buffer:
                    conn.sendall(b"Fail\n")
                    buffer += b"Fail"
            conn.sendall(b"3\n")

    server = SetterFails("custom")
    try:
        conn = McpiConnection("127.0.0.1", server.port, timeout=2)
        conn.set_block(0, 0, 0, 9999)
        assert conn.sync() == 1
    finally:
        server.close()


def test_cuboids_cover_every_block_once_with_its_own_id():
    rng = np.random.default_rng(3)
    keys = rng.choice([0, 16, 32], size=(5, 6, 7), p=[0.6, 0.3, 0.1]).astype(np.int64)
    keys[1:4, 1:5, 1:6] = 48  # one big run that should become a single box
    skip = keys == 0
    covered = np.zeros(keys.shape, dtype=int)
    boxes = list(cuboids(keys, skip))
    for y0, z0, x0, y1, z1, x1, key in boxes:
        region = keys[y0:y1 + 1, z0:z1 + 1, x0:x1 + 1]
        assert (region == key).all()
        covered[y0:y1 + 1, z0:z1 + 1, x0:x1 + 1] += 1
    assert (covered[~skip] == 1).all()
    assert (covered[skip] == 0).all()
    assert any(b[:6] == (1, 1, 1, 3, 4, 5) for b in boxes)


def test_cuboids_respect_the_per_call_limit():
    keys = np.full((4, 4, 4), 16, dtype=np.int64)
    boxes = list(cuboids(keys, max_blocks=10))
    assert all((b[3] - b[0] + 1) * (b[4] - b[1] + 1) * (b[5] - b[2] + 1) <= 10 for b in boxes)
    assert sum((b[3] - b[0] + 1) * (b[4] - b[1] + 1) * (b[5] - b[2] + 1) for b in boxes) == 64
