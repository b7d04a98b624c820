"""Checks on JSON that comes from outside before it is stored in a JSON column."""

import json
import re


def has_nul(value) -> bool:
    """True if any key or string in the parsed JSON holds NUL: PostgreSQL's jsonb cannot store \\u0000.

    First the C encoder: it writes every NUL as \\u0000, so without that text in its output there is
    none (the common case, a fraction of the walk's CPU). With it (a NUL, or a backslash followed by
    "u0000" in some string), or for what it cannot encode, the walk below decides."""
    try:
        if "\\u0000" not in json.dumps(value):
            return False
    except (TypeError, ValueError, RecursionError):
        pass
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# Deeper than any honest xAPI statement, H5P manifest or badge assertion; shallow enough that every
# recursive reader after the parser (validators, pydantic, the JSON column's encoder) is safe.
MAX_DEPTH = 32


class UntrustedJSONError(ValueError):
    """JSON from outside that is malformed, too large or nested too deep (a clear refusal, never a 500)."""


def depth_exceeds(value, max_depth: int = MAX_DEPTH) -> bool:
    """True if the parsed JSON nests lists and objects deeper than max_depth (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_bounded(data: str | bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH, **kwargs):
    """json.loads for outside input: refuses more than max_bytes and nesting deeper than max_depth.

    The C decoder raises RecursionError on deep input before it returns; both that and the depth
    check after parsing become UntrustedJSONError, which callers turn into a 400 or a form error.
    """
    if len(data) > max_bytes:
        raise UntrustedJSONError(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UntrustedJSONError("not UTF-8") from error
    try:
        value = json.loads(data, **kwargs)
    except RecursionError as error:
        raise UntrustedJSONError("nested too deep") from error
    except ValueError as error:
        raise UntrustedJSONError(str(error)) from error
    # Nesting deeper than max_depth needs more than max_depth opening brackets in the text.
    if data.count("{") + data.count("[") > max_depth and depth_exceeds(value, max_depth):
        raise UntrustedJSONError("nested too deep")
    # A \ud800-\udfff escape without its pair decodes to a lone surrogate, which no UTF-8 text (nor
    # PostgreSQL, nor a hash of the value) can hold: refused here, as text that is not JSON would be.
    if _SURROGATE.search(data):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            raise UntrustedJSONError("a lone surrogate (\\ud800-\\udfff) in a string") from error
    return value


# An escaped surrogate (paired or not: the encode above tells), or one already in a str given to us.
_SURROGATE = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")
