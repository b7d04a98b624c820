"""The live session against real headless Minetest servers, Sangkat's mod and Debian's pycraft
(tests/minecraft/minetest_peers.py): stamp the site on each plot, a team builds, a snapshot is
captured and measured; a vanished server is a message; a plot the server has not loaded is refused.

pycraft reads air where the server has not loaded the map, and these servers forget an area no
player is near after a few seconds: a test puts a player near the plots it expects to be read
(`_players_near`), and every player leaves after each test."""

import numpy as np
import pytest
from django.urls import reverse

from games.minecraft import live, palette, services, volume
from games.minecraft.bridge import McpiConnection, snapshot
from games.minecraft.bridge.minetest_server import free_port
from games.minecraft.models import TeamBuild

from .minetest_peers import (
    MODS,
    PYCRAFT_SUBSTITUTES,
    player_near,
    players_leave,
    punch,
    start,
    wait_until_forgotten,
)


@pytest.fixture(scope="module", params=MODS)
def minetest(request, tmp_path_factory):
    server = start(tmp_path_factory.mktemp(f"minetest-live-{request.param}"), request.param)
    yield server
    server.kill()


@pytest.fixture(autouse=True)
def _players_leave_after_each_test(request):
    yield
    if "minetest" in request.fixturenames:
        players_leave(request.getfixturevalue("minetest"))


def _players_near(server, session, *indexes):
    """A player stands near each team's plot (all teams when no index is given)."""
    vol = services.site_volume(session.site)
    depth, width = vol.blocks.shape[1:]
    for team in session.teams.order_by("index"):
        if not indexes or team.index in indexes:
            player_near(server, (team.origin_x, volume.BASE_Y, team.origin_z),
                        (team.origin_x + width - 1, volume.BASE_Y + volume.CAPTURE_HEIGHT - 1,
                         team.origin_z + depth - 1))


@pytest.fixture
def small_site(db):
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "path", "width": 2},
         "geometry": {"type": "LineString", "coordinates": [[0, 5], [20, 5]]}},
        {"type": "Feature", "properties": {"kind": "tree"}, "geometry": {"type": "Point", "coordinates": [10, 12]}},
    ]}
    return services.create_site(user=None, name_en="Corner", geojson=geojson, crs="local")


def test_stamp_build_snapshot_capture(minetest, small_site, facilitator, django_capture_on_commit_callbacks):
    session = services.create_session(facilitator=facilitator, title="Live", site=small_site,
                                      team_names=["A", "B"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    _players_near(minetest, session)
    assert live.stamp_site(session=session) > 0
    team = session.teams.get(index=1)
    # A participant puts two benches (oak stairs) on the grass, live.
    with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as conn:
        for dx in (2, 4):
            conn.set_block(team.origin_x + dx, volume.SURFACE_Y + 1, team.origin_z + 14, 53, 0)
        assert conn.get_block(team.origin_x + 2, volume.SURFACE_Y, team.origin_z + 14) == 2  # grass stamped
    assert live.snapshot_teams(session=session) == 2
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_snapshots(session=session, user=facilitator)
    item.refresh_from_db()
    assert item.state == "done", item.error
    changed = TeamBuild.objects.get(capture=item, team=team)
    assert changed.metrics["change"]["seats"] == 2
    assert changed.diff["seating"] == {"added": 2, "removed": 0}
    untouched = TeamBuild.objects.get(capture=item, team__index=0)
    assert all(d == {"added": 0, "removed": 0} for d in untouched.diff.values()), untouched.diff


def test_a_server_that_is_gone_is_a_message_not_an_error(client, small_site, facilitator):
    session = services.create_session(facilitator=facilitator, title="Gone", site=small_site, team_names=["A"],
                                      server_host="127.0.0.1", server_port=free_port())
    client.force_login(facilitator)
    response = client.post(reverse("minecraft:live", args=[session.pk]), {"action": "snapshot"}, follow=True)
    assert response.status_code == 200
    assert "does not answer" in response.content.decode()
    assert not session.teams.first().snapshots.exists()


def test_the_palette_converts_to_legacy_ids_for_the_bridge():
    ids, data = live.legacy_volume(np.array([[[palette.block_id("minecraft:smooth_stone"),
                                               palette.block_id("minecraft:air")]]], dtype=np.uint16))
    assert ids.tolist() == [[[43, 0]]] and data.tolist() == [[[8, 0]]]


def test_the_timer_command_reports_a_missing_server_and_carries_on(small_site, facilitator):
    from io import StringIO

    from django.core.management import call_command

    session = services.create_session(facilitator=facilitator, title="Gone", site=small_site, team_names=["A"],
                                      server_host="127.0.0.1", server_port=free_port())
    out = StringIO()
    call_command("live_session", "--session", str(session.pk), "--rounds", "1", stdout=out)
    assert "does not answer" in out.getvalue()


def test_the_timer_command_snapshots_a_running_server(minetest, small_site, facilitator):
    from io import StringIO

    from django.core.management import call_command

    session = services.create_session(facilitator=facilitator, title="Timer", site=small_site, team_names=["A"],
                                      server_host="127.0.0.1", server_port=minetest.mcpi_port)
    _players_near(minetest, session)
    live.stamp_site(session=session)
    out = StringIO()
    call_command("live_session", "--session", str(session.pk), "--rounds", "1", stdout=out)
    assert "snapshot of 1 plots" in out.getvalue()
    assert session.teams.get().snapshots.filter(baseline=False).count() == 1


def test_pins_arrive_on_the_sessions_own_connection_and_no_other_script_takes_them(
        minetest, small_site, facilitator):
    """Hits are queued per connection (RaspberryJuice's rule, the mod's too): the session keeps one
    open from the stamp on, and another script reading hits on its own connection takes none.
    pycraft keeps one queue for all connections: there a script that reads hits takes them."""
    session = services.create_session(facilitator=facilitator, title="Pins", site=small_site,
                                      team_names=["A", "B"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    try:
        _players_near(minetest, session)
        live.stamp_site(session=session)
        team = session.teams.get(index=1)
        where = (team.origin_x + 3, volume.SURFACE_Y, team.origin_z + 4)
        with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as other_script:
            if minetest.mod == "sangkat":
                other_script.poll_block_hits()
            punch(other_script, minetest, *where)
            other_script.sync()
            if minetest.mod == "sangkat":
                assert len(other_script.poll_block_hits()) == 1  # the other script sees its own copy
        assert live.collect_pins(session=session) == 1
        pin = team.pins.get()
        assert (pin.x, pin.y, pin.z) == (team.origin_x + 3, volume.SURFACE_Y, team.origin_z + 4)
        assert live.collect_pins(session=session) == 0
        if minetest.mod == "pycraft":  # the shared queue, as documented (docs/decisions.md)
            with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as other_script:
                punch(other_script, minetest, *where)
                assert len(other_script.poll_block_hits()) == 1
            assert live.collect_pins(session=session) == 0
    finally:
        live.close_event_connections()


def _forget_plot(server, team, vol):
    """The server no longer holds the team's plot. pycraft: no player is near it, so the server
    unloads it and pycraft reads air there. Sangkat's mod loads what it is asked for, so there what
    such a server answers is written instead (air)."""
    if server.mod == "pycraft":
        start, _height = live._window(vol)
        wait_until_forgotten(server, team.origin_x, start, team.origin_z)
        return
    depth, width = vol.blocks.shape[1:]
    with McpiConnection("127.0.0.1", server.mcpi_port, timeout=30) as conn:
        conn.set_blocks(team.origin_x, volume.BASE_Y, team.origin_z, team.origin_x + width - 1,
                        volume.BASE_Y + 60, team.origin_z + depth - 1, 0)
        conn.sync()


def test_a_plot_the_server_has_not_loaded_is_refused_and_never_recorded(minetest, small_site, facilitator):
    session = services.create_session(facilitator=facilitator, title="Unloaded", site=small_site,
                                      team_names=["A", "B"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    _players_near(minetest, session, 0)  # nobody is near team B's plot
    live.stamp_site(session=session)
    vol = services.site_volume(small_site)
    unloaded = session.teams.get(index=1)
    assert unloaded.snapshots.filter(baseline=True).count() == 1  # it was there when stamped
    _forget_plot(minetest, unloaded, vol)
    with pytest.raises(services.CoDesignError) as refused:
        live.snapshot_teams(session=session)
    assert "has not loaded the plot of team B" in refused.value.message
    assert "ask a player to stand near it" in refused.value.message
    assert "(1 other plots saved)" in refused.value.message
    assert unloaded.snapshots.filter(baseline=False).count() == 0
    assert session.teams.get(index=0).snapshots.filter(baseline=False).count() == 1
    # Stamped again (or loaded), the plot is read and saved.
    _players_near(minetest, session)
    live.stamp_site(session=session)
    assert live.snapshot_teams(session=session) == 2
    assert unloaded.snapshots.filter(baseline=False).count() == 1


def test_a_team_that_digs_a_hole_is_still_recorded(minetest, small_site, facilitator):
    session = services.create_session(facilitator=facilitator, title="Dig", site=small_site,
                                      team_names=["A"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    _players_near(minetest, session)
    live.stamp_site(session=session)
    team = session.teams.get()
    with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as conn:
        # A deep 4x4 pit down to the bottom of the live window: real, not an unloaded area.
        conn.set_blocks(team.origin_x + 2, volume.BASE_Y, team.origin_z + 2, team.origin_x + 5,
                        volume.SURFACE_Y, team.origin_z + 5, 0)
        conn.sync()
    assert live.snapshot_teams(session=session) == 1


def test_the_timer_command_says_which_plot_is_not_loaded(minetest, small_site, facilitator):
    from io import StringIO

    from django.core.management import call_command

    session = services.create_session(facilitator=facilitator, title="Timer unloaded", site=small_site,
                                      team_names=["A", "B"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    _players_near(minetest, session, 1)  # nobody is near team A's plot
    live.stamp_site(session=session)
    _forget_plot(minetest, session.teams.get(index=0), services.site_volume(small_site))
    out = StringIO()
    call_command("live_session", "--session", str(session.pk), "--rounds", "1", stdout=out)
    assert "has not loaded the plot of team A" in out.getvalue()
    assert "snapshot of 2 plots" not in out.getvalue()
    assert session.teams.get(index=0).snapshots.filter(baseline=False).count() == 0


def test_an_untouched_plot_captures_as_zero_change_on_a_server_that_stores_blocks_differently(
        minetest, small_site, facilitator, django_capture_on_commit_callbacks, monkeypatch):
    """pycraft holds other ids than were stamped (PYCRAFT_SUBSTITUTES), and the capture must still
    see no change. Against Sangkat's mod, stamping sends what pycraft would store (the server then
    holds exactly that)."""
    real = live.legacy_volume

    def as_pycraft_stores(blocks):
        ids, data = real(blocks)
        for sent, held in PYCRAFT_SUBSTITUTES.items():
            data = np.where(ids == sent, 0, data)
            ids = np.where(ids == sent, held, ids)
        return ids, data

    session = services.create_session(facilitator=facilitator, title="Lossy", site=small_site,
                                      team_names=["A", "B"], server_host="127.0.0.1",
                                      server_port=minetest.mcpi_port)
    _players_near(minetest, session)
    with monkeypatch.context() as patched:
        if minetest.mod == "sangkat":
            patched.setattr(live, "legacy_volume", as_pycraft_stores)
        live.stamp_site(session=session)
    assert session.teams.get(index=0).snapshots.filter(baseline=True).count() == 1
    if minetest.mod == "pycraft":  # the server really holds other blocks than were stamped
        vol = services.site_volume(small_site)
        start, _height = live._window(vol)
        sent, _data = live.legacy_volume(vol.blocks[start - volume.BASE_Y:])
        plot = session.teams.get(index=0)
        with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as conn:
            held = snapshot(conn, (plot.origin_x, start, plot.origin_z),
                            (plot.origin_x + sent.shape[2] - 1, start + sent.shape[0] - 1,
                             plot.origin_z + sent.shape[1] - 1))
        assert (held != sent).sum() > 0
    team = session.teams.get(index=1)
    with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as conn:
        conn.set_block(team.origin_x + 2, volume.SURFACE_Y + 1, team.origin_z + 14, 53, 0)
        conn.sync()
    assert live.snapshot_teams(session=session) == 2
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_snapshots(session=session, user=facilitator)
    item.refresh_from_db()
    assert item.state == "done", item.error
    untouched = TeamBuild.objects.get(capture=item, team__index=0)
    assert all(d == {"added": 0, "removed": 0} for d in untouched.diff.values()), untouched.diff
    assert all(v == 0 for v in untouched.metrics["change"].values() if isinstance(v, int | float)), \
        untouched.metrics["change"]
    built = TeamBuild.objects.get(capture=item, team=team)
    assert built.diff["seating"] == {"added": 1, "removed": 0}
