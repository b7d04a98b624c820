"""In Chromium, on a phone, with H5P_PACKAGE_ORIGIN set: each package plays at an origin of its own
(here p<id>.h5p.localhost, which Chromium resolves to this machine without DNS), with a service
worker of ours there, so an H5P activity of a saved course opens and plays offline; its statement
waits, then reaches the server once.

Chromium keeps a third-party frame's service worker and caches apart per top-level site (storage
partitioning, on by default in Chrome since version 115). Playwright turns that feature off in the
browsers it starts (microsoft/playwright#32230), and without it Chromium refuses any third-party
service worker ("The user denied permission to use Service Worker"): this module's browser runs
with Chromium's own default instead (checked in the spike, docs/decisions.md)."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, phone_context, screenshot
from tests.browser.test_h5p import lesson_with_activity, log_in, media, queued, wait_until_sent  # noqa: F401 (fixture)
from tests.browser.test_h5p_hostile import (  # noqa: F401, E501 (fixture)
    answer_honestly_and_check_the_record,
    assert_every_move_failed,
    outside,
    report_of,
    saved_answers_are_only_the_honest_ones,
)
from tests.browser.test_h5p_hostile import lesson as hostile_lesson  # noqa: F401 (fixture)
from tests.browser.test_h5p_hostile import log_in as hostile_log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _playwright_disabled_features(playwright) -> str:
    """Playwright's own --disable-features=... argument (read from the browser process it starts)."""
    before = set(os.listdir("/proc"))
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        for pid in sorted(set(os.listdir("/proc")) - before):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as source:
                    argv = [arg.decode() for arg in source.read().split(b"\0")]
            except OSError:
                continue
            if not any(arg.startswith("--type=") for arg in argv):
                found = [arg for arg in argv if arg.startswith("--disable-features=")]
                if found:
                    return found[0]
    finally:
        browser.close()
    pytest.fail("Could not read the arguments Playwright gives Chromium")


@pytest.fixture
def phone(_django_db_marker):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        disabled = _playwright_disabled_features(playwright)
        kept = ",".join(f for f in disabled.partition("=")[2].split(",") if f != "ThirdPartyStoragePartitioning")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, ignore_default_args=[disabled],
                                             args=[*ARGS, f"--disable-features={kept}"])
        context, page = phone_context(browser, timeout=20000)
        yield page
        context.close()
        browser.close()
        from django.db import connections

        connections.close_all()


@pytest.fixture
def package_origin(live_server, settings):
    port = live_server.url.rsplit(":", 1)[1]
    settings.H5P_PACKAGE_ORIGIN = f"http://p{{package}}.h5p.localhost:{port}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".h5p.localhost"]
    return settings.H5P_PACKAGE_ORIGIN


def controlled(page):
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def test_a_saved_course_plays_its_activity_offline_and_the_answer_arrives_once(
        live_server, media, package_origin, phone):  # noqa: F811 (fixture)
    from courses.xapi.models import Statement

    lesson = lesson_with_activity()
    course = lesson.get_parent().specific
    learner = UserFactory()
    assert not learner.is_superuser and not learner.is_staff
    log_in(phone, live_server, learner)
    problems = []
    phone.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    base = live_server.url

    phone.goto(base + course.url)
    controlled(phone)
    phone.get_by_role("button", name="Save for offline").click()
    expect(phone.locator("#offline-status")).to_contain_text("Saved for offline", timeout=60000)
    saved = phone.evaluate("""() => new Promise((resolve) => {
        const open = indexedDB.open("sangkat-offline", 1);
        open.onsuccess = () => {
            const get = open.result.transaction("courses").objectStore("courses").getAll();
            get.onsuccess = () => resolve(get.result);
        };
    })""")
    assert saved[0]["activities"] == 1
    assert saved[0]["bytes"] > 200_000  # the lessons, and the player with H5P's code and the package's files

    phone.context.set_offline(True)
    phone.goto(base + lesson.url)
    expect(phone.locator("h1")).to_have_text(lesson.title)
    frame = phone.locator("iframe.h5p-frame")
    assert frame.get_attribute("src").startswith(f"http://p{lesson.body[1].value['package'].pk}.h5p.localhost:")
    assert frame.get_attribute("sandbox") == "allow-scripts allow-same-origin"
    activity = phone.frame_locator("iframe.h5p-frame")
    expect(activity.locator("html")).to_have_attribute("data-h5p-ready", "1")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    expect(phone.locator(".h5p-offline")).to_be_hidden()
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (")
    assert queued(phone, learner) >= 1
    assert not Statement.objects.filter(user=learner, verb_id=ANSWERED).exists()
    screenshot(phone, "h5p-own-origin-offline-en")

    phone.context.set_offline(False)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(phone, learner)
    phone.reload()
    phone.wait_for_load_state("networkidle")
    assert Statement.objects.filter(user=learner, verb_id=ANSWERED).count() == 1
    assert queued(phone, learner) == 0
    assert not [text for text in problems if "Content Security Policy" in text], problems


def test_a_hostile_package_on_its_own_origin_gets_nothing_of_the_learner(
        live_server, package_origin, hostile_lesson, outside, phone):  # noqa: F811 (fixture)
    """tests/browser/test_h5p_hostile.py's package, played at its own origin: it may read its own
    player page and storage (nothing of ours is there), and every other move still fails."""
    user = UserFactory(roles=["innovation-unit"])  # an editor: the most it could take
    secrets = hostile_log_in(phone, live_server, user)
    requests = []
    phone.on("requestfinished", lambda request: requests.append(request))
    phone.goto(live_server.url + hostile_lesson.url)
    secrets["csrftoken"] = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
    report = report_of(phone.frame_locator("iframe.h5p-frame"))
    own = {"read_player_page", "site_storage"}  # the package's own origin: allowed, and holds no secret
    assert "register_worker" in report and report["register_worker"]["got"] is None, report["register_worker"]
    assert_every_move_failed({move: outcome for move, outcome in report.items() if move not in own}, secrets)
    assert_every_move_failed(report | {move: {"got": None} for move in own}, secrets)  # no secret anywhere
    assert phone.url == live_server.url + hostile_lesson.url
    assert phone.evaluate("() => [window.sangkatInjected, window.sangkatScriptedByPackage]") == [None, None]
    assert outside["heard"] == []
    package_host = phone.locator("iframe.h5p-frame").get_attribute("data-origin")
    from_package = [r for r in requests if r.frame.url.startswith(package_host)]
    assert from_package  # the check sees the package's requests at all
    assert [r.url for r in from_package if not r.url.startswith(package_host)] == []  # nothing to the site
    assert [r.url for r in requests if r.url.startswith(package_host)
            and secrets["sessionid"] in (r.all_headers().get("cookie") or "")] == []
    answer_honestly_and_check_the_record(phone, hostile_lesson, user)
    saved_answers_are_only_the_honest_ones(phone, hostile_lesson, user)
