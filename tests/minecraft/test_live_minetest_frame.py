"""Sangkat's Minetest mod with the RaspberryJuice-era live session: with a player in the game, the
coordinate check asks player.getAbsPos, which the mod does not serve (Fail): the session stays
absolute, the site lands where it did before, and punches still become pins on the session's own
connection."""

import pytest

from games.minecraft import live, services, volume
from games.minecraft.bridge import McpiConnection
from games.minecraft.bridge.frame import detect
from games.minecraft.bridge.minetest_server import (
    MinetestMissing,
    MinetestServer,
    find_binary,
    free_port,
)


@pytest.fixture(scope="module")
def minetest(tmp_path_factory):
    try:
        find_binary()
    except MinetestMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    server = MinetestServer(tmp_path_factory.mktemp("minetest-frame"), mcpi_port=free_port(),
                            game_port=free_port(kind=2), test_commands=True)
    server.start()
    yield server
    server.kill()


def test_the_mod_keeps_absolute_coordinates_and_punches_stay_pins(minetest, db, facilitator):
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "path", "width": 2},
         "geometry": {"type": "LineString", "coordinates": [[0, 5], [20, 5]]}}]}
    site = services.create_site(user=None, name_en="Corner", geojson=geojson, crs="local")
    session = services.create_session(facilitator=facilitator, title="Mod", site=site, team_names=["A"],
                                      server_host="127.0.0.1", server_port=minetest.mcpi_port)
    with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as game:
        game._get("sangkat.join(dara)")
        assert detect(game) is None
    try:
        live.stamp_site(session=session)
        session.refresh_from_db()
        assert session.coordinates == "absolute"
        assert "Not checked" in live.describe_coordinates(session)
        team = session.teams.get()
        with McpiConnection("127.0.0.1", minetest.mcpi_port, timeout=30) as game:
            assert game.get_block(team.origin_x + 2, volume.SURFACE_Y, team.origin_z + 14) == 2
            for n in (1, 2):
                game._set(f"sangkat.punch({team.origin_x + n},{volume.SURFACE_Y},{team.origin_z + 4},1)")
            game.sync()
        assert live.collect_pins(session=session) == 2
        assert live.collect_pins(session=session) == 0
        session.refresh_from_db()
        assert session.events_lost_from is None
    finally:
        live.close_event_connections()
