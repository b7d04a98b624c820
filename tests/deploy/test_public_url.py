"""Issue 16, joint 9: the public address follows the server, and a plain-http pilot is documented.

`make run PORT=8501` must not write http://127.0.0.1:8000 into badge links and xAPI ids; the
settings are read in a fresh process with the environment `make run` gives them.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.urls import resolve, Resolver404
from courses.xapi import identity
from games import openbadges
try:
    media = resolve("/media/participation/1/photo.png").func.__name__
except Resolver404:
    media = None
print(json.dumps({
    "public": settings.SANGKAT_PUBLIC_URL, "admin": settings.WAGTAILADMIN_BASE_URL,
    "issuer": openbadges.issuer_profile()["url"],
    "activity": identity.activity_iri(lesson_key="00000000-0000-0000-0000-000000000001", block_id="b1"),
    "media": media,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "secure_cookies": settings.SESSION_COOKIE_SECURE,
}))
"""


def probe(**env) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"PUBLIC_URL", "WAGTAILADMIN_BASE_URL", "DEBUG", "SERVE_MEDIA", "SECURE_SSL_REDIRECT",
                          "SECURE_COOKIES"} and not k.startswith("AWS_")}
    clean["DJANGO_SETTINGS_MODULE"] = "cms.settings"
    clean.update(env)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_run(*args: str, **env) -> str:
    """The commands `make run` would run (make -n: nothing is run)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"PUBLIC_URL", "HOST", "PORT"}}
    clean.update(env)
    result = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if "runserver" in line)


def test_make_run_derives_the_public_url_from_host_and_port():
    line = make_run("PORT=8501")
    assert re.search(r"PUBLIC_URL=http://127\.0\.0\.1:8501 .*runserver 127\.0\.0\.1:8501$", line), line
    assert "PUBLIC_URL=http://192.168.1.5:8000 " in make_run("HOST=192.168.1.5")


def test_make_run_keeps_a_public_url_given_to_it():
    assert "PUBLIC_URL=https://sangkat.example.org " in make_run("PORT=8501", PUBLIC_URL="https://sangkat.example.org")


def test_listening_everywhere_does_not_publish_0_0_0_0():
    assert "PUBLIC_URL=http://127.0.0.1:8000 " in make_run("HOST=0.0.0.0")


def test_badge_and_xapi_addresses_follow_the_public_url():
    found = probe(PUBLIC_URL="http://127.0.0.1:8501")
    assert found["public"] == "http://127.0.0.1:8501"
    assert found["admin"] == "http://127.0.0.1:8501"
    assert found["issuer"] == "http://127.0.0.1:8501/"
    assert found["activity"].startswith("http://127.0.0.1:8501/")
    assert "8000" not in json.dumps(found)


def test_a_plain_http_pilot_without_a_proxy():
    pilot = {"DEBUG": "0", "SECRET_KEY": "a-long-random-pilot-secret-key-for-tests-" + "p" * 20,
             "ALLOWED_HOSTS": "192.168.1.5", "PUBLIC_URL": "http://192.168.1.5:8000"}
    assert probe(**pilot)["ssl_redirect"] is True  # the production default
    found = probe(**pilot, SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SERVE_MEDIA="1")
    assert found["ssl_redirect"] is False and found["secure_cookies"] is False
    assert found["media"] == "serve_public_media"  # never the restricted files (cms.media)
    assert probe(**pilot)["media"] is None  # behind a proxy, the proxy serves /media/
