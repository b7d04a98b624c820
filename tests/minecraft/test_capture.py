"""A team edits its plot in a world library (amulet-core); Sangkat imports the world, diffs the
plot against the site, measures it, renders it and carries it to a proposal."""

from pathlib import Path

import amulet
import numpy as np
import pytest
from amulet.api.block import Block
from amulet_nbt import StringTag
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from games.minecraft import palette, render, services, volume
from games.minecraft.models import Capture, TeamBuild

from .conftest import unzip_world, zip_folder

JAVA = ("java", (1, 20, 4))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TREES = [(2, 2), (8, 2)]
BENCHES = [(1, 7), (3, 7), (5, 7)]
PATH = [(x, 10) for x in range(0, 10)]


def _open_grass(vol, size=12):
    """The north-west corner of a size × size patch of plain grass in the site."""
    top = vol.blocks[volume.SURFACE_Y - volume.BASE_Y]
    above = vol.blocks[volume.SURFACE_Y + 1 - volume.BASE_Y:].any(axis=0)
    grass = (top == palette.block_id("minecraft:grass_block")) & ~above
    for z in range(0, vol.depth - size):
        for x in range(0, vol.width - size):
            if grass[z:z + size, x:x + size].all():
                return x, z
    raise AssertionError("no open grass in the sample site")


def _edit_plot(folder, team, corner):
    """Two trees, three benches and a ten-metre gravel path, placed with amulet-core."""
    level = amulet.load_level(str(folder))
    ground = volume.SURFACE_Y

    def put(x, y, z, block):
        level.set_version_block(team.origin_x + corner[0] + x, y, team.origin_z + corner[1] + z,
                                "minecraft:overworld", JAVA, block)

    log = Block("minecraft", "oak_log", {"axis": StringTag("y")})
    leaves = Block("minecraft", "oak_leaves", {"persistent": StringTag("true"), "distance": StringTag("1"),
                                               "waterlogged": StringTag("false")})
    for tx, tz in TREES:
        for dy in range(1, 5):
            put(tx, ground + dy, tz, log)
        for dx in (-1, 0, 1):
            for dz in (-1, 0, 1):
                put(tx + dx, ground + 5, tz + dz, leaves)
    stairs = Block("minecraft", "oak_stairs", {"facing": StringTag("north"), "half": StringTag("bottom"),
                                               "shape": StringTag("straight"), "waterlogged": StringTag("false")})
    for bx, bz in BENCHES:
        put(bx, ground + 1, bz, stairs)
    for px, pz in PATH:
        put(px, ground, pz, Block("minecraft", "gravel"))
    level.save()
    level.close()


@pytest.fixture
def imported(generated, tmp_path, django_capture_on_commit_callbacks, facilitator):
    with generated.world_zip.open("rb") as handle:
        folder = unzip_world(handle.read(), tmp_path)
    team = generated.teams.get(index=1)
    vol = services.site_volume(generated.site)
    corner = _open_grass(vol)
    services.add_pin(team=team, x=team.origin_x + corner[0] + 5, y=volume.SURFACE_Y + 1,
                     z=team.origin_z + corner[1] + 5, text="A shady corner for girls to sit")
    _edit_plot(folder, team, corner)
    upload = SimpleUploadedFile("build.zip", zip_folder(folder), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_upload(session=generated, user=facilitator, upload=upload)
    item.refresh_from_db()
    assert item.state == "done", item.error
    return generated, team, corner, vol, item


def test_metrics_match_the_edit(imported):
    session, team, _corner, _vol, item = imported
    build = TeamBuild.objects.get(capture=item, team=team)
    change = build.metrics["change"]
    assert change["seats"] == len(BENCHES)
    assert change["lights"] == 0
    assert change["path_length_m"] == pytest.approx(len(PATH), abs=0.5)
    assert change["shaded_area_m2"] == 9 * len(TREES)
    # Gravel and benches now cover grass; leaves over grass keep it green.
    assert change["green_area_m2"] == -(len(PATH) + len(BENCHES))
    assert build.diff["greenery"] == {"added": len(TREES) * (4 + 9), "removed": len(PATH)}
    assert build.diff["seating"] == {"added": len(BENCHES), "removed": 0}
    assert build.diff["paths"] == {"added": len(PATH), "removed": 0}
    # The other team did nothing: nothing changed on its plot.
    untouched = TeamBuild.objects.get(capture=item, team__index=0)
    assert all(v == 0 for v in untouched.metrics["change"].values())
    assert all(d == {"added": 0, "removed": 0} for d in untouched.diff.values())


def test_renders_show_the_edit_in_the_right_colours(imported):
    session, team, corner, vol, item = imported
    build = TeamBuild.objects.get(capture=item, team=team)
    scale = render.scale_for(vol.width, vol.depth)
    with build.plan.open("rb") as handle:
        plan = Image.open(handle).convert("RGB")
        plan.load()
    cx, cz = corner

    def pixel(x, z):
        return plan.getpixel(render.map_pixel(cx + x, cz + z, scale))

    assert pixel(*TREES[0]) == palette.BLOCKS["minecraft:oak_leaves"].colour
    assert pixel(*BENCHES[0]) == palette.BLOCKS["minecraft:oak_stairs"].colour
    assert pixel(*PATH[3]) == palette.BLOCKS["minecraft:gravel"].colour
    assert pixel(11, 11) == palette.BLOCKS["minecraft:grass_block"].colour
    # The pin (a comment hit on a block) is drawn in red at its place.
    assert plan.getpixel(render.map_pixel(cx + 5, cz + 5, scale)) == render.PIN
    for field_file in (build.iso, build.before_after):
        with field_file.open("rb") as handle:
            image = Image.open(handle).convert("RGB")
            colours = {c for _n, c in image.getcolors(1 << 20)}
        assert palette.BLOCKS["minecraft:gravel"].colour in colours
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for field_file, name in ((build.plan, "bb-plan.png"), (build.iso, "bb-iso.png"),
                             (build.before_after, "bb-before-after.png")):
        with field_file.open("rb") as handle:
            (SCREENSHOTS / name).write_bytes(handle.read())


def test_a_broken_world_fails_the_capture_with_a_message_and_no_builds(generated, tmp_path, facilitator,
                                                                        django_capture_on_commit_callbacks):
    with generated.world_zip.open("rb") as handle:
        folder = unzip_world(handle.read(), tmp_path)
    region = folder / "region" / "r.0.0.mca"
    data = bytearray(region.read_bytes())
    data[8192 + 5:8192 + 64] = b"\x00" * 59  # damage the first chunk's compressed data
    region.write_bytes(bytes(data))
    upload = SimpleUploadedFile("build.zip", zip_folder(folder))
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_upload(session=generated, user=facilitator, upload=upload)
    item.refresh_from_db()
    assert item.state == "failed" and "damaged" in item.error
    assert not TeamBuild.objects.filter(capture=item).exists()


def test_live_snapshots_are_captured_like_uploads(generated, facilitator, django_capture_on_commit_callbacks):
    team = generated.teams.get(index=0)
    vol = services.site_volume(generated.site)
    legacy = np.vectorize(lambda i: palette.legacy(palette.block_name(int(i)))[0])(vol.blocks).astype(np.int16)
    x, z = _open_grass(vol)
    legacy[volume.SURFACE_Y + 1 - volume.BASE_Y, z, x] = 53  # a bench (oak stairs) placed live
    services.save_snapshot(team=team, blocks=legacy)
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_snapshots(session=generated, user=facilitator)
    item.refresh_from_db()
    assert item.state == "done", item.error
    build = TeamBuild.objects.get(capture=item, team=team)
    assert build.metrics["change"]["seats"] == 1
    assert Capture.objects.get(pk=item.pk).builds.count() == 1  # only teams with a snapshot
