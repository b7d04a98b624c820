"""Shared pieces of the fuzz tests: hypothesis settings, JSON values, and ways to damage a zip."""

import io
import json
import os
import struct
import warnings
import zipfile

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Modest: the whole of tests/fuzz stays well under a minute. Each test's examples share one
# database transaction and one MEDIA_ROOT, and compare before/after around every example.
# The same examples on every run by default, so a commit's suite passes or fails for its own code;
# SANGKAT_FUZZ_RANDOM=1 (and SANGKAT_FUZZ_EXAMPLES=500) explores new inputs, as a regular chore.
FUZZ = settings(
    max_examples=int(os.environ.get("SANGKAT_FUZZ_EXAMPLES", "50")),
    derandomize=os.environ.get("SANGKAT_FUZZ_RANDOM") != "1",
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout; failures print a reproduce blob
    print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no slow "explain"
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Text that breaks naive code: NUL, surrogates are excluded by JSON, but RTL marks, Khmer, emoji are in.
weird_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from("\x00/\\.:%\u202e\u17d2ក😀")),
    max_size=40,
)
# Text with at least one character that has broken storage or rendering somewhere: NUL (PostgreSQL
# text and JSON), other control characters (text layout), bidi overrides, Khmer coeng, emoji.
SPECIALS = ["\x00", "\x1e", "\x7f", "\u202e", "\u17d2", "\U0001f600", "\ufeff"]
hostile_text = st.tuples(weird_text, st.sampled_from(SPECIALS), weird_text).map("".join)
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    weird_text,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(weird_text, children, max_size=4),
    ),
    max_leaves=12,
)


def zip_entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info.filename)) for info in archive.infolist()]


def build_zip(entries: list[tuple[str, bytes]], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are one of the mutations
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def central_directory_offsets(data: bytes) -> list[int]:
    """Where each central directory header starts (signature PK\\x01\\x02)."""
    offsets, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def claim_sizes(data: bytes, index: int, *, compressed: int, uncompressed: int) -> bytes:
    """The same zip, but one entry's central directory header lies about its sizes."""
    offsets = central_directory_offsets(data)
    if not offsets:
        return data
    at = offsets[index % len(offsets)]
    patched = bytearray(data)
    struct.pack_into("<II", patched, at + 20, compressed & 0xFFFFFFFF, uncompressed & 0xFFFFFFFF)
    return bytes(patched)


def flip_bytes(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    damaged = bytearray(data)
    for position, mask in flips:
        damaged[position % len(damaged)] ^= mask or 1
    return bytes(damaged)


# Edits to a list of zip entries: drop, rename, replace the bytes, duplicate, or add one.
entry_edits = st.lists(
    st.one_of(
        st.tuples(st.just("drop"), st.integers(0, 50)),
        st.tuples(st.just("rename"), st.integers(0, 50), st.one_of(
            weird_text.filter(bool),
            st.sampled_from(["../evil.js", "/etc/passwd", "C:/x.json", "a//b.json", "./h5p.json",
                             "content/../../x.json", "H5P.JSON", "content/content.json/", "content\\x.json"]),
        )),
        st.tuples(st.just("replace"), st.integers(0, 50), st.binary(max_size=200)),
        st.tuples(st.just("duplicate"), st.integers(0, 50)),
        st.tuples(st.just("add"), weird_text.filter(bool), st.binary(max_size=100)),
    ),
    min_size=1, max_size=4,
)


def apply_edits(entries: list[tuple[str, bytes]], edits) -> list[tuple[str, bytes]]:
    entries = list(entries)
    for edit in edits:
        kind = edit[0]
        if kind == "add":
            entries.append((edit[1], edit[2]))
            continue
        if not entries:
            continue
        index = edit[1] % len(entries)
        name, data = entries[index]
        if kind == "drop":
            del entries[index]
        elif kind == "rename":
            entries[index] = (edit[2], data)
        elif kind == "replace":
            entries[index] = (name, edit[2])
        elif kind == "duplicate":
            entries.append((name, data))
    return entries


def set_path(value, path: list, new):
    """A copy of a JSON document with the value at `path` (keys/indices, taken modulo) replaced."""
    if not path:
        return new
    if isinstance(value, dict) and value:
        keys = sorted(value)
        key = keys[path[0] % len(keys)] if isinstance(path[0], int) else path[0]
        return {**value, key: set_path(value.get(key), path[1:], new)}
    if isinstance(value, list) and value:
        index = path[0] % len(value) if isinstance(path[0], int) else 0
        return [set_path(item, path[1:], new) if i == index else item for i, item in enumerate(value)]
    return new


def drop_path(value, path: list):
    if isinstance(value, dict) and value:
        keys = sorted(value)
        key = keys[path[0] % len(keys)] if path and isinstance(path[0], int) else None
        if key is None:
            return value
        if len(path) == 1:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: drop_path(value[key], path[1:])}
    if isinstance(value, list) and value and path:
        index = path[0] % len(value) if isinstance(path[0], int) else 0
        if len(path) == 1:
            return value[:index] + value[index + 1:]
        return [drop_path(item, path[1:]) if i == index else item for i, item in enumerate(value)]
    return value


json_paths = st.lists(st.one_of(st.integers(0, 20), weird_text), min_size=1, max_size=4)


def leaf_paths(document, prefix=()) -> list[list]:
    """The path (keys and indices) of every value that is not a dict or list, for set_path."""
    if isinstance(document, dict):
        return [path for key, value in document.items() for path in leaf_paths(value, (*prefix, key))]
    if isinstance(document, list):
        return [path for index, value in enumerate(document) for path in leaf_paths(value, (*prefix, index))]
    return [list(prefix)]


# Nested JSON, as text (json.dumps would itself recurse): lists, objects or both, from a few levels
# to far past the decoder's recursion limit, around a JSON value. Parsers of outside JSON must
# refuse it cleanly (cms.jsonchecks.loads_bounded), never raise RecursionError.
_OPENERS = {"list": ("[", "]"), "object": ('{"a":', "}"), "mixed": ('[{"a":', "}]")}
NESTED_MARK = "__sangkat_nested__"


def _nested_text(shape: str, depth: int, leaf) -> str:
    opener, closer = _OPENERS[shape]
    return opener * depth + json.dumps(leaf) + closer * depth


nested_json = st.builds(
    _nested_text,
    st.sampled_from(sorted(_OPENERS)),
    st.one_of(st.integers(1, 40), st.sampled_from([31, 32, 33, 100, 999, 1000, 5000, 20_000])),
    st.one_of(st.none(), st.integers(), weird_text),
)


def with_nested(document, path: list, nested: str) -> str:
    """The document as JSON text, with the nested JSON text at `path` (keys/indices modulo)."""
    text = json.dumps(set_path(document, path, NESTED_MARK))
    return text.replace(json.dumps(NESTED_MARK), nested, 1)
