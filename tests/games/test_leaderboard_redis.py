"""With Redis (production), the generations a points write moves are bumped in one pipeline; they must
read back through Django's cache exactly as the one-by-one bumps do. Needs the local Redis (skipped
without it)."""

import socket
import uuid

import pytest
from django.core.cache import caches

from games import leaderboards


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "cms.cache.SangkatRedisCache", "LOCATION": "redis://127.0.0.1:6379/9",
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    yield caches["default"]  # Django's setting_changed handler has dropped the old cache objects
    caches["default"].clear()


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
