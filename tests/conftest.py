import socket
import uuid
from pathlib import Path

import pytest

from tests.factories import CenterFactory, UserFactory, build_site


def pytest_configure(config):
    from django.conf import settings

    # Password hashing is deliberately slow; tests do not need that strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test builds its own pages; a shared page cache would carry pages between tests.
    settings.SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS = 0
    # Tests get a private in-memory cache even where REDIS_URL is set (CI), so rate limits and
    # counters from one test never reach another; tests/cms/test_production.py checks Redis.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # In-memory SQLite locks whole tables and never waits: a browser test's live server thread
    # (a heartbeat beacon while the page closes) then collides with the test's own queries.
    # A file database in WAL mode with a busy timeout behaves like the real thing.
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        import os
        import tempfile

        # One file per test process, so two test runs on one machine never share (and break) it.
        name = f"sangkat-test-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.gettempdir()) / name)



@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _forget_process_memos():
    """Rolled-back test data sends no delete signals: clear what processes remember between tests."""
    from django.core.cache import cache

    from cms import routing
    from cms.middleware import SiteLookupCacheMiddleware
    from cms.templatetags import sangkat_shell
    from courses.selectors import forget_locales
    from games.services import forget_local_definitions

    SiteLookupCacheMiddleware.forget()
    routing.forget()
    sangkat_shell.forget()
    forget_locales()
    forget_local_definitions()
    # The test cache is this process's own (pytest_configure); SQLite reuses rolled-back ids, so a
    # rate-limit counter of an earlier test's user would otherwise count against a new one.
    cache.clear()


@pytest.fixture
def site(db):
    return build_site()


@pytest.fixture
def center(db):
    return CenterFactory()


@pytest.fixture
def learner(db, center):
    return UserFactory(home_center=center)


@pytest.fixture
def facilitator(db, center):
    user = UserFactory(roles=["facilitator"])
    center.facilitators.add(user)
    return user


@pytest.fixture
def staff(db):
    """Someone from the municipality's Innovation Unit."""
    return UserFactory(roles=["innovation-unit"])


@pytest.fixture
def moderator(db):
    """A plain moderator: the public space only (not designated for the women-and-girls space)."""
    return UserFactory(roles=["moderator"])


@pytest.fixture
def women_moderator(db):
    """A moderator designated for the women-and-girls space (the designation works with `moderator`)."""
    return UserFactory(roles=["moderator", "women-space-moderator"])


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test (it ends by emptying every table), put the migrated data back.

    pytest-django runs such tests last, but pytest-xdist's --dist loadfile may still hand a worker an
    ordinary test afterwards, which then finds no Wagtail root page, roles or locales.
    """
    yield
    marker = item.get_closest_marker("django_db")
    if nextitem is None or marker is None or not marker.kwargs.get("transaction"):
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(contents)


def redis_up() -> bool:
    """The local Redis of CI and of this machine kind; tests that need it are skipped without it."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the local Redis (db 9), under a key prefix of this test's own. Afterwards only
    this test's keys are deleted: clear() would flush db 9 under a test running beside it."""
    from django.core.cache import caches

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "cms.cache.SangkatRedisCache", "LOCATION": "redis://127.0.0.1:6379/9",
                                   "KEY_PREFIX": prefix}}
    cache = caches["default"]  # Django's setting_changed handler has dropped the old cache objects
    yield cache
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def cache_gets(monkeypatch):
    """watch(module): the keys that module's `cache.get` is asked for from now on (a list it fills),
    to show a key comes in another read's round trip instead."""
    from django.core.cache import cache

    def watch(module) -> list:
        asked = []

        class Watching:
            def __getattr__(self, name):
                return getattr(cache, name)

            def get(self, key, *args, **kwargs):
                asked.append(key)
                return cache.get(key, *args, **kwargs)

        monkeypatch.setattr(module, "cache", Watching())
        return asked
    return watch
