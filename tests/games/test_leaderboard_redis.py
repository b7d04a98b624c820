"""With Redis (production), the generations a points write moves are bumped in one pipeline; they must
read back through Django's cache exactly as the one-by-one bumps do. Needs the local Redis (skipped
without it)."""

import pytest

from games import leaderboards
from tests.conftest import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


def test_bumping_many_generations_in_one_pipeline_reads_back_like_single_bumps(redis_cache):
    from django.core.cache import cache

    assert leaderboards._redis_client() is not None
    fresh, bumped = leaderboards._gen_key("overall:all"), leaderboards._gen_key("center:all:1")
    leaderboards._bump(bumped)  # one by one first: Django's incr path
    leaderboards._bump_many([fresh, bumped])
    assert cache.get_many([fresh, bumped]) == {fresh: 1, bumped: 2}
    leaderboards._bump(fresh)  # and Django's incr still works on a pipelined key
    assert cache.get(fresh) == 2
    client = leaderboards._redis_client()
    assert client.ttl(cache.make_and_validate_key(fresh)) == -1  # never expires, as _bump's own keys
