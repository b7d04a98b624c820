"""Sangkat's Minetest mod driven by the standard client, PyPI's `mcpi` 1.2.1 (the package Python
courses and Debian's python3-minecraftpi scripts use): every command that client sends either works
or answers `Fail`, as RaspberryJuice does; block-hit and chat events are queued per connection.

No game client can run here, so players are pretended by the mod's test-only `sangkat.join` (an
object with the ObjectRef methods the commands call); punches and chat lines go through the real
register_on_punchnode / register_on_chat_message callbacks (`sangkat.punch`, `sangkat.say`).
"""

from __future__ import annotations

import math
import socket

import pytest
from mcpi.connection import RequestError
from mcpi.minecraft import Minecraft

from games.minecraft.bridge import McpiConnection
from games.minecraft.bridge.minetest_server import (
    MinetestMissing,
    MinetestServer,
    find_binary,
    free_port,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    try:
        find_binary()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    server = MinetestServer(tmp_path_factory.mktemp("minetest-mcpi"), mcpi_port=free_port(),
                            game_port=free_port(kind=socket.SOCK_DGRAM), test_commands=True)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def raw(server):
    connection = McpiConnection("127.0.0.1", server.mcpi_port, timeout=30)
    connection._set("sangkat.leave()")  # no pretend player left by an earlier test
    connection.sync()
    yield connection
    connection.close()


@pytest.fixture
def mc(server, raw):
    client = Minecraft.create("127.0.0.1", server.mcpi_port)
    client.conn.socket.settimeout(30)
    yield client
    client.conn.socket.close()


def _join(raw, name) -> int:
    return int(raw._get(f"sangkat.join({name})"))


def _reply_to_setter(mc, command: bytes) -> str:
    """What the server answers a setter (nothing when it worked, `Fail` when it does not): the setter,
    then a getter; every line before the getter's answer belongs to the setter."""
    mc.conn.socket.sendall(command + b"\nworld.getBlock(0,-30000,0)\n")
    data = b""
    while data.count(b"\n") < 1 or (data.count(b"\n") == 1 and data.startswith(b"Fail")):
        data += mc.conn.socket.recv(4096)
    lines = data.decode().splitlines()
    return "Fail" if lines[0] == "Fail" and len(lines) > 1 else ""


def test_player_position_round_trips_in_minecraft_coordinates(mc, raw):
    _join(raw, "dara")
    mc.player.setTilePos(10, 70, -5)
    assert tuple(mc.player.getTilePos()) == (10, 70, -5)
    pos = mc.player.getPos()
    assert (pos.x, pos.y, pos.z) == (10.5, 70.0, -4.5)  # standing in the middle of the block
    mc.player.setPos(3.25, 64.0, 7.75)
    pos = mc.player.getPos()
    assert (pos.x, pos.y, pos.z) == (3.25, 64.0, 7.75)
    assert tuple(mc.player.getTilePos()) == (3, 64, 7)
    # The same block through the bridge's own coordinates: Minecraft's +z is south in both.
    mc.setBlock(3, 63, 7, 1)
    assert mc.getBlock(3, 63, 7) == 1


def test_rotation_pitch_and_direction_agree_as_in_minecraft(mc, raw):
    _join(raw, "dara")
    for yaw, expected in ((0, (0, 0, 1)), (90, (-1, 0, 0)), (180, (0, 0, -1)), (270, (1, 0, 0))):
        mc.player.setRotation(yaw)
        mc.player.setPitch(0)
        assert mc.player.getRotation() == pytest.approx(yaw, abs=0.01)
        d = mc.player.getDirection()
        assert (d.x, d.y, d.z) == pytest.approx(expected, abs=1e-3)
    mc.player.setPitch(45)
    assert mc.player.getPitch() == pytest.approx(45, abs=0.01)
    assert mc.player.getDirection().y == pytest.approx(-math.sqrt(0.5), abs=1e-3)  # looking down
    mc.player.setDirection(1, 0, 1)
    assert mc.player.getRotation() == pytest.approx(315, abs=0.01)
    assert mc.player.getPitch() == pytest.approx(0, abs=0.01)


def test_entity_ids_name_the_players(mc, raw):
    dara, sokha = _join(raw, "dara"), _join(raw, "sokha")
    assert sorted(mc.getPlayerEntityIds()) == sorted([dara, sokha])
    assert mc.getPlayerEntityId("sokha") == sokha
    assert mc.entity.getName(sokha) == "sokha"
    mc.entity.setTilePos(sokha, 1, 65, 2)
    assert tuple(mc.entity.getTilePos(sokha)) == (1, 65, 2)
    mc.player.setTilePos(0, 70, 0)
    assert tuple(mc.entity.getTilePos(sokha)) == (1, 65, 2)  # player.* moves the host player, dara
    with pytest.raises(RequestError):
        mc.getPlayerEntityId("nobody")
    with pytest.raises(RequestError):
        mc.entity.getTilePos(99999)


def test_without_a_player_the_player_commands_answer_fail(mc):
    with pytest.raises(RequestError):
        mc.player.getTilePos()
    with pytest.raises(RequestError):
        mc.player.getPos()


def test_block_hits_are_queued_per_connection(server, mc, raw):
    dara = _join(raw, "dara")
    late_before = Minecraft.create("127.0.0.1", server.mcpi_port)
    raw._set("sangkat.punch(4,63,4,1,dara)")
    raw.sync()
    # Both open connections see the hit; reading it on one leaves it queued on the other.
    hits = mc.events.pollBlockHits()
    assert [(h.pos.x, h.pos.y, h.pos.z, h.face, h.entityId) for h in hits] == [(4, 63, 4, 1, dara)]
    assert mc.events.pollBlockHits() == []
    assert [(h.pos.x, h.pos.y, h.pos.z) for h in late_before.events.pollBlockHits()] == [(4, 63, 4)]
    assert [h.x for h in raw.poll_block_hits()] == [4]
    # A connection opened after the hit never sees it (RaspberryJuice queues from connect on).
    late_after = Minecraft.create("127.0.0.1", server.mcpi_port)
    assert late_after.events.pollBlockHits() == []
    # player.events.* keeps only the host player's hits; entity.events.* one entity's.
    sokha = _join(raw, "sokha")
    raw._set("sangkat.punch(5,63,5,1,sokha)")
    raw._set("sangkat.punch(6,63,6,1,dara)")
    raw.sync()
    assert [h.pos.x for h in mc.player.pollBlockHits()] == [6]
    assert [h.pos.x for h in mc.entity.pollBlockHits(sokha)] == [5]
    mc.events.clearAll()
    assert late_after.events.pollBlockHits() != []  # clearing one connection's queue clears only it
    for client in (late_before, late_after):
        client.conn.socket.close()


def test_chat_posts_become_events_in_khmer_too(mc, raw):
    dara = _join(raw, "dara")
    raw._set("sangkat.say(dara,hello, everyone)")
    raw._set("sangkat.say(dara,សួស្តី|all)")
    raw.sync()
    posts = mc.events.pollChatPosts()
    assert [(p.entityId, p.message) for p in posts][0] == (dara, "hello, everyone")
    assert raw._get("events.chat.posts()") == f"{dara},hello, everyone|{dara},សួស្តី all"
    # Our own chat.post is not a player's chat line: no event, as with Bukkit's broadcast.
    mc.postToChat("from the script")
    assert mc.events.pollChatPosts() == [p for p in posts][2:]


def test_world_settings_minetest_allows(mc, raw):
    _join(raw, "dara")
    mc.setting("world_immutable", True)
    assert raw._get("sangkat.protected(0,63,0,dara)") == "true"
    mc.setting("world_immutable", False)
    assert raw._get("sangkat.protected(0,63,0,dara)") == "false"
    mc.setting("nametags_visible", False)
    assert raw._get("sangkat.nametag(dara)") == "0"
    mc.setting("nametags_visible", True)
    assert raw._get("sangkat.nametag(dara)") == "255"
    assert _reply_to_setter(mc, b"world.setting(no_such_setting,1)") == "Fail"


# Every other call the client makes: each must either work or answer Fail (never hang, never
# answer something the client cannot parse). Getters raise RequestError on Fail.
UNSUPPORTED_GETTERS = [
    lambda mc: mc.getEntityTypes(),
    lambda mc: mc.getEntities(),
    lambda mc: mc.removeEntity(1),
    lambda mc: mc.removeEntities(),
    lambda mc: mc.spawnEntity(0, 70, 0, 90),
    lambda mc: mc.player.getEntities(),
    lambda mc: mc.player.removeEntities(),
    lambda mc: mc.player.pollProjectileHits(),
    lambda mc: mc.entity.getEntities(1),
    lambda mc: mc.entity.removeEntities(1),
    lambda mc: mc.entity.pollProjectileHits(1),
    lambda mc: mc.events.pollProjectileHits(),
]
UNSUPPORTED_SETTERS = [
    b"world.checkpoint.save()", b"world.checkpoint.restore()", b"world.setSign(0,70,0,63,0,a,b,c,d)",
    b"camera.mode.setNormal()", b"camera.mode.setFixed()", b"camera.mode.setFollow()",
    b"camera.setPos(0,70,0)", b"player.setting(autojump,0)",
]
SUPPORTED_SETTERS = [
    b"world.setBlock(0,70,0,1)", b"world.setBlocks(0,70,0,1,71,1,0)", b"chat.post(hello)",
    b"events.clear()", b"player.events.clear()", b"entity.events.clear(1)",
    b"player.setTile(0,70,0)", b"player.setPos(0.5,70,0.5)", b"player.setRotation(90)",
    b"player.setPitch(10)", b"player.setDirection(0,0,1)", b"world.setting(world_immutable,0)",
]


@pytest.mark.parametrize("call", range(len(UNSUPPORTED_GETTERS)))
def test_getters_minetest_cannot_answer_say_fail(mc, raw, call):
    _join(raw, "dara")
    with pytest.raises(RequestError):
        UNSUPPORTED_GETTERS[call](mc)
    assert mc.getBlock(0, -30000, 0) == 0  # the connection goes on


@pytest.mark.parametrize("command", UNSUPPORTED_SETTERS, ids=lambda c: c.decode().split("(")[0])
def test_setters_minetest_cannot_do_say_fail(mc, command):
    assert _reply_to_setter(mc, command) == "Fail"


@pytest.mark.parametrize("command", SUPPORTED_SETTERS, ids=lambda c: c.decode().split("(")[0])
def test_setters_that_work_answer_nothing(mc, raw, command):
    _join(raw, "dara")
    assert _reply_to_setter(mc, command) == ""


def test_the_getters_the_client_sends_all_work(mc, raw):
    dara = _join(raw, "dara")
    mc.setBlocks(0, 70, 0, 1, 70, 1, 35, 14)
    assert mc.getBlock(0, 70, 0) == 35
    assert mc.getBlockWithData(0, 70, 0).id == 35
    assert list(mc.getBlocks(0, 70, 0, 1, 70, 1)) == [35, 35, 35, 35]
    assert mc.getHeight(0, 0) >= 70
    assert mc.player.getDirection() is not None and mc.entity.getPos(dara) is not None
    assert mc.entity.getRotation(dara) == mc.player.getRotation()
    assert mc.entity.getPitch(dara) == mc.player.getPitch()
    assert mc.entity.getDirection(dara) is not None
    assert mc.player.pollChatPosts() == [] and mc.entity.pollChatPosts(dara) == []
