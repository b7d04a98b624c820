"""Scaling out: two app servers against one database and one Redis answer one learner in turn.

Two gunicorn processes (DEBUG off, the production settings) serve the test database on loopback.
A learner's browser (one cookie jar) alternates between them: whatever one server writes or
remembers (session, CSRF, progress) the other must see, as behind a load balancer.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from courses.models import LessonProgress
from tests.deploy.processes import ROOT_ENV, production_env
from tests.factories import ALL_RIGHT, QUIZ_ID, build_site

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    host_port = url.split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=2):
            return url
    except OSError:
        if os.environ.get("CI") or os.environ.get("REDIS_URL"):  # asked for (as .ci/run does): must be there
            pytest.fail(f"Redis at {url} does not answer (.ci/run starts it)")
        pytest.skip(f"needs Redis at {url} (set REDIS_URL)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Production serves hashed static file names from a manifest: collect once for both servers."""
    root = tmp_path_factory.mktemp("static")
    env = dict(os.environ, **ROOT_ENV, STATIC_ROOT=str(root))
    env["DJANGO_SETTINGS_MODULE"] = "tests.deploy.collectstatic_settings"
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return root


def start_server(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cms.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", "1", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_healthy(process: subprocess.Popen, base: str, log: Path) -> None:
    # The worker loads Sangkat on its first request: slow on a busy machine, so be patient.
    deadline = time.monotonic() + 180
    while True:
        try:
            response = requests.get(base + "/health/", timeout=30)
            if response.status_code == 200:
                assert response.json() == {"database": True, "cache": True}
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"gunicorn at {base} did not become healthy:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


@pytest.fixture
def course_site():
    # Built before the servers start: like every Sangkat process they remember the Wagtail site
    # of a host name for up to a minute (cms.middleware.SiteLookupCacheMiddleware).
    return build_site(with_khmer=False)


@pytest.fixture
def two_servers(course_site, static_root, tmp_path):
    env = production_env(
        REDIS_URL=redis_url(),
        # A key prefix of its own: nothing cached by an earlier run or another test is seen.
        CACHE_KEY_PREFIX=f"sangkat-two-servers-{uuid.uuid4().hex[:12]}",
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    servers, logs = [], []
    try:
        for name in ("a", "b"):
            log = tmp_path / f"gunicorn-{name}.log"
            servers.append(start_server(env, log))
            logs.append(log)
        for (process, base), log in zip(servers, logs, strict=True):
            wait_healthy(process, base, log)
        yield [base for _, base in servers], logs
    finally:
        for process, _ in servers:
            process.send_signal(signal.SIGTERM)
        for process, _ in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Persistent connections of the servers are gone before the test database is reset.


class Browser:
    """One learner's browser: one cookie jar, each request sent to the server it is told."""

    def __init__(self):
        self.session = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        response = self.session.get(url, timeout=60, **kwargs)
        assert response.status_code < 400, f"GET {url}: {response.status_code}\n{response.text[:2000]}"
        return response

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        # Django's CSRF check on plain HTTP: the form's token must match the cookie's secret.
        data = {**data, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        response = self.session.post(url, data=data, timeout=60, allow_redirects=False, **kwargs)
        assert response.status_code < 400, f"POST {url}: {response.status_code}\n{response.text[:2000]}"
        return response


def test_a_learner_journey_alternating_between_two_app_servers(course_site, two_servers):
    site = course_site
    (a, b), logs = two_servers
    browser = Browser()
    lesson_urls = [lesson.get_url() for lesson in site["lessons"]]
    course_url = site["course"].get_url()

    # Sign up: the form (and its CSRF cookie) from A, the post to B, logged in on A.
    assert 'name="username"' in browser.get(a + "/en/accounts/signup/").text
    signup = browser.post(b + "/en/accounts/signup/", {
        "username": "sreymom", "nickname": "Sreymom", "display_name": "Srey Mom", "phone": "",
        "age_band": "18-24", "gender": "woman", "home_center": "", "preferred_language": "en",
        "password1": "river-mango-bicycle-42", "password2": "river-mango-bicycle-42",
    })
    assert signup.status_code == 302, signup.text[:2000]
    assert "Sreymom" in browser.get(a + "/en/").text

    # The course on B, the first lesson on A (enrols), marked done on B.
    assert site["course"].title in browser.get(b + course_url).text
    assert "Lesson 1 text." in browser.get(a + lesson_urls[0]).text
    done = browser.post(b + f"/en/learn/lessons/{site['lessons'][0].pk}/complete/", {})
    assert done.status_code == 302

    # The quiz of lesson 2: its answer sheet from A, the answers to B, the result read on A.
    quiz_page = browser.get(a + lesson_urls[1]).text
    token = re.search(r'name="token" value="([^"]+)"', quiz_page).group(1)
    answers = {f"q{number}": chosen for number, chosen in ALL_RIGHT.items()}
    sent = browser.post(b + f"/en/learn/lessons/{site['lessons'][1].pk}/quiz/{QUIZ_ID}/",
                        {"token": token, **answers})
    assert sent.status_code == 302
    assert "You got 3 of 3 right" in browser.get(a + sent.headers["Location"]).text
    assert "2 of 3 lessons done" in browser.get(a + "/en/learn/").text

    # The last lesson done on A; B sees the course completed.
    browser.get(b + lesson_urls[2])
    browser.post(a + f"/en/learn/lessons/{site['lessons'][2].pk}/complete/", {})
    my_learning = browser.get(b + "/en/learn/").text
    assert "3 of 3 lessons done" in my_learning and "Completed" in my_learning

    # Log out on B: A no longer knows the learner (the session is gone from Redis and the database).
    browser.post(b + "/en/accounts/logout/", {})
    after = browser.session.get(a + "/en/learn/", allow_redirects=False, timeout=60)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]

    assert LessonProgress.objects.filter(user__username="sreymom", completed_at__isnull=False).count() == 3
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text and "Internal Server Error" not in text, text[-3000:]
