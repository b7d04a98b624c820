"""Fuzzing H5P uploads: any bytes end in PackageRejected with a message, or in an installed package.

After a rejection no H5PPackage or H5PLibrary row and no file in MEDIA_ROOT is left behind.
"""

import io
import json
import zipfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from courses.h5p import services
from courses.h5p.models import H5PLibrary, H5PPackage
from courses.h5p.packaging import demo_package
from courses.h5p.validation import PackageRejected
from tests.fuzz.strategies import (
    FUZZ,
    apply_edits,
    build_zip,
    claim_sizes,
    drop_path,
    entry_edits,
    flip_bytes,
    json_paths,
    json_values,
    nested_json,
    set_path,
    with_nested,
    zip_entries,
)

pytestmark = pytest.mark.django_db

VALID = demo_package("en")
ENTRIES = zip_entries(VALID)
JSON_FILES = ["h5p.json", "content/content.json", "Sangkat.Choice-1.0/library.json"]


def _state(media):
    files = {str(path.relative_to(media)): path.read_bytes() for path in media.rglob("*") if path.is_file()}
    libraries = list(H5PLibrary.objects.order_by("pk").values_list(
        "pk", "machine_name", "major_version", "minor_version", "patch_version", "storage_path"))
    return H5PPackage.objects.count(), libraries, files


def _install_or_reject(data: bytes, media) -> None:
    before = _state(media)
    try:
        package = services.install_package(source=io.BytesIO(data))
    except PackageRejected as rejected:
        assert isinstance(rejected.message, str) and rejected.message.strip()
        assert _state(media) == before, "a rejected package left rows or files behind"
        return
    package.refresh_from_db()
    assert package.storage_path and (media / package.storage_path / "h5p.json").is_file()
    assert H5PPackage.objects.count() == before[0] + 1


def test_the_unchanged_demo_package_installs(media):
    """The fuzzing below starts from a package that is valid, so mutations test the checks."""
    package = services.install_package(source=io.BytesIO(VALID))
    assert package.libraries.count() == 1


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_are_rejected(media, data):
    with pytest.raises(PackageRejected):
        _install_or_reject(data, media)
        raise PackageRejected("installed")  # random bytes are never a valid package


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8))
@example(flips=[(4067, 64)])  # a central directory claiming zip version 8.4: zipfile raised NotImplementedError
def test_flipped_bytes(media, flips):
    _install_or_reject(flip_bytes(VALID, flips), media)


@FUZZ
@given(edits=entry_edits)
def test_dropped_renamed_replaced_and_added_entries(media, edits):
    _install_or_reject(build_zip(apply_edits(ENTRIES, edits)), media)


@FUZZ
@given(index=st.integers(0, len(ENTRIES) - 1), compressed=st.integers(0, 2**32 - 1),
       uncompressed=st.integers(0, 2**32 - 1))
def test_sizes_in_the_zip_that_lie(media, index, compressed, uncompressed):
    _install_or_reject(claim_sizes(VALID, index, compressed=compressed, uncompressed=uncompressed), media)


@FUZZ
@given(file=st.sampled_from(JSON_FILES), path=json_paths, value=json_values, drop=st.booleans())
def test_mutated_json_inside_the_package(media, file, path, value, drop):
    entries = dict(ENTRIES)
    document = json.loads(entries[file])
    document = drop_path(document, path) if drop else set_path(document, path, value)
    entries[file] = json.dumps(document, ensure_ascii=False).encode()
    _install_or_reject(build_zip(list(entries.items())), media)


@FUZZ
@given(key=st.sampled_from(["majorVersion", "minorVersion", "patchVersion", "machineName", "title"]),
       value=st.one_of(st.integers(min_value=0, max_value=2**80), st.text(max_size=300),
                       st.from_regex(r"\A[0-9]{1,30}\Z")),
       mirror=st.booleans())
def test_library_versions_and_names_at_the_edges(media, key, value, mirror):
    """Versions that are digits but do not fit a database integer, names at the length limit."""
    entries = dict(ENTRIES)
    library = json.loads(entries["Sangkat.Choice-1.0/library.json"])
    library[key] = value
    entries["Sangkat.Choice-1.0/library.json"] = json.dumps(library).encode()
    if mirror and key != "patchVersion":  # the content asks for the changed library too
        h5p = json.loads(entries["h5p.json"])
        h5p["preloadedDependencies"][0][key] = value
        entries["h5p.json"] = json.dumps(h5p).encode()
    _install_or_reject(build_zip(list(entries.items())), media)


@FUZZ
@given(file=st.sampled_from(JSON_FILES), path=json_paths, nested=nested_json)
def test_nested_json_inside_the_package(media, file, path, nested):
    """Lists and objects nested from a few levels to far past the decoder's recursion limit, at
    any place of h5p.json, content.json or library.json: installed or refused, never a crash.
    Stored uncompressed: nested brackets compress past the zip-bomb ratio otherwise."""
    entries = dict(ENTRIES)
    entries[file] = with_nested(json.loads(entries[file]), path, nested).encode()
    _install_or_reject(build_zip(list(entries.items()), compression=zipfile.ZIP_STORED), media)
