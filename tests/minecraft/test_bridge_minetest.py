"""The bridge against real headless Minetest servers: Sangkat's mcpi mod and Debian's pycraft.

Every test runs against both (tests/minecraft/minetest_peers.py says how each is driven). The
servers are started here (free ports, their own worlds in a temporary folder, killed at the end).
When minetestserver or pycraft is missing these tests fail and say how to install them: `make
test` does. A block hit is made with a test-only command (`sangkat.punch(x,y,z,face)` of Sangkat's
mod, `witness.punch(x,y,z)` beside pycraft) that calls the real register_on_punchnode callbacks
with a pretend player, as a player's punch would.
"""

from __future__ import annotations

import numpy as np
import pytest

from games.minecraft.bridge import (
    BlockHit,
    BridgeCommandFailed,
    BridgeUnavailable,
    McpiConnection,
    snapshot,
    stamp,
)
from games.minecraft.bridge.sample import park

from .minetest_peers import MODS, PYCRAFT_SUBSTITUTES, chat_lines, player_near, punch, start

# Orange wool: pycraft reads red wool back as redstone ore (73), orange as it was stamped.
WOOL, ORANGE, STONE, GLASS = 35, 1, 1, 20


@pytest.fixture(scope="module", params=MODS)
def minetest(request, tmp_path_factory):
    server = start(tmp_path_factory.mktemp(f"minetest-{request.param}"), request.param)
    # A player stands near everything these tests write and read (pycraft reads air elsewhere).
    player_near(server, (-16, 0, -16), (415, 31, 63))
    yield server
    server.kill()


@pytest.fixture
def conn(minetest):
    connection = McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30)
    yield connection
    connection.close()


def test_set_and_get_a_block_with_its_data(conn):
    conn.set_block(2, 5, 3, WOOL, ORANGE)
    assert conn.get_block(2, 5, 3) == WOOL
    assert conn.get_block_with_data(2, 5, 3) == (WOOL, ORANGE)
    assert conn.get_block(2, 6, 3) == 0


def test_set_blocks_fills_a_cuboid_and_get_blocks_reads_it_in_y_x_z_order(conn):
    conn.set_blocks(10, 0, 10, 12, 1, 13, STONE)  # x 3 wide, y 2 high, z 4 deep
    conn.set_block(11, 0, 10, GLASS)  # x offset 1
    conn.set_block(10, 0, 12, WOOL)  # z offset 2
    conn.set_block(10, 1, 10, 0)  # y offset 1
    ids = conn.get_blocks(12, 1, 13, 10, 0, 10)  # corners in any order
    assert len(ids) == 24
    # y outermost, then x, then z: index = y * (3 * 4) + x * 4 + z
    assert ids[1 * 4 + 0] == GLASS
    assert ids[0 * 4 + 2] == WOOL
    assert ids[1 * 12] == 0
    assert ids.count(STONE) == 21

    volume = snapshot(conn, (10, 0, 10), (12, 1, 13))
    expected = np.full((2, 4, 3), STONE, dtype=np.uint16)  # [y, z, x]
    expected[0, 0, 1] = GLASS
    expected[0, 2, 0] = WOOL
    expected[1, 0, 0] = 0
    assert volume.dtype == np.uint16
    assert (volume == expected).all()


def test_chat_reaches_the_server_as_one_line_and_a_newline_cannot_inject_a_command(conn, minetest):
    conn.set_block(0, 20, 0, STONE)
    conn.post_chat("Step 2: build your ideas\nworld.setBlock(0,20,0,46)")
    assert conn.get_block(0, 20, 0) == STONE
    assert "Step 2: build your ideas world.setBlock(0,20,0,46)" in chat_lines(minetest)


def test_chat_in_khmer_arrives_intact(conn, minetest):
    conn.post_chat("ជំហានទី ២៖ សាងសង់គំនិតរបស់អ្នក")
    conn.sync()
    assert "ជំហានទី ២៖ សាងសង់គំនិតរបស់អ្នក" in chat_lines(minetest)


def test_a_punched_node_becomes_a_block_hit(conn, minetest):
    conn.set_block(4, 8, -6, STONE)
    conn.poll_block_hits()  # forget earlier hits
    punch(conn, minetest, 4, 8, -6, 1)
    punch(conn, minetest, 4, 8, -6, 3)
    hits = conn.poll_block_hits()
    # pycraft does not tell the face that was hit: it always says 7.
    faces = [1, 3] if minetest.mod == "sangkat" else [7, 7]
    assert [(h.x, h.y, h.z, h.face) for h in hits] == [(4, 8, -6, faces[0]), (4, 8, -6, faces[1])]
    assert all(isinstance(h, BlockHit) and h.entity_id == hits[0].entity_id for h in hits)
    assert conn.poll_block_hits() == []


def test_stamping_batched_and_block_by_block_build_the_same_world(conn):
    volume = park(16, 10, 12, seed=3)
    data = np.zeros_like(volume)
    volume[6, 1:3, 1:4] = WOOL  # an awning: orange wool, and one yellow block
    data[6, 1:3, 1:4] = ORANGE
    data[6, 2, 3] = 4
    batched = stamp(conn, (100, 0, 0), volume, data=data, batch=True)
    single = stamp(conn, (140, 0, 0), volume, data=data, batch=False)
    assert single.calls == volume.size
    assert batched.blocks == volume.size
    assert batched.calls < volume.size // 10
    first = snapshot(conn, (100, 0, 0), (115, 9, 11))
    second = snapshot(conn, (140, 0, 0), (155, 9, 11))
    assert (first == volume).all()
    assert (second == first).all()
    for origin in (100, 140):
        assert conn.get_block_with_data(origin + 1, 6, 1) == (WOOL, ORANGE)
        assert conn.get_block_with_data(origin + 3, 6, 2) == (WOOL, 4)


def test_a_snapshot_read_in_slabs_is_the_same_as_in_one_call(conn, monkeypatch):
    from games.minecraft.bridge import stamping

    volume = park(16, 10, 12, seed=5)
    stamp(conn, (100, 0, 40), volume)
    monkeypatch.setattr(stamping, "MAX_BLOCKS_PER_CALL", 16 * 12 * 3)  # three layers a call
    assert (snapshot(conn, (100, 0, 40), (115, 9, 51)) == volume).all()


def test_stamping_can_leave_air_out(conn):
    conn.set_blocks(200, 0, 0, 203, 3, 3, GLASS)
    volume = np.zeros((4, 4, 4), dtype=np.uint16)
    volume[0] = STONE
    report = stamp(conn, (200, 0, 0), volume, skip_air=True)
    assert report.blocks == 16
    after = snapshot(conn, (200, 0, 0), (203, 3, 3))
    assert (after[0] == STONE).all()
    assert (after[1:] == GLASS).all()


def test_a_refused_write_or_read_raises_and_the_connection_goes_on(conn, minetest):
    if minetest.mod == "pycraft":
        # pycraft has no size limit and never says `Fail`: a command that fails on the server (here
        # coordinates that are not numbers) drops the connection instead.
        with pytest.raises(BridgeUnavailable, match="closed the connection before answering"):
            conn._get("world.getBlock(a,b,c)")
        conn.set_block(1, 30, 1, GLASS)
        assert conn.get_block(1, 30, 1) == GLASS
        return
    conn.set_blocks(0, 0, 0, 3000, 10, 3000, STONE)  # over the mod's limit: `Fail`
    assert conn.sync() == 1
    with pytest.raises(BridgeCommandFailed):
        conn.get_blocks(0, 0, 0, 3000, 10, 3000)
    conn.set_block(1, 30, 1, GLASS)
    assert conn.get_block(1, 30, 1) == GLASS


@pytest.mark.parametrize("mod", MODS)
def test_a_server_killed_mid_session_raises_and_a_restarted_one_reconnects(tmp_path, mod):
    server = start(tmp_path, mod)
    conn = McpiConnection("127.0.0.1", server.mcpi_port, timeout=10)
    try:
        conn.set_block(0, 3, 0, STONE)
        assert conn.get_block(0, 3, 0) == STONE
        server.kill()
        with pytest.raises(BridgeUnavailable, match="Cannot reach the game server"):
            conn.get_block(0, 3, 0)
        with pytest.raises(BridgeUnavailable):
            conn.post_chat("anyone there?")
        server.start()
        conn.set_block(0, 4, 0, GLASS)
        assert conn.get_block(0, 4, 0) == GLASS
    finally:
        conn.close()
        server.kill()


def test_every_block_of_sangkats_palette_comes_back_as_it_was_stamped(conn, minetest):
    """The ids the world generator and the live stamp use (games.minecraft.palette) survive the
    trip through Minetest's nodes on Sangkat's mod, so a snapshot diffs cleanly against what was
    stamped. pycraft does not keep eight of them (why live baselines are read back after stamping)."""
    from games.minecraft.palette import BLOCKS

    pairs = sorted({info.legacy for info in BLOCKS.values()})
    for i, (block, data) in enumerate(pairs):
        conn.set_block(300 + i, 0, 0, block, data)
    read = [conn.get_block_with_data(300 + i, 0, 0) for i in range(len(pairs))]
    if minetest.mod == "sangkat":
        assert read == pairs
    else:
        changed = {sent[0]: held[0] for sent, held in zip(pairs, read, strict=True) if sent[0] != held[0]}
        assert changed == PYCRAFT_SUBSTITUTES
