"""The production profile: deploy checks pass, the health endpoint tells the truth, Redis works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_django_deploy_checks_pass_with_production_settings():
    env = dict(os.environ, DEBUG="0", SECRET_KEY="a-long-random-production-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="sangkat.example.org")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="sangkat.example.org")
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"database": True, "cache": True}


@pytest.mark.django_db
def test_health_says_503_when_the_cache_is_down(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("django.core.cache.backends.locmem.LocMemCache.set", unreachable)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {"database": True, "cache": False}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
def test_the_configured_redis_cache_stores_and_reads():
    from cms.cache import SangkatRedisCache

    backend = SangkatRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "sangkat-test"})
    backend.set("probe", "yes", 5)
    assert backend.get("probe") == "yes"
    backend.delete("probe-count")
    assert backend.add("probe-count", 0, 5) and backend.incr("probe-count") == 1
    backend.delete_many(["probe", "probe-count"])
    assert backend.get("probe") is None
    # One redis-py client for the pool, not a new one per call.
    assert backend._cache.get_client() is backend._cache.get_client(write=True)
