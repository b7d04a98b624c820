"""With Redis (production), a points write's check and bumps run as one Lua script. It must decide
exactly as the Python rule (leaderboards._moves_top) on the same kept tops, and its counters must read
back through Django's cache. Needs the local Redis (skipped without it)."""

import pytest

from games import leaderboards
from games.leaderboards import Entry
from tests.conftest import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")

FULL = [Entry(1, 50, "A"), Entry(2, 40, None), Entry(3, 30, "C")]
CASES = [  # (kept top, its size, who writes, her new points, moves the top?)
    (FULL, 3, 9, 10, False),   # far below a full top
    (FULL, 3, 9, 30, True),    # reaches the lowest listed points
    (FULL, 3, 2, 1, True),     # a listed person (her points fell)
    (FULL[:2], 3, 9, 1, True),  # the top is not full
    ([], 3, 9, 1, True),       # nobody listed yet
    (None, 3, 9, 1, True),     # not kept: a reader may be filling it
]


@pytest.mark.parametrize("kept,size,user,points,moves", CASES)
def test_the_script_decides_as_the_python_rule(redis_cache, kept, size, user, points, moves):
    board = "overall:-:all:all"
    if kept is not None:
        leaderboards.top(board, size, lambda: kept)
    gens = redis_cache.get_many([leaderboards._gen_key(board), leaderboards._writes_key(board)])
    stored = redis_cache.get(leaderboards._top_key(board))
    assert leaderboards._moves_top(stored, leaderboards._current({}, board), user, points) is moves
    leaderboards._drop_moved(user, {board: points})
    after = redis_cache.get_many([leaderboards._gen_key(board), leaderboards._writes_key(board)])
    assert (after.get(leaderboards._gen_key(board)) != gens.get(leaderboards._gen_key(board))) is moves
    assert after[leaderboards._writes_key(board)] != gens.get(leaderboards._writes_key(board))  # every write


def test_a_top_kept_under_older_generations_moves(redis_cache):
    board = "center:7:week:2026-11-30"
    leaderboards.top(board, 3, lambda: FULL)
    leaderboards._bump(leaderboards._EVERYTHING)  # someone hid herself: the kept floor is old
    before = redis_cache.get(leaderboards._gen_key(board))
    leaderboards._drop_moved(9, {board: 1})
    assert redis_cache.get(leaderboards._gen_key(board)) != before


def test_counters_read_back_through_djangos_cache_and_never_expire(redis_cache):
    board, other = "overall:-:all:all", "center:1:all:all"
    leaderboards._bump(leaderboards._gen_key(other))  # Django's path first
    leaderboards._drop_moved(4, {board: 5, other: 5})  # then the script's, on a missing and a known key
    got = redis_cache.get_many([leaderboards._gen_key(board), leaderboards._gen_key(other),
                                leaderboards._writes_key(board)])
    assert all(isinstance(value, int) and value > 10**15 for value in got.values())  # started from the clock
    leaderboards._bump(leaderboards._gen_key(board))  # and Django's incr works on the script's keys
    assert redis_cache.get(leaderboards._gen_key(board)) == got[leaderboards._gen_key(board)] + 1
    client = leaderboards._redis_client()
    assert client.ttl(redis_cache.make_and_validate_key(leaderboards._writes_key(board))) == -1
