"""Untrusted world zips: every check refuses with a clear message and nothing is stored."""

import gzip
import io
import os
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from games.minecraft import anvil, safezip, services
from games.minecraft.models import Capture

LEVEL = anvil.level_dat(name="t", spawn=(0, 64, 0))


def _region_with(nbt: bytes) -> bytes:
    return anvil.region_bytes({(0, 0): zlib.compress(nbt)})


def _zip(entries, *, symlink=None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    buffer.seek(0)
    return buffer


def _messages(upload):
    with pytest.raises(ValidationError) as caught:
        safezip.open_world(upload)
    return " ".join(caught.value.messages)


def test_a_good_world_opens():
    world = safezip.open_world(_zip({"w/level.dat": LEVEL, "w/region/r.0.0.mca": _region_with(b"\x0a\x00\x00\x00")}))
    assert set(world.region_entries) == {(0, 0)} and world.level["LevelName"] == "t"


def test_not_a_zip():
    assert "not a zip" in _messages(io.BytesIO(b"MZ this is an exe"))


def test_too_big(monkeypatch):
    monkeypatch.setattr(safezip, "MAX_UPLOAD_BYTES", 1000)
    assert "too big" in _messages(_zip({"w/level.dat": LEVEL, "w/region/r.0.0.mca": os.urandom(5000)}))


def test_too_many_files(monkeypatch):
    monkeypatch.setattr(safezip, "MAX_ENTRIES", 3)
    assert "too many files" in _messages(_zip({f"w/f{i}": b"" for i in range(4)}))


def test_zip_bomb():
    assert "zip bomb" in _messages(_zip({"w/level.dat": LEVEL, "w/region/r.0.0.mca": bytes(20 * 1024 * 1024)}))


def test_path_traversal():
    assert "outside its folder" in _messages(_zip({"w/level.dat": LEVEL, "w/../../evil.mca": b"x"}))


def test_absolute_path():
    assert "absolute path" in _messages(_zip({"w/level.dat": LEVEL, "/etc/cron.d/evil": b"x"}))


def test_symlink():
    assert "symbolic link" in _messages(_zip({"w/level.dat": LEVEL}, symlink="w/region/r.0.0.mca"))


def test_no_world_folder():
    assert "level.dat" in _messages(_zip({"readme.txt": b"hello"}))


def test_damaged_level_dat():
    assert "damaged" in _messages(_zip({"w/level.dat": gzip.compress(b"\x0a\x00"), "w/region/r.0.0.mca": b""}))


def test_only_level_dat_and_regions_are_read():
    world = safezip.open_world(_zip({"w/level.dat": LEVEL, "w/region/r.0.0.mca": b"",
                                     "w/datapacks/evil/data.mcfunction": b"execute", "w/run.sh": b"rm -rf /",
                                     "w/region/notes.mca.txt": b""}))
    assert set(world.region_entries) == {(0, 0)}


def _nested(depth: int) -> bytes:
    # A compound holding a compound ... `depth` deep, then ends.
    body = b"".join(b"\x0a\x00\x01a" for _ in range(depth)) + b"\x00" * (depth + 1)
    return b"\x0a\x00\x00" + body


def test_nbt_nested_too_deep_is_refused():
    anvil.check_nbt(_nested(10))
    with pytest.raises(anvil.WorldFileError, match="deep"):
        anvil.check_nbt(_nested(500))


def test_nbt_that_lies_about_lengths_is_refused():
    with pytest.raises(anvil.WorldFileError):
        anvil.check_nbt(b"\x0a\x00\x00\x0c\x00\x01a" + struct.pack(">i", 1 << 30))


def test_chunk_that_expands_too_much_is_refused():
    bomb = zlib.compress(b"\x0a\x00\x00" + bytes(anvil.MAX_CHUNK_NBT + 10))
    with pytest.raises(anvil.WorldFileError, match="expands"):
        list(anvil.region_chunks(anvil.region_bytes({(0, 0): bomb})))


def test_chunk_pointing_outside_the_file_is_refused():
    raw = bytearray(anvil.region_bytes({(0, 0): zlib.compress(b"\x0a\x00\x00\x00")}))
    struct.pack_into(">I", raw, 0, (900 << 8) | 1)
    with pytest.raises(anvil.WorldFileError, match="outside"):
        list(anvil.region_chunks(bytes(raw)))


def test_a_refused_upload_stores_nothing(codesign, facilitator):
    upload = SimpleUploadedFile("bad.zip", _zip({"w/level.dat": LEVEL, "w/../evil": b"x"}).getvalue())
    with pytest.raises(services.CoDesignError, match="outside its folder"):
        services.request_capture_from_upload(session=codesign, user=facilitator, upload=upload)
    assert not Capture.objects.exists()
