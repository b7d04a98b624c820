"""Fuzzing uploaded world saves: any bytes end in a clean ValidationError or a readable world.

safezip.open_world raises only ValidationError (with a message) or returns a world whose regions
read back, or fail with WorldFileError/ValidationError (what the capture task reports). The upload
service refuses with CoDesignError and then stores no Capture row and no file.
"""

import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import example, given
from hypothesis import strategies as st

from games.minecraft import anvil, safezip, services
from games.minecraft.models import Capture
from tests.fuzz.strategies import (
    FUZZ,
    apply_edits,
    build_zip,
    claim_sizes,
    entry_edits,
    flip_bytes,
)

LEVEL = anvil.level_dat(name="fuzz", spawn=(0, 64, 0))
REGION = anvil.region_bytes({(0, 0): zlib.compress(b"\x0a\x00\x00\x00"), (1, 0): zlib.compress(b"\x0a\x00\x00\x00")})
ENTRIES = [("world/level.dat", LEVEL), ("world/region/r.0.0.mca", REGION), ("world/region/r.-1.0.mca", REGION)]
VALID = build_zip(ENTRIES)


def _open_or_reject(data: bytes) -> None:
    try:
        world = safezip.open_world(SimpleUploadedFile("world.zip", data))
    except ValidationError as error:
        assert error.messages and all(str(message).strip() for message in error.messages)
        return
    assert world.region_entries
    for rx, rz in world.region_entries:
        try:
            raw = world.region(rx, rz)
            list(anvil.region_chunks(raw))
        except (ValidationError, anvil.WorldFileError):
            pass  # the capture task turns these into "the world is damaged"


def test_the_unchanged_world_opens():
    """The fuzzing below starts from a valid world, so mutations test the checks."""
    world = safezip.open_world(SimpleUploadedFile("world.zip", VALID))
    assert set(world.region_entries) == {(0, 0), (-1, 0)}


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes(data):
    with pytest.raises(ValidationError):
        safezip.open_world(SimpleUploadedFile("world.zip", data))


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_flipped_bytes(flips):
    _open_or_reject(flip_bytes(VALID, flips))


@FUZZ
@given(edits=entry_edits)
@example(edits=[("rename", 0, "\x00")])  # zipfile cuts the name at NUL: an empty name broke is_dir()
def test_dropped_renamed_replaced_and_added_entries(edits):
    _open_or_reject(build_zip(apply_edits(ENTRIES, edits)))


@FUZZ
@given(index=st.integers(0, len(ENTRIES) - 1), compressed=st.integers(0, 2**32 - 1),
       uncompressed=st.integers(0, 2**32 - 1))
def test_sizes_in_the_zip_that_lie(index, compressed, uncompressed):
    _open_or_reject(claim_sizes(VALID, index, compressed=compressed, uncompressed=uncompressed))


@FUZZ
@given(level=st.one_of(st.binary(max_size=300), st.lists(st.tuples(st.integers(0, len(LEVEL) - 1),
                                                                    st.integers(1, 255)), max_size=6)
                       .map(lambda flips: flip_bytes(LEVEL, flips) if flips else LEVEL)))
def test_damaged_level_dat(level):
    _open_or_reject(build_zip([("world/level.dat", level), *ENTRIES[1:]]))


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6))
@pytest.mark.django_db
def test_a_refused_upload_stores_nothing(media, codesign, facilitator, flips):
    before = (Capture.objects.count(), sorted(p for p in media.rglob("*") if p.is_file()))
    upload = SimpleUploadedFile("world.zip", flip_bytes(VALID, flips))
    try:
        services.request_capture_from_upload(session=codesign, user=facilitator, upload=upload)
    except services.CoDesignError as error:
        assert str(error.message).strip()
        assert (Capture.objects.count(), sorted(p for p in media.rglob("*") if p.is_file())) == before
        return
    assert Capture.objects.count() == before[0] + 1
