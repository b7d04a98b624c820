"""Fixed-window rate limits in Django's cache (Redis in production, so all app servers count together)."""

import time

from django.core.cache import cache


def hit(name: str, who, *, window: int) -> int:
    """Count one request by `who` for `name` in the current window of `window` seconds; the count so far."""
    key = f"rate:{name}:{who}:{int(time.time()) // window}"
    client = _redis_client()
    if client is not None:
        # One round trip (Django's add + incr take three: SET NX, EXISTS, INCR). INCR starts a
        # missing key at 1; EXPIRE gives it the same life as add's timeout, from its latest hit.
        full_key = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, window + 30)
        count, _expiry_set = pipe.execute()
        return count
    cache.add(key, 0, window + 30)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 30)
        return 1


def _redis_client():
    """The shared cache's redis-py client, or None when the cache is not Redis (tests, one process)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None


def seconds_left(window: int) -> int:
    """Seconds until the current window ends (at least 1): what to tell someone over the limit."""
    return max(1, window - int(time.time()) % window)
