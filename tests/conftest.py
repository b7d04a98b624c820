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
        import tempfile

        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.gettempdir()) / "sangkat-test.sqlite3")



@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _forget_process_memos():
    """Rolled-back test data sends no delete signals: clear what processes remember between tests."""
    from cms.middleware import SiteLookupCacheMiddleware
    from courses.selectors import forget_locales
    from games.services import forget_definitions

    from django.core.cache import cache

    SiteLookupCacheMiddleware.forget()
    forget_locales()
    forget_definitions()
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
def learner_client(client, learner):
    client.force_login(learner)
    return client
