"""The live session against Minecraft with RaspberryJuice, through a protocol-level double of the
plugin (raspberryjuice_double.py: the Java server cannot run here) on a real loopback socket, in
both of its coordinate modes: hits are queued per connection and only for sword right-clicks, and
RELATIVE mode counts every coordinate from the spawn point."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from games.minecraft import live, services, volume
from games.minecraft.bridge import BridgeCommandFailed, McpiConnection
from games.minecraft.bridge.frame import Frame, detect, parse_position
from games.minecraft.models import CoDesignSession, TeamBuild

from .raspberryjuice_double import RaspberryJuiceDouble

KHMER = "សូមសាងសង់កន្លែងអង្គុយ"  # "please build seating"


@pytest.fixture(params=["RELATIVE", "ABSOLUTE"])
def rj(request):
    server = RaspberryJuiceDouble(location=request.param).start()
    yield server
    live.close_event_connections()
    server.stop()


@pytest.fixture
def small_site(db):
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "path", "width": 2},
         "geometry": {"type": "LineString", "coordinates": [[0, 5], [20, 5]]}},
        {"type": "Feature", "properties": {"kind": "tree"}, "geometry": {"type": "Point", "coordinates": [10, 12]}},
    ]}
    return services.create_site(user=None, name_en="Corner", geojson=geojson, crs="local")


def _shown(rj, test, seconds=5.0) -> bool:
    """Whether the players saw a chat line passing `test`: chat.post has no reply, so the server
    runs it a moment after the bridge sent it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(test(line) for line in list(rj.broadcasts)):
            return True
        time.sleep(0.02)
    return False


def _session(site, facilitator, port, teams=("A", "B"), **kwargs):
    return services.create_session(facilitator=facilitator, title="Live RJ", site=site, team_names=list(teams),
                                   server_host="127.0.0.1", server_port=port, **kwargs)


def test_the_whole_live_session_in_both_coordinate_modes(rj, small_site, facilitator,
                                                         django_capture_on_commit_callbacks):
    player = rj.join("dara")
    session = _session(small_site, facilitator, rj.port)
    assert live.stamp_site(session=session) > 0
    # Detected from the player's two positions: the spawn offset in RELATIVE mode, none in ABSOLUTE.
    session.refresh_from_db()
    if rj.location == "RELATIVE":
        assert session.coordinates == "relative"
        assert (session.spawn_x, session.spawn_y, session.spawn_z) == rj.spawn
    else:
        assert session.coordinates == "absolute"
    # The site stands where Sangkat's world puts it, not a spawn's height above.
    team = session.teams.get(index=1)
    assert rj.block(team.origin_x + 2, volume.SURFACE_Y, team.origin_z + 14) == 2  # grass stamped
    assert rj.block(team.origin_x + 2, volume.SURFACE_Y + rj.spawn[1], team.origin_z + 14) == 0
    # The players were told how to leave a pin.
    assert _shown(rj, lambda line: "hold a sword and right-click" in line)

    # Pins from sword right-clicks, over several polls, on the session's own connection.
    rj.right_click(player, team.origin_x + 3, volume.SURFACE_Y, team.origin_z + 4)
    rj.left_click(player, team.origin_x + 5, volume.SURFACE_Y, team.origin_z + 5)  # a punch: no hit
    rj.right_click(player, team.origin_x + 6, volume.SURFACE_Y, team.origin_z + 6, item="OAK_PLANKS")
    assert live.collect_pins(session=session) == 1
    pin = team.pins.get()
    assert (pin.x, pin.y, pin.z) == (team.origin_x + 3, volume.SURFACE_Y, team.origin_z + 4)
    assert live.collect_pins(session=session) == 0
    other = session.teams.get(index=0)
    rj.right_click(player, other.origin_x + 1, volume.SURFACE_Y + 1, other.origin_z + 2, item="WOOD_SWORD")
    rj.right_click(player, team.origin_x + 7, volume.SURFACE_Y, team.origin_z + 8, item="IRON_SWORD")
    rj.right_click(player, 10_000, volume.SURFACE_Y, 10_000)  # outside every plot
    assert live.collect_pins(session=session) == 2
    assert other.pins.get().y == volume.SURFACE_Y + 1
    assert team.pins.count() == 2
    session.refresh_from_db()
    assert session.events_read_at is not None and session.events_lost_from is None

    # Chat, in Khmer.
    live.post_prompt(session=session, text=KHMER)
    assert _shown(rj, lambda line: line == KHMER)

    # A team builds two benches; the other plot stays untouched: zero change.
    with McpiConnection("127.0.0.1", rj.port, timeout=5) as conn:
        for dx in (2, 4):
            x, y, z = live.frame(session).to_server(team.origin_x + dx, volume.SURFACE_Y + 1, team.origin_z + 14)
            conn.set_block(x, y, z, 53, 0)
        conn.sync()
    assert live.snapshot_teams(session=session) == 2
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_snapshots(session=session, user=facilitator)
    item.refresh_from_db()
    assert item.state == "done", item.error
    assert TeamBuild.objects.get(capture=item, team=team).diff["seating"] == {"added": 2, "removed": 0}
    untouched = TeamBuild.objects.get(capture=item, team=other)
    assert all(d == {"added": 0, "removed": 0} for d in untouched.diff.values()), untouched.diff


def test_without_a_player_the_sessions_setting_is_used_and_said(small_site, facilitator):
    """No player online: RaspberryJuice answers Fail to player.*, so nothing can be detected; a
    facilitator who set the mode and spawn by hand gets the site in the right place."""
    rj = RaspberryJuiceDouble(location="RELATIVE", spawn=(5, 70, -3)).start()
    try:
        session = _session(small_site, facilitator, rj.port, teams=("A",), coordinates="relative")
        services.set_coordinates(session=session, coordinates="relative", spawn=(5, 70, -3))
        live.stamp_site(session=session)
        assert "Not checked" in live.describe_coordinates(session)
        team = session.teams.get()
        assert rj.block(team.origin_x + 2, volume.SURFACE_Y, team.origin_z + 14) == 2
        assert rj.block(team.origin_x + 5 + 2, volume.SURFACE_Y + 70, team.origin_z - 3 + 14) == 0
        # Left on absolute, the same server builds it a spawn's height up (what the issue saw).
        services.set_coordinates(session=session, coordinates="absolute", spawn=(0, 0, 0))
        live.stamp_site(session=session)
        assert rj.block(team.origin_x + 5 + 2, volume.SURFACE_Y + 70, team.origin_z - 3 + 14) == 2
    finally:
        live.close_event_connections()
        rj.stop()


def test_the_double_is_faithful_a_fresh_connection_per_poll_misses_every_hit(rj):
    """What Sangkat did before: one connection per poll. The hit is queued on connections open when
    it happens only; a connection opened afterwards has nothing, the kept-open one has it."""
    player = rj.join("sokha")
    with McpiConnection("127.0.0.1", rj.port, timeout=5) as kept:
        kept.clear_events()
        kept.sync()  # the server has registered the connection (and run the clear)
        rj.right_click(player, 1, volume.SURFACE_Y, 2)
        with McpiConnection("127.0.0.1", rj.port, timeout=5) as per_poll:
            assert per_poll.poll_block_hits() == []
        hits = kept.poll_block_hits()
        assert len(hits) == 1
        expected = (1, volume.SURFACE_Y, 2) if rj.location == "ABSOLUTE" else \
            (1 - rj.spawn[0], volume.SURFACE_Y - rj.spawn[1], 2 - rj.spawn[2])
        assert (hits[0].x, hits[0].y, hits[0].z) == expected
        assert kept.poll_block_hits() == []  # drained
        rj.player_chat(player, KHMER)
        assert kept._get("events.chat.posts()") == f"{player.entity_id},{KHMER}"
        # Unknown commands answer Fail; so does a player command with nobody online.
        with pytest.raises(BridgeCommandFailed):
            kept._get("world.getSomethingElse()")


def test_detect_tells_the_modes_apart_and_gives_up_without_a_player(rj):
    with McpiConnection("127.0.0.1", rj.port, timeout=5) as conn:
        assert detect(conn) is None  # nobody online: Fail
        rj.join("vanna", at=(12.5, 80.0, -4.25))
        found = detect(conn)
    assert found == (Frame(*rj.spawn) if rj.location == "RELATIVE" else Frame())
    assert parse_position("Location{world=CraftWorld{name=world},x=1.5,y=64.0,z=-2.5,pitch=0.0,yaw=0.0}") == \
        (1.5, 64.0, -2.5)


def test_a_server_restart_is_a_gap_the_session_page_names(small_site, facilitator, client):
    rj = RaspberryJuiceDouble(location="RELATIVE").start()
    try:
        player = rj.join("dara")
        session = _session(small_site, facilitator, rj.port, teams=("A",))
        live.stamp_site(session=session)
        team = session.teams.get()
        rj.right_click(player, team.origin_x + 1, volume.SURFACE_Y, team.origin_z + 1)
        assert live.collect_pins(session=session) == 1
        rj.restart()
        rj.right_click(player, team.origin_x + 2, volume.SURFACE_Y, team.origin_z + 2)  # nobody connected: lost
        assert live.collect_pins(session=session) == 0  # reconnected, on a fresh queue
        session.refresh_from_db()
        assert session.events_lost_from is not None and session.events_lost_to is not None
        rj.right_click(player, team.origin_x + 3, volume.SURFACE_Y, team.origin_z + 3)
        assert live.collect_pins(session=session) == 1  # the new connection is kept
        client.force_login(facilitator)
        page = client.get(reverse("minecraft:session", args=[session.pk])).content.decode()
        assert "were not recorded" in page
        # The server is gone: the gap stays open, and the page says it is not back.
        rj.stop()
        with pytest.raises(services.CoDesignError):
            live.collect_pins(session=session)
        session.refresh_from_db()
        assert session.events_lost_to is None
        page = client.get(reverse("minecraft:session", args=[session.pk])).content.decode()
        assert "is not back" in page
    finally:
        live.close_event_connections()
        rj.stop()


def test_only_one_process_reads_a_sessions_hits(small_site, facilitator):
    rj = RaspberryJuiceDouble(location="ABSOLUTE").start()
    try:
        player = rj.join("dara")
        session = _session(small_site, facilitator, rj.port, teams=("A",))
        live.stamp_site(session=session)
        team = session.teams.get()
        # The live_session command of another machine holds the role: the page does not read.
        CoDesignSession.objects.filter(pk=session.pk).update(
            events_owner="other-host:42", events_lease_until=timezone.now() + timedelta(minutes=1))
        with pytest.raises(services.CoDesignError) as taken:
            live.collect_pins(session=session)
        assert "another process" in taken.value.message
        # Its lease runs out (it stopped without saying so): this process takes over, and the
        # hits the other one never read are named as a gap.
        CoDesignSession.objects.filter(pk=session.pk).update(events_lease_until=timezone.now() - timedelta(seconds=1))
        live.close_event_connections()  # as in a fresh process
        rj.right_click(player, team.origin_x + 1, volume.SURFACE_Y, team.origin_z + 1)  # before it connects: lost
        assert live.collect_pins(session=session) == 0
        session.refresh_from_db()
        assert session.events_owner.endswith(f":{__import__('os').getpid()}")
        assert session.events_lost_to is not None
    finally:
        live.close_event_connections()
        rj.stop()


def test_the_timer_command_keeps_one_connection_across_rounds(small_site, facilitator, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    rj = RaspberryJuiceDouble(location="RELATIVE").start()
    try:
        player = rj.join("dara")
        session = _session(small_site, facilitator, rj.port, teams=("A",))
        services.set_coordinates(session=session, coordinates="relative", spawn=rj.spawn)
        team = session.teams.get()
        rounds = []

        def between_rounds(_seconds):  # a player marks a block while the command waits
            rounds.append(len(rj.sessions))
            rj.right_click(player, team.origin_x + len(rounds), volume.SURFACE_Y, team.origin_z + 1)

        monkeypatch.setattr("time.sleep", between_rounds)
        out = StringIO()
        call_command("live_session", "--session", str(session.pk), "--rounds", "3", "--every", "10", stdout=out)
        assert team.pins.count() == 2, out.getvalue()
        assert "1 new pins" in out.getvalue()
        session.refresh_from_db()
        assert session.events_owner == ""  # released on the way out
    finally:
        live.close_event_connections()
        rj.stop()


def test_the_facilitator_sets_the_coordinates_on_the_form_and_the_page(client, facilitator, small_site):
    client.force_login(facilitator)
    form = client.get(reverse("minecraft:session_create")).content.decode()
    assert "location: ABSOLUTE" in form and 'name="coordinates"' in form
    session = _session(small_site, facilitator, 4711, teams=("A",))
    response = client.post(reverse("minecraft:live", args=[session.pk]), {
        "action": "coordinates", "coordinates": "relative", "spawn_x": "-37", "spawn_y": "64", "spawn_z": "21"},
        follow=True)
    session.refresh_from_db()
    assert (session.coordinates, session.spawn_x, session.spawn_y, session.spawn_z) == ("relative", -37, 64, 21)
    assert "relative to its spawn point (-37, 64, 21)" in response.content.decode()
    response = client.post(reverse("minecraft:live", args=[session.pk]), {
        "action": "coordinates", "coordinates": "sideways", "spawn_x": "x"}, follow=True)
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.coordinates == "relative"
