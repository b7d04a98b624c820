"""The sample site becomes a Java Edition world, read back with amulet-core (not our writer)."""

import gzip

import amulet
import amulet_nbt
import pytest

from games.minecraft import geo, palette, volume
from games.minecraft.services import site_volume

from .conftest import unzip_world

JAVA = ("java", (1, 20, 4))


def _plan_point(site, kind, index=0):
    plan = geo.parse(site.geojson, crs=site.crs)
    feature = [f for f in plan.features if f.kind == kind][index]
    x, z = (int(round(v)) for v in feature.parts[0][0][0])
    return feature, x, z


@pytest.fixture
def world(generated, tmp_path):
    with generated.world_zip.open("rb") as handle:
        folder = unzip_world(handle.read(), tmp_path)
    level = amulet.load_level(str(folder))
    yield generated, folder, level
    level.close()


def _block(level, x, y, z):
    return level.get_version_block(x, y, z, "minecraft:overworld", JAVA)[0]


def test_each_team_gets_its_own_copy_of_the_site(world):
    session, _folder, level = world
    _f, x, z = _plan_point(session.site, "tree")
    ground = volume.SURFACE_Y
    for team in session.teams.all():
        trunk = _block(level, team.origin_x + x, ground + 1, team.origin_z + z)
        assert trunk.namespaced_name == "minecraft:oak_log"
        leaves = _block(level, team.origin_x + x + 1, ground + volume.TREE_TRUNK_M, team.origin_z + z)
        assert leaves.namespaced_name == "minecraft:oak_leaves"
        assert str(leaves.properties["persistent"]) == "true"  # leaves without logs nearby must not decay
    second = session.teams.get(index=1)
    assert second.origin_x >= session.site.width_m + volume.PLOT_GAP and second.origin_x % 16 == 0


def test_materials_buildings_and_water_sit_where_the_site_says(world):
    session, _folder, level = world
    vol = site_volume(session.site)
    building, *_ = [f for f in geo.parse(session.site.geojson, crs="wgs84").features if f.kind == "building"]
    ring = building.parts[0][0]
    west = min(p[0] for p in ring)
    wz = int(sum(p[1] for p in ring) / len(ring))
    row = vol.blocks[volume.SURFACE_Y + 1 - volume.BASE_Y, wz]
    wx = int((row == palette.block_id(palette.BUILDING_WALL)).nonzero()[0].min())
    assert abs(wx - west) <= 1  # the market's west wall stands on the drawn edge
    # A wall of the market (6 m) from the ground to its full height, a roof above it.
    assert _block(level, wx, volume.SURFACE_Y + 1, wz).namespaced_name == palette.BUILDING_WALL
    assert _block(level, wx, volume.SURFACE_Y + building.height, wz).namespaced_name == palette.BUILDING_WALL
    assert _block(level, wx, volume.SURFACE_Y + building.height + 1, wz).namespaced_name == palette.BUILDING_ROOF
    water = [(z, x) for z, x in zip(*(vol.blocks[volume.SURFACE_Y - volume.BASE_Y] ==
                                      palette.block_id("minecraft:water")).nonzero(), strict=True)][0]
    assert _block(level, water[1], volume.SURFACE_Y, water[0]).namespaced_name == "minecraft:water"
    assert _block(level, 0, volume.SURFACE_Y, 0).namespaced_name == "minecraft:grass_block"
    assert _block(level, 0, volume.BASE_Y, 0).namespaced_name == "minecraft:bedrock"
    assert _block(level, 0, volume.SURFACE_Y + 1, 0).namespaced_name == "minecraft:air"


def test_signs_name_places(world):
    session, folder, level = world
    feature, x, z = _plan_point(session.site, "sign")
    assert _block(level, x, volume.SURFACE_Y + 1, z).namespaced_name == "minecraft:oak_sign"
    # The sign's text lives in the chunk's block entities: look for it in the raw region bytes.
    region = (folder / "region" / "r.0.0.mca").read_bytes()
    import zlib

    texts = b"".join(zlib.decompress(region[o * 4096 + 5:o * 4096 + 4 + int.from_bytes(region[o * 4096:o * 4096 + 4])])
                     for o in {int.from_bytes(region[i * 4:i * 4 + 3]) for i in range(1024)} - {0})
    assert b'{"text": "Welcome to"}' in texts


def test_level_dat_makes_a_creative_peaceful_world_at_noon(world):
    session, folder, _level = world
    data = amulet_nbt.load(gzip.decompress((folder / "level.dat").read_bytes()), compressed=False).compound["Data"]
    assert int(data["GameType"].py_int) == 1
    assert int(data["Difficulty"].py_int) == 0
    assert str(data["GameRules"]["doDaylightCycle"].py_str) == "false"
    assert str(data["GameRules"]["doMobSpawning"].py_str) == "false"
    assert int(data["DayTime"].py_int) == 6000
    assert str(data["LevelName"].py_str) == session.title
    assert str(data["Version"]["Name"].py_str) == palette.MINECRAFT_VERSION
    assert int(data["SpawnY"].py_int) == volume.SURFACE_Y + 1
