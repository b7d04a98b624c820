"""The top of each leaderboard, kept in the shared cache and dropped by the points writes that move it.

A board is one scope and period: overall, a center's or a course's; all time or one week. Its top
rows (who, points, the public name) are read from the database once and kept under a key that
carries two generation numbers: the board's own, and one for everything (someone hid herself,
changed her nickname, lost a guardian's consent). A points write, once it commits, looks up the
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


def _entry_key(everything, own, board: str) -> str:
    return f"games:lb:{everything or 0}:{own or 0}:{board}"


def top(board: str, size: int, read) -> list[Entry]:
    """The board's top `size` entries: from the cache, or `read()` (and then kept)."""
    gens = cache.get_many([_EVERYTHING, _gen_key(board)])
    key = _entry_key(gens.get(_EVERYTHING), gens.get(_gen_key(board)), board)
    kept = cache.get(key)
    if kept is not None and kept[0] >= size:
        return kept[1][:size]
    entries = read()
    cache.set(key, (size, entries), ENTRY_SECONDS)
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
    gen_keys = {board: _gen_key(board) for board in totals}
    gens = cache.get_many([_EVERYTHING, *gen_keys.values()])
    entry_keys = {board: _entry_key(gens.get(_EVERYTHING), gens.get(gen_keys[board]), board) for board in totals}
    kept = cache.get_many(list(entry_keys.values()))
    moved = []
    for board, points in totals.items():
        entry = kept.get(entry_keys[board])
        if entry is not None:
            size, entries = entry
            if not (any(e.user_id == user_id for e in entries) or len(entries) < size
                    or points >= entries[-1].points):
                continue  # she is not listed and does not reach the lowest listed points
        # Bumped also when not kept: a reader may be filling it with what it read before this commit.
        moved.append(gen_keys[board])
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
