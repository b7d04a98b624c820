"""Every way a `.h5p` is rejected: one clear message, and nothing written (no rows, no files)."""

import io
import json
import zipfile

import pytest

from courses.h5p.models import H5PLibrary, H5PPackage
from courses.h5p.services import install_package
from courses.h5p.validation import PackageRejected, validate_package
from tests.h5p.conftest import good_package, rebuild, stored_files, zip_of

pytestmark = pytest.mark.django_db

LIB = "Sangkat.Choice-1.0"


def rejected(data: bytes, media) -> str:
    with pytest.raises(PackageRejected) as caught:
        install_package(source=io.BytesIO(data))
    assert H5PPackage.objects.count() == 0
    assert H5PLibrary.objects.count() == 0
    assert stored_files(media) == []
    return caught.value.message


def test_a_good_package_validates():
    validated = validate_package(io.BytesIO(good_package()))
    assert validated.title == "Strong passwords"
    assert str(validated.main_library) == "Sangkat.Choice 1.0"
    assert [str(library.ref) for library in validated.libraries] == ["Sangkat.Choice 1.0"]


def test_not_a_zip(media):
    assert "not a complete .h5p" in rejected(b"hello, I am not a zip", media)


def test_truncated_zip(media):
    data = good_package()
    assert "not a complete .h5p" in rejected(data[: len(data) // 2], media)


def test_damaged_file_inside(media):
    data = bytearray(good_package())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(f"{LIB}/choice.js")
    # Flip bytes inside the compressed data of one file: the CRC check fails while reading.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    data[start:start + 20] = bytes(20)
    assert "damaged" in rejected(bytes(data), media)


def test_missing_h5p_json(media):
    assert "no h5p.json" in rejected(rebuild(good_package(), drop={"h5p.json"}), media)


def test_h5p_json_is_not_json(media):
    assert "h5p.json is not valid JSON" in rejected(rebuild(good_package(), replace={"h5p.json": b"{title: oops"}), media)


def test_h5p_json_without_main_library(media):
    data = rebuild(good_package(), replace={"h5p.json": json.dumps({"title": "x", "preloadedDependencies": []}).encode()})
    assert "mainLibrary" in rejected(data, media)


def test_h5p_json_without_dependencies(media):
    data = rebuild(good_package(), replace={"h5p.json": json.dumps({"title": "x", "mainLibrary": "Sangkat.Choice"}).encode()})
    assert "preloadedDependencies" in rejected(data, media)


def test_missing_content_json(media):
    assert "content/content.json" in rejected(rebuild(good_package(), drop={"content/content.json"}), media)


def test_content_json_is_not_json(media):
    data = rebuild(good_package(), replace={"content/content.json": b"\xff\xfe not json"})
    assert "content/content.json is not valid JSON" in rejected(data, media)


def test_missing_library(media):
    data = rebuild(good_package(), drop={f"{LIB}/library.json", f"{LIB}/choice.js", f"{LIB}/choice.css", f"{LIB}/semantics.json"})
    assert "needs the library Sangkat.Choice 1.0" in rejected(data, media)


def test_library_folder_without_library_json(media):
    assert "has no library.json" in rejected(rebuild(good_package(), drop={f"{LIB}/library.json"}), media)


def test_library_json_missing_a_listed_file(media):
    assert "choice.js" in rejected(rebuild(good_package(), drop={f"{LIB}/choice.js"}), media)


def test_extension_not_allowed_in_content(media):
    assert "(.js)" in rejected(rebuild(good_package(), add={"content/evil.js": b"alert(1)"}), media)


def test_extension_not_allowed_anywhere(media):
    assert "(.php)" in rejected(rebuild(good_package(), add={f"{LIB}/shell.php": b"<?php"}), media)


def test_file_at_top_level(media):
    assert "not allowed at the top" in rejected(rebuild(good_package(), add={"readme.txt": b"hi"}), media)


def test_absolute_path(media):
    assert "absolute path" in rejected(rebuild(good_package(), add={"/etc/passwd.txt": b"x"}), media)


def test_parent_directory(media):
    assert "outside the package" in rejected(rebuild(good_package(), add={"content/../../x.json": b"{}"}), media)


def test_backslash(media):
    assert "backslash" in rejected(rebuild(good_package(), add={"content\\images\\a.png": b"x"}), media)


def test_symlink(media):
    info = zipfile.ZipInfo("content/link.json")
    info.external_attr = (0o120777 << 16)
    data = rebuild(good_package())
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(info, "/etc/passwd")
    assert "symbolic link" in rejected(buffer.getvalue(), media)


def test_duplicate_names(media):
    buffer = io.BytesIO(good_package())
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("content/content.json", "{}")
    assert "appears twice" in rejected(buffer.getvalue(), media)


def test_duplicate_names_differing_in_case(media):
    data = rebuild(good_package(), add={"content/Content.JSON": b"{}"})
    assert "appears twice" in rejected(data, media)


def test_too_many_files(media, settings):
    settings.H5P_MAX_FILES = 10
    data = rebuild(good_package(), add={f"content/images/{n}.png": b"x" for n in range(10)})
    assert "more than 10 files" in rejected(data, media)


def test_too_big_unpacked(media, settings):
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 200_000
    data = rebuild(good_package(), add={"content/video.mp4": bytes(range(256)) * 1000})
    assert "bigger than" in rejected(data, media)


def test_zip_bomb_ratio(media):
    data = rebuild(good_package(), add={"content/zeros.txt": bytes(10 * 1024 * 1024)})
    assert "zip bomb" in rejected(data, media)


def central_entry(data: bytes, name: str) -> int:
    """Offset of a file's entry in the zip's central directory (where readers take sizes and flags)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    offset = archive.start_dir
    while data[offset:offset + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = (
            int.from_bytes(data[offset + at:offset + at + 2], "little") for at in (28, 30, 32)
        )
        if data[offset + 46:offset + 46 + name_length].decode() == name:
            return offset
        offset += 46 + name_length + extra_length + comment_length
    raise LookupError(name)


def test_sizes_in_headers_are_not_trusted(media, settings):
    """A header claiming a small size: the real bytes are counted (and checked) while reading."""
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 100_000
    payload = bytes(range(256)) * 800  # 204,800 bytes, barely compressible
    data = bytearray(rebuild(good_package(), add={"content/big.txt": payload}))
    entry = central_entry(bytes(data), "content/big.txt")
    assert int.from_bytes(data[entry + 24:entry + 28], "little") == len(payload)
    data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")
    message = rejected(bytes(data), media)
    assert "damaged" in message or "bigger" in message


def test_main_library_not_in_dependencies(media):
    h5p = {"title": "x", "mainLibrary": "Sangkat.Other",
           "preloadedDependencies": [{"machineName": "Sangkat.Choice", "majorVersion": 1, "minorVersion": 0}]}
    data = rebuild(good_package(), replace={"h5p.json": json.dumps(h5p).encode()})
    assert "main library Sangkat.Other" in rejected(data, media)


def test_library_folder_named_wrongly(media):
    package = good_package()
    source = zipfile.ZipFile(io.BytesIO(package))
    files = {
        info.filename.replace(LIB, "Other.Name-1.0"): source.read(info.filename) for info in source.infolist()
    }
    assert "must be called" in rejected(zip_of(files), media)


def test_encrypted_file(media):
    data = bytearray(good_package())
    entry = central_entry(bytes(data), "content/content.json")
    data[entry + 8] |= 0x1  # the "encrypted" general-purpose flag
    assert "encrypted" in rejected(bytes(data), media)
