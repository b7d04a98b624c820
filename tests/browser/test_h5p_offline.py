"""In Chromium, on a phone: H5P activities and a saved course. Browsers never let a service worker
serve a sandboxed (opaque-origin) frame, so a saved lesson opened offline says its activity needs the
internet (instead of the browser's error page in the frame) and plays it once back online; a player
already open when the connection drops keeps working, and its statements arrive once."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_h5p import lesson_with_activity, log_in, media, queued, wait_until_sent  # noqa: F401 (fixture)
from tests.browser.test_h5p_hostile import INJECT_URL, lesson, outside  # noqa: F401 (fixture)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def controlled(page):
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def test_a_saved_lesson_opened_offline_names_its_activity_and_plays_it_back_online(live_server, media, phone):  # noqa: F811 (fixture)
    from courses.xapi.models import Statement

    lesson = lesson_with_activity()  # noqa: F811 (not the fixture)
    course = lesson.get_parent().specific
    learner = UserFactory()
    log_in(phone, live_server, learner)
    base = live_server.url
    phone.goto(base + course.url)
    controlled(phone)
    phone.get_by_role("button", name="Save for offline").click()
    expect(phone.locator("#offline-status")).to_contain_text("Saved for offline")

    phone.context.set_offline(True)
    phone.goto(base + lesson.url)
    expect(phone.locator("h1")).to_have_text(lesson.title)
    expect(phone.locator(".h5p-offline")).to_contain_text("This activity needs the internet")
    expect(phone.locator("iframe.h5p-frame")).to_be_hidden()
    screenshot(phone, "h5p-offline-saved-lesson-en")

    phone.context.set_offline(False)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(phone.locator(".h5p-offline")).to_be_hidden()
    activity = phone.frame_locator("iframe.h5p-frame")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    wait_until_sent(phone, learner)
    assert Statement.objects.filter(user=learner, verb_id=ANSWERED).count() == 1


def test_an_open_activity_answered_offline_waits_and_arrives_once(live_server, media, phone):  # noqa: F811 (fixture)
    from courses.xapi.models import Statement

    lesson = lesson_with_activity()  # noqa: F811 (not the fixture)
    learner = UserFactory()
    log_in(phone, live_server, learner)
    phone.goto(live_server.url + lesson.get_parent().url)
    controlled(phone)
    phone.get_by_role("button", name="Save for offline").click()
    expect(phone.locator("#offline-status")).to_contain_text("Saved for offline")
    phone.goto(live_server.url + lesson.url)
    activity = phone.frame_locator("iframe.h5p-frame")
    expect(activity.locator("html")).to_have_attribute("data-h5p-ready", "1")

    phone.context.set_offline(True)
    phone.evaluate("() => window.dispatchEvent(new Event('offline'))")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    expect(phone.locator(".h5p-offline")).to_be_hidden()  # a loaded player is not taken away
    phone.wait_for_function(f"() => JSON.parse(localStorage.getItem('sangkat-xapi-queue-{learner.pk}') || '[]')"
                            f".some(s => s.verb && s.verb.id === '{ANSWERED}')")
    assert not Statement.objects.filter(user=learner, verb_id=ANSWERED).exists()
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (")
    screenshot(phone, "h5p-offline-waiting-en")
    phone.reload()  # the lesson opens again from the saved copy: what waits is still shown
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (")
    expect(phone.locator(".h5p-offline")).to_be_visible()  # and its player now needs the internet

    phone.context.set_offline(False)
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_until_sent(phone, learner)
    expect(phone.locator("#offline-status")).to_be_hidden()
    phone.reload()
    phone.wait_for_load_state("networkidle")
    assert Statement.objects.filter(user=learner, verb_id=ANSWERED).count() == 1
    assert queued(phone, learner) == 0


def test_package_files_never_run_as_script_in_a_page_the_service_worker_controls(live_server, lesson, page):  # noqa: F811
    """The hostile suite's check, once the worker controls the lesson (it re-sends the page's requests)."""
    log_in(page, live_server, UserFactory())
    page.goto(live_server.url + lesson.url)
    controlled(page)
    page.reload()
    controlled(page)
    loaded = page.evaluate("""(url) => new Promise((resolve) => {
        const script = document.createElement("script");
        script.src = url;
        script.onload = () => resolve("loaded");
        script.onerror = () => resolve("refused");
        document.head.appendChild(script);
    })""", INJECT_URL)
    assert loaded == "refused"
    assert page.evaluate("() => window.sangkatInjected") is None
