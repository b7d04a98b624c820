"""Django's Redis cache with one redis-py client per connection pool.

Django builds a new `redis.Redis` for every cache call (RedisCacheClient.get_client), and that
constructor fills a table of about 170 response callbacks: on a signed-in page (session, rate
limits, shared fragments) it cost more CPU than the calls themselves. A client only wraps its
thread-safe pool, so one per pool serves every thread; redis-py's pool reconnects after a fork.

Keys are not checked against memcached's limits either: Redis takes any key, and the check (a
length test, a regular expression and a generator for every key of every call) is warnings only.
Tests run on the local-memory cache, which still checks them.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SangkatRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def validate_key(self, key):
        """Redis takes any key: no memcached portability warnings (see above)."""
