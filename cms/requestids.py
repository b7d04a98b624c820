"""Ids that come in a request (POST fields, query strings): parsed as ids before any lookup.

`"abc"`, `"-1"`, `"1e9"`, `""`, `"²"`, a NUL or five thousand digits are not ids: they become None
(a form error or "not known" for the caller) or a 404, never a ValueError or an OverflowError
from the database (a 500).
"""

import re

from django.http import Http404

# The largest value of a 64-bit primary key: SQLite and PostgreSQL both refuse a larger number.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also accepts "²" and "١"


def parse_id(value) -> int | None:
    """The database id that `value` spells, or None if it spells none (including "0")."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value) -> int:
    """The database id that `value` spells, or Http404."""
    number = parse_id(value)
    if number is None:
        raise Http404
    return number
