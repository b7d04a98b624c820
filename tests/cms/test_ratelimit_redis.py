"""With Redis (production), a rate-limit hit is one pipelined INCR + EXPIRE: its counts must read back
through Django's cache as the add + incr path's do, and the key must expire. Needs the local Redis
(skipped without it)."""

import socket
import uuid

import pytest
from django.core.cache import caches

from cms import ratelimit


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
    yield caches["default"]
    caches["default"].clear()


def test_hits_count_up_per_requester_and_expire_after_the_window(redis_cache):
    from django.core.cache import cache

    assert ratelimit._redis_client() is not None
    assert [ratelimit.hit("test", "a", window=60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("test", "b", window=60) == 1
    assert ratelimit.hit("other", "a", window=60) == 1
    [key] = [k for k in ratelimit._redis_client().keys(cache.make_and_validate_key("rate:test:a:*"))]
    assert 60 < ratelimit._redis_client().ttl(key) <= 90
    # Django's cache reads the pipelined counter, and its incr goes on from it.
    plain_key = key.decode().split(":", 2)[2]
    assert cache.get(plain_key) == 3
    assert cache.incr(plain_key) == 4
    assert ratelimit.hit("test", "a", window=60) == 5


def test_without_redis_the_cache_api_counts(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"rate-{uuid.uuid4().hex}"}}
    assert ratelimit._redis_client() is None
    assert [ratelimit.hit("test", "a", window=60) for _ in range(2)] == [1, 2]
