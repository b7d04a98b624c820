"""Uploaded worlds cannot starve the worker (issue 15, item 8): block ids are per capture, one
work budget per upload, zips cannot expand without bound, installs are all or nothing, and an
empty team plot is a message, not a numpy error."""

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from nbtlib import Byte, Compound, List, LongArray, String

from games.minecraft import anvil, safezip, services
from games.minecraft.models import TeamBuild

LEVEL = anvil.level_dat(name="t", spawn=(0, 64, 0))


def _section(y: int, names: list[str], indices: np.ndarray) -> Compound:
    states = Compound({"palette": List[Compound]([Compound({"Name": String(n)}) for n in names])})
    if len(names) > 1:
        states["data"] = LongArray(anvil.pack(indices.astype(np.uint64), len(names)))
    return Compound({"Y": Byte(y), "block_states": states})


def _chunk(cx: int, cz: int, sections: list[Compound]) -> bytes:
    return zlib.compress(anvil.nbt_bytes(anvil.chunk_nbt(cx, cz, sections, [])))


def _world(regions: dict[tuple[int, int], bytes], *, root: str = "w") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{root}/level.dat", LEVEL)
        for (rx, rz), data in regions.items():
            archive.writestr(f"{root}/region/r.{rx}.{rz}.mca", data)
    return buffer.getvalue()


def _capture(session, user, data: bytes, capture_callbacks):
    with capture_callbacks(execute=True):
        item = services.request_capture_from_upload(
            session=session, user=user, upload=SimpleUploadedFile("build.zip", data))
    item.refresh_from_db()
    return item


def _many_names_world() -> bytes:
    """Two chunks of the first plot whose 16 sections (inside the capture window) each name 4,096
    different blocks: 65,536 block names in all."""
    indices = np.arange(4096)
    chunks = {}
    for cx in range(2):
        sections = [_section(3 + i, [f"sangkat:b{cx}_{i}_{n}" for n in range(4096)], indices) for i in range(8)]
        chunks[cx, 0] = _chunk(cx, 0, sections)
    return _world({(0, 0): anvil.region_bytes(chunks)})


def test_a_world_with_65k_block_names_is_refused_and_does_not_break_the_next_capture(
        generated, facilitator, django_capture_on_commit_callbacks):
    item = _capture(generated, facilitator, _many_names_world(), django_capture_on_commit_callbacks)
    assert item.state == "failed"
    assert "different kinds of block" in item.error
    # The next upload brings one block the palette does not know: it is read, measured, drawn.
    with generated.world_zip.open("rb") as handle:
        good = _with_a_lantern(handle.read())
    item = _capture(generated, facilitator, good, django_capture_on_commit_callbacks)
    assert item.state == "done", item.error
    assert TeamBuild.objects.filter(capture=item).count() == 2


def _with_a_lantern(world: bytes) -> bytes:
    """The generated world with the bedrock of chunk (0, 0) turned into lanterns."""
    source = zipfile.ZipFile(io.BytesIO(world))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("r.0.0.mca"):
                chunks = {}
                for lx, lz, nbt in anvil.region_chunks(data):
                    chunk = anvil.parse_nbt(nbt)
                    if (lx, lz) == (0, 0):
                        for state in chunk["sections"][0]["block_states"]["palette"]:
                            if state["Name"] == "minecraft:bedrock":
                                state["Name"] = String("minecraft:lantern")
                    chunks[lx, lz] = zlib.compress(anvil.nbt_bytes(chunk))
                data = anvil.region_bytes(chunks)
            out.writestr(info, data)
    return buffer.getvalue()


def _padded(elements: int) -> bytes:
    """A chunk padded with one list of `elements` bytes: one tag to a careless count, but nbtlib
    builds a Python object per element (4 million took 4.5 s)."""
    return (b"\x0a\x00\x00" + b"\x09\x00\x03pad\x01" + struct.pack(">i", elements) + bytes(elements)
            + b"\x00")


def test_every_element_of_a_list_counts_as_a_tag():
    anvil.check_nbt(_padded(1000), max_tags=1001)
    with pytest.raises(anvil.WorldFileError, match="too many tags"):
        anvil.check_nbt(_padded(1000), max_tags=999)


def _read(raw: bytes, budget=None, *, width=32 * 16, depth=32 * 16):
    kwargs = {"budget": budget} if budget is not None else {}
    return anvil.read_area(lambda rx, rz: raw if (rx, rz) == (0, 0) else None, x0=0, z0=0, width=width,
                           depth=depth, base_y=48, height=128, **kwargs)


def test_a_region_whose_1024_slots_point_at_one_chunk_is_refused():
    chunk = _chunk(0, 0, [_section(4, ["minecraft:air", "minecraft:stone"], np.arange(4096) % 2)])
    raw = bytearray(anvil.region_bytes({(0, 0): chunk}))
    location = struct.unpack_from(">I", raw, 0)[0]
    for index in range(1024):
        struct.pack_into(">I", raw, index * 4, location)
    with pytest.raises(anvil.WorldFileError, match="share"):
        list(anvil.region_chunks(bytes(raw)))


def test_padded_chunks_exhaust_the_uploads_work_budget_and_say_so():
    chunks = {(cx, 0): zlib.compress(_padded(300_000), 9) for cx in range(20)}
    raw = anvil.region_bytes(chunks)
    budget = anvil.WorkBudget.for_chunks(4)
    with pytest.raises(anvil.WorkBudgetExceeded) as caught:
        _read(raw, budget)
    assert "too much work" in str(caught.value.message)
    assert budget.spent["tags"] <= budget.limits["tags"]


def test_the_budget_is_shared_by_all_the_teams_of_an_upload():
    chunk = _chunk(0, 0, [_section(4 + i, ["minecraft:air", "minecraft:stone"], np.arange(4096) % 2)
                          for i in range(4)])
    raw = anvil.region_bytes({(0, 0): chunk})
    budget = anvil.WorkBudget.for_chunks(1)
    budget.limits["sections"] = 10
    _read(raw, budget, width=16, depth=16)
    _read(raw, budget, width=16, depth=16)
    with pytest.raises(anvil.WorkBudgetExceeded):
        _read(raw, budget, width=16, depth=16)


def test_chunks_outside_the_area_are_not_even_decompressed():
    chunks = {(cx, 0): b"\xff not even zlib" for cx in range(2, 32)}
    chunks[0, 0] = _chunk(0, 0, [_section(4, ["minecraft:air", "minecraft:stone"], np.arange(4096) % 2)])
    blocks = _read(anvil.region_bytes(chunks), width=16, depth=16)
    assert (blocks[16:32] != 0).sum() == 2048


def test_a_block_name_of_the_world_never_enters_another_captures_registry():
    from games.minecraft import palette

    first, second = palette.Registry(), palette.Registry()
    chunk = _chunk(0, 0, [_section(4, ["minecraft:air", "mod:thing"], np.arange(4096) % 2)])
    raw = anvil.region_bytes({(0, 0): chunk})
    anvil.read_area(lambda rx, rz: raw, x0=0, z0=0, width=16, depth=16, base_y=48, height=128,
                    registry=first)
    assert "mod:thing" in first.index and "mod:thing" not in second.index
    assert "mod:thing" not in palette.REGISTRY.index


# --- zips -------------------------------------------------------------------------------------

def _messages(data: bytes) -> str:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        safezip.open_world(io.BytesIO(data))
    return " ".join(caught.value.messages)


def test_entries_of_exactly_one_mib_cannot_slip_past_the_ratio_check():
    regions = {(i, 0): bytes(1024 * 1024) for i in range(3)}
    assert "zip bomb" in _messages(_world(regions))


def test_many_small_entries_cannot_add_up_to_a_bomb():
    regions = {(i, 0): bytes(60 * 1024) for i in range(200)}  # 12 MB from ~100 KB
    assert "zip bomb" in _messages(_world(regions))


def test_a_real_world_zip_still_opens(generated):
    with generated.world_zip.open("rb") as handle:
        world = safezip.open_world(io.BytesIO(handle.read()))
    assert world.region_entries


# --- the empty plot -----------------------------------------------------------------------------

def test_a_world_whose_team_plot_is_empty_fails_with_a_clear_message(
        generated, facilitator, django_capture_on_commit_callbacks):
    empty = anvil.region_bytes({})
    item = _capture(generated, facilitator, _world({(0, 0): empty}), django_capture_on_commit_callbacks)
    assert item.state == "failed"
    assert "empty" in item.error and "numpy" not in item.error and "array" not in item.error


def test_an_empty_volume_still_draws():
    from games.minecraft import capture, render

    blocks = np.zeros((128, 32, 32), dtype=np.uint16)
    image = render.isometric(blocks, capture.DEFAULT_CATEGORIES, title="t", width=30, depth=30)
    assert image.width > 0


def test_the_budget_grows_with_the_plots_but_not_past_its_ceiling():
    small, big = anvil.WorkBudget.for_chunks(1), anvil.WorkBudget.for_chunks(8 * 64 * 64)
    assert small.limits["tags"] == anvil.MIN_CHUNKS * anvil.PER_CHUNK["tags"]
    assert big.limits["tags"] == anvil.CEILING["tags"] and big.limits["bytes"] == anvil.CEILING["bytes"]
    assert big.limits["chunks"] == 8 * 64 * 64


def test_a_live_snapshot_with_too_many_block_ids_fails_with_the_same_message(
        generated, facilitator, django_capture_on_commit_callbacks):
    team = generated.teams.get(index=0)
    blocks = np.arange(16 * 32 * 32, dtype=np.int16).reshape(16, 32, 32) + 300  # 16,384 unknown ids
    services.save_snapshot(team=team, blocks=blocks)
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_capture_from_snapshots(session=generated, user=facilitator)
    item.refresh_from_db()
    assert item.state == "failed" and "different kinds of block" in item.error
