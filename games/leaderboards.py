"""The top of each leaderboard, kept in the shared cache and dropped by the points writes that move it.

A board is one scope and period: overall, a center's or a course's; all time or one week. Its top
rows (who, points, the public name) are read from the database once and kept, one key per board,
with the two generation numbers they were read under: the board's own, and one for everything
(someone hid herself, changed her nickname, lost a guardian's consent); a top whose numbers are no
longer the current ones is never served. Numbers and top come in one get_many. A points write, once it commits, looks up the
boards it touches and bumps a board's generation only when the write can change its top: the person
is listed there, her new total reaches the lowest listed one, the top is not full, or the board is
not kept (a reader may be filling it with what it read before the write). So a quiet learner's
points do not empty the overall board of a busy city.

The viewer's own rank line is never cached (selectors.leaderboard reads it each time): she sees her
points the moment she earns them. Entries also expire (ENTRY_SECONDS), which bounds what a lost
bump (a cache server restarted between a write and its bump) can leave behind.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

ENTRY_SECONDS = 300
_EVERYTHING = "games:lb:gen"


@dataclass(frozen=True)
class Entry:
    """One listed person: her id, points, and the name she chose to show (None: 'Learner')."""

    user_id: int
    points: int
    label: str | None


def board_id(scope: str, period: str, ident, week) -> str:
    """The board's name: scope, period and what it is of (a center, a course); weeks by date."""
    return f"{scope}:{ident or '-'}:{period}:{week.isoformat() if period == 'week' else 'all'}"


def _gen_key(board: str) -> str:
    return f"games:lb:gen:{board}"


def _top_key(board: str) -> str:
    return f"games:lb:top:{board}"


def _current(got: dict, board: str) -> tuple:
    """The generations a kept top must carry to be current: everything's and the board's own."""
    return got.get(_EVERYTHING) or 0, got.get(_gen_key(board)) or 0


def top(board: str, size: int, read) -> list[Entry]:
    """The board's top `size` entries: from the cache, or `read()` (and then kept).

    One cache round trip for a kept top: the generations and the top (which carries the generations
    it was read under) in one get_many."""
    got = cache.get_many([_EVERYTHING, _gen_key(board), _top_key(board)])
    gens = _current(got, board)
    kept = got.get(_top_key(board))
    if kept is not None and kept[0] == gens and kept[1] >= size:
        return kept[2][:size]
    entries = read()
    # Tagged with the generations read BEFORE read(): a write that commits meanwhile bumps one of them,
    # so what this stores is then never served (the next reader reads afresh).
    cache.set(_top_key(board), (gens, size, entries), ENTRY_SECONDS)
    return entries


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never bumped yet (or evicted): start past the implicit 0
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


def everything_changed() -> None:
    """Who may be listed, or under which name, changed: every board is read afresh (after commit)."""
    transaction.on_commit(lambda: _bump(_EVERYTHING))


def points_changed(user_id: int, totals: dict[str, int]) -> None:
    """After commit: `totals` maps each board the write touched to the person's new points there."""
    if totals:
        transaction.on_commit(lambda: _drop_moved(user_id, totals))


def _drop_moved(user_id: int, totals: dict[str, int]) -> None:
    got = cache.get_many([_EVERYTHING, *(_gen_key(board) for board in totals), *(_top_key(board) for board in totals)])
    moved = []
    for board, points in totals.items():
        kept = got.get(_top_key(board))
        if kept is not None and kept[0] == _current(got, board):
            _gens, size, entries = kept
            if not (any(e.user_id == user_id for e in entries) or len(entries) < size
                    or points >= entries[-1].points):
                continue  # she is not listed and does not reach the lowest listed points
        # Bumped also when not kept (or kept under older generations): a reader may be filling it
        # with what it read before this commit.
        moved.append(_gen_key(board))
    _bump_many(moved)


def _bump_many(keys: list[str]) -> None:
    """Bump several generations: with Redis in one round trip (INCR starts a missing key at 1, as
    _bump does, and keeps no expiry), elsewhere one by one."""
    if not keys:
        return
    client = _redis_client()
    if client is None:
        for key in keys:
            _bump(key)
        return
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.incr(cache.make_and_validate_key(key))
    pipe.execute()


def _redis_client():
    """The shared cache's redis-py client, or None when the cache is not Redis (tests, one process)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None
