"""Fixed-window rate limits in Django's cache (Redis in production, so all app servers count together)."""

import time

from django.core.cache import cache


def hit(name: str, who, *, window: int) -> int:
    """Count one request by `who` for `name` in the current window of `window` seconds; the count so far."""
    key = f"rate:{name}:{who}:{int(time.time()) // window}"
    cache.add(key, 0, window + 30)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 30)
        return 1


def seconds_left(window: int) -> int:
    """Seconds until the current window ends (at least 1): what to tell someone over the limit."""
    return max(1, window - int(time.time()) % window)
