"""The top of each leaderboard and each viewer's own line, kept in the shared cache and dropped by the
points writes that move them.

A board is one scope and period: overall, a center's or a course's; all time or one week. Its top
rows (who, points, the public name) are read from the database once and kept, one key per board,
with the two generation numbers they were read under: the board's own, and one for everything
(someone hid herself, changed her nickname or center, lost a guardian's consent); a top whose
numbers are no longer the current ones is never served. A points write, once it commits, bumps a
board's generation only when the write can change its top: the person is listed there, her new
total reaches the lowest listed one, the top is not full, or the board is not kept (a reader may be
filling it with what it read before the write). So a quiet learner's points do not empty the overall
board of a busy city.

The viewer's own line (her points, how many are ahead of her, the name she chose) is exact, never
stale: it is kept per viewer and board under the board's write count, which EVERY points write to
the board bumps (anyone's points can move her rank), and under the everything generation. A read
with no write since takes it from the cache; any write sends the next read to the database.

Reads are one cache round trip (generations, top, write count and her line in one get_many). With
Redis, a write's check and bumps are one round trip too: a Lua script reads a plain copy of each
kept top's floor (its generations, size, lowest points and listed ids) and bumps what must move.
Entries also expire (ENTRY_SECONDS), which bounds what a lost bump (a cache server restarted between
a write and its bump) can leave behind; counters that were lost start again from the clock, never
from a number an older entry could carry.
"""

import json
import time
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


@dataclass(frozen=True)
class Mine:
    """The viewer's own line on a board: her points, how many people have more, her leaderboard choice."""

    points: int
    ahead: int
    choice: str | None


def board_id(scope: str, period: str, ident, week) -> str:
    """The board's name: scope, period and what it is of (a center, a course); weeks by date."""
    return f"{scope}:{ident or '-'}:{period}:{week.isoformat() if period == 'week' else 'all'}"


def _gen_key(board: str) -> str:
    return f"games:lb:gen:{board}"


def _top_key(board: str) -> str:
    return f"games:lb:top:{board}"


def _floor_key(board: str) -> str:
    """Redis only: the kept top's floor as plain JSON, for the write script to read."""
    return f"games:lb:floor:{board}"


def _writes_key(board: str) -> str:
    return f"games:lb:writes:{board}"


def _mine_key(board: str, user_id: int) -> str:
    return f"games:lb:mine:{board}:{user_id}"


def _current(got: dict, board: str) -> tuple:
    """The generations a kept top must carry to be current: everything's and the board's own."""
    return got.get(_EVERYTHING) or 0, got.get(_gen_key(board)) or 0


def _clock() -> int:
    """Where a lost or new counter starts: microseconds of the clock, past any number it had before."""
    return time.time_ns() // 1000


def read(board: str, size: int, read_top, viewer_id: int | None = None, read_mine=None):
    """The board's top `size` entries and, with a viewer, her own line (a Mine, or None when she has no
    points there): from the cache, or read_top() / read_mine() (and then kept). One cache round trip
    when both are kept."""
    keys = [_EVERYTHING, _gen_key(board), _top_key(board)]
    if viewer_id is not None:
        keys += [_writes_key(board), _mine_key(board, viewer_id)]
    got = cache.get_many(keys)
    gens = _current(got, board)
    kept = got.get(_top_key(board))
    if kept is not None and kept[0] == gens and kept[1] >= size:
        entries = kept[2][:size]
    else:
        entries = read_top()
        # Tagged with the generations read BEFORE read_top(): a write that commits meanwhile bumps one
        # of them, so what this stores is then never served (the next reader reads afresh).
        _keep_top(board, gens, size, entries)
    if viewer_id is None:
        return entries, None
    writes = got.get(_writes_key(board))
    tag = (gens[0], writes)
    kept_mine = got.get(_mine_key(board, viewer_id))
    if writes is not None and kept_mine is not None and kept_mine[0] == tag:
        return entries, kept_mine[1]
    mine = read_mine()
    if writes is None:  # no write counted yet: start the count, so the next read can keep her line
        cache.add(_writes_key(board), _clock(), timeout=None)
    else:  # under the count read BEFORE read_mine(), as the top
        cache.set(_mine_key(board, viewer_id), (tag, mine), ENTRY_SECONDS)
    return entries, mine


def top(board: str, size: int, read_top) -> list[Entry]:
    """The board's top `size` entries alone (no viewer)."""
    return read(board, size, read_top)[0]


def _keep_top(board: str, gens: tuple, size: int, entries: list[Entry]) -> None:
    client = _redis_client()
    if client is None:
        cache.set(_top_key(board), (gens, size, entries), ENTRY_SECONDS)
        return
    backend = _redis_backend()
    floor = [gens[0], gens[1], size, len(entries), entries[-1].points if entries else 0,
             [e.user_id for e in entries]]
    pipe = client.pipeline(transaction=False)
    pipe.set(cache.make_and_validate_key(_top_key(board)), backend._cache._serializer.dumps((gens, size, entries)),
             ex=ENTRY_SECONDS)
    pipe.set(cache.make_and_validate_key(_floor_key(board)), json.dumps(floor), ex=ENTRY_SECONDS)
    pipe.execute()


def everything_changed() -> None:
    """Who may be listed, or under which name, changed: every board is read afresh (after commit)."""
    transaction.on_commit(lambda: _bump(_EVERYTHING))


def points_changed(user_id: int, totals: dict[str, int]) -> None:
    """After commit: `totals` maps each board the write touched to the person's new points there."""
    if totals:
        transaction.on_commit(lambda: _drop_moved(user_id, totals))


def _moves_top(kept, gens: tuple, user_id: int, points: int) -> bool:
    """Whether a write of `points` for `user_id` can change a board's top (the rule the script keeps too)."""
    if kept is None or kept[0] != gens:
        # Also when not kept (or kept under older generations): a reader may be filling it with what it
        # read before this commit.
        return True
    _gens, size, entries = kept
    return any(e.user_id == user_id for e in entries) or len(entries) < size or points >= entries[-1].points


def _drop_moved(user_id: int, totals: dict[str, int]) -> None:
    backend = _redis_backend()
    if backend is not None:
        client = backend._cache.get_client(write=True)
        # Our own short ASCII keys: made by the backend directly, without the memcached key checks
        # (19 keys for an event that moves 6 boards, each a lookup through the cache proxy).
        make = backend.make_key
        _drop_moved_script(client)(
            keys=[make(_EVERYTHING)] + [make(key(board)) for board in totals
                                        for key in (_gen_key, _floor_key, _writes_key)],
            args=[user_id, *totals.values()], client=client)
        return
    got = cache.get_many([_EVERYTHING, *(_gen_key(board) for board in totals), *(_top_key(board) for board in totals)])
    for board, points in totals.items():
        _bump(_writes_key(board))
        if _moves_top(got.get(_top_key(board)), _current(got, board), user_id, points):
            _bump(_gen_key(board))


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never bumped yet (or evicted): start from the clock
        if not cache.add(key, _clock(), timeout=None):
            cache.incr(key)


# KEYS: everything's generation, then per board its generation, floor and write count; ARGV: the
# person's id, then her new points on each board. A missing counter starts from the server's clock
# (as _bump). A board's generation is bumped unless its kept floor is current and she neither is
# listed nor reaches it on a full top (_moves_top).
_DROP_MOVED = """
local function bump(key)
  if redis.call('EXISTS', key) == 0 then
    local now = redis.call('TIME')
    redis.call('SET', key, now[1] .. string.format('%06d', tonumber(now[2])))
  else
    redis.call('INCR', key)
  end
end
local everything = tonumber(redis.call('GET', KEYS[1]) or '0')
local user = tonumber(ARGV[1])
for i = 0, (#KEYS - 1) / 3 - 1 do
  local gen_key, floor_key, writes_key = KEYS[2 + 3 * i], KEYS[3 + 3 * i], KEYS[4 + 3 * i]
  local points = tonumber(ARGV[2 + i])
  bump(writes_key)
  local moves = true
  local raw = redis.call('GET', floor_key)
  if raw then
    local floor = cjson.decode(raw)
    local own = tonumber(redis.call('GET', gen_key) or '0')
    if floor[1] == everything and floor[2] == own then
      local listed = false
      for _, id in ipairs(floor[6]) do
        if id == user then listed = true end
      end
      moves = listed or floor[4] < floor[3] or points >= floor[5]
    end
  end
  if moves then bump(gen_key) end
end
return 0
"""
_script: list = []


def _drop_moved_script(client):
    """The script (EVALSHA, loaded on first use); called with the current client each time."""
    if not _script:
        _script.append(client.register_script(_DROP_MOVED))
    return _script[0]


def _redis_backend():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _redis_client():
    """The shared cache's redis-py client, or None when the cache is not Redis (tests, one process)."""
    backend = _redis_backend()
    return backend._cache.get_client(write=True) if backend is not None else None
