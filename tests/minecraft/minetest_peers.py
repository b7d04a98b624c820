"""The two Minetest mcpi servers the bridge is tested against, and what a test does on each.

- "sangkat": Sangkat's own mod (games/minecraft/minetest/mods/sangkat_mcpi), with its test-only
  commands (`sangkat.punch`; chat lines in its log).
- "pycraft": Debian's minetest-mod-pycraft, a real mcpi server by another author, run from a copy
  with the three local changes of minetest_server.install_pycraft, beside the test-only witness mod
  (games/minecraft/minetest/test_mods/sangkat_witness: a pretend player's sword punch, "a player
  near" a box as forceloaded map blocks, chat_send_all logged). pycraft answers air for areas the
  server has not loaded, and Minetest forgets an area no player is near: these servers do so after
  PYCRAFT_UNLOAD_AFTER seconds (default 29), so every pycraft test puts a player near what it reads.
"""

from __future__ import annotations

import time

import pytest

from games.minecraft.bridge import McpiConnection
from games.minecraft.bridge.minetest_server import (
    MinetestMissing,
    MinetestServer,
    find_binary,
    free_port,
)

MODS = ("sangkat", "pycraft")
# Above Minetest's 2.92 s unload pass, so that forceloaded blocks (reset every 0.2 s) are kept.
PYCRAFT_UNLOAD_AFTER = 4.0

# What pycraft 0.22 holds for blocks of Sangkat's palette (issue 20): no ids for smooth stone
# slabs, signs, walls, concrete, hay and grass paths (stone instead), terracotta as wool and sea
# lanterns as glowstone. (Colours may change too: red wool reads back as redstone ore, 73.)
PYCRAFT_SUBSTITUTES = {43: 1, 63: 1, 139: 1, 251: 1, 170: 1, 208: 1, 159: 35, 169: 89}


def start(directory, mod: str) -> MinetestServer:
    try:
        find_binary()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    server = MinetestServer(directory, mcpi_port=free_port(), game_port=free_port(kind=2), test_commands=True,
                            mod=mod, unload_after=PYCRAFT_UNLOAD_AFTER if mod == "pycraft" else None)
    try:
        server.start()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    return server


def chat_lines(server: MinetestServer) -> list[str]:
    """The lines the server handed to its players' chat, from its log."""
    marker = "[sangkat_mcpi] chat.post: " if server.mod == "sangkat" else "[sangkat_witness] chat: "
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    return [line.split(marker, 1)[1] for line in log.splitlines() if marker in line]


def punch(conn: McpiConnection, server: MinetestServer, x: int, y: int, z: int, face: int = 1) -> None:
    """A player hits the block at (x, y, z): the mod's real punch callbacks run (see the module doc)."""
    if server.mod == "sangkat":
        conn._set(f"sangkat.punch({x},{y},{z},{face})")
    else:
        assert conn._get(f"witness.punch({x},{y},{z})") == "ok"


def player_near(server: MinetestServer, corner1, corner2) -> None:
    """A player stands near the box, so the server keeps it loaded (pycraft; Sangkat's mod loads
    what it is asked for by itself)."""
    if server.mod != "pycraft":
        return
    with McpiConnection("127.0.0.1", server.mcpi_port, timeout=30) as conn:
        assert int(conn._get("witness.near({},{},{},{},{},{})".format(*corner1, *corner2))) > 0


def players_leave(server: MinetestServer) -> None:
    if server.mod == "pycraft":
        with McpiConnection("127.0.0.1", server.mcpi_port, timeout=30) as conn:
            assert conn._get("witness.away()") == "ok"


def wait_until_forgotten(server: MinetestServer, x: int, y: int, z: int, seconds: float = 40.0) -> None:
    """Wait until the server has unloaded the solid block at (x, y, z): it reads as air."""
    deadline = time.monotonic() + seconds
    with McpiConnection("127.0.0.1", server.mcpi_port, timeout=30) as conn:
        while conn.get_block(x, y, z) != 0:
            assert time.monotonic() < deadline, f"the server still holds ({x},{y},{z}) after {seconds:g} s"
            time.sleep(0.5)  # the server unloads areas every 2.92 s; polling it, not a test sleep
