"""With Redis (production), a rate-limit hit is one pipelined INCR + EXPIRE: its counts must read back
through Django's cache as the add + incr path's do, and the key must expire. Needs the local Redis
(skipped without it)."""

import uuid

import pytest

from cms import ratelimit
from tests.conftest import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


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


def test_the_redis_cache_keeps_any_key_without_memcached_warnings(redis_cache):
    """cms.cache.SangkatRedisCache skips memcached's key checks (warnings only; Redis takes any key):
    a key memcached would refuse is kept and read back, and no warning is raised."""
    import warnings

    from django.core.cache import cache, caches

    from cms.cache import SangkatRedisCache

    assert isinstance(caches["default"], SangkatRedisCache)
    key = "a key with spaces " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set(key, "kept", 30)
        assert cache.get(key) == "kept"
        assert cache.get_many([key]) == {key: "kept"}
