"""In Chromium: an H5P activity half-done on one device opens half-done on another, for her only."""

import json

import pytest
from playwright.sync_api import expect

from courses.xapi.identity import activity_iri
from tests.browser.conftest import screenshot
from tests.browser.test_h5p import BLOCK_ID, lesson_with_activity, log_in, media  # noqa: F401 (fixture)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def new_device(browser, live_server, user, **options):
    """A fresh browser context (no storage, no cookies: another PC or phone) signed in as `user`."""
    context = browser.new_context(locale="en-US", **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, user)
    return page


def saving(state: dict):
    """Matches the lesson page's request that stores `state` as the activity's saved answers."""

    def matches(response) -> bool:
        request = response.request
        if "/h5p/user-data/" not in request.url or request.method != "POST":
            return False
        body = json.loads(request.post_data or "{}")
        return body.get("subContentId") == "0" and json.loads(body.get("data") or "null") == state

    return matches


def answer(page, name: str):
    return page.frame_locator("iframe.h5p-frame").get_by_role("radio", name=name, exact=True)


def test_a_half_done_activity_opens_half_done_on_her_phone_and_not_for_another_learner(
    live_server, media, browser, settings,  # noqa: F811 (fixture)
):
    from courses.xapi.models import ActivityState

    settings.SANGKAT_H5P_SAVE_SECONDS = 1
    lesson = lesson_with_activity()
    learner, other = UserFactory(), UserFactory()
    activity = activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)

    center_pc = new_device(browser, live_server, learner, viewport={"width": 1200, "height": 900})
    center_pc.goto(live_server.url + lesson.url)
    expect(answer(center_pc, "123456")).to_be_visible()
    # H5P saves every second here; the lesson page stores it on the server.
    with center_pc.expect_response(saving({"chosen": 2, "answered": False})) as sent:
        answer(center_pc, "mango river blue lantern").click()  # chosen, not yet checked: half done
    assert sent.value.status == 204
    expect(answer(center_pc, "mango river blue lantern")).to_have_attribute("aria-checked", "true")
    saved = ActivityState.objects.get(user=learner)
    assert (saved.activity_id, saved.state_id) == (activity, "state")
    assert json.loads(saved.document) == {"chosen": 2, "answered": False}
    center_pc.context.close()

    phone = new_device(browser, live_server, learner, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    phone.goto(live_server.url + lesson.url)
    expect(answer(phone, "mango river blue lantern")).to_have_attribute("aria-checked", "true")
    expect(answer(phone, "123456")).to_have_attribute("aria-checked", "false")
    screenshot(phone, "h5p-resume-phone")
    # She finishes it there: checking the restored answer is recorded as usual.
    phone.frame_locator("iframe.h5p-frame").get_by_role("button", name="Check", exact=True).click()
    expect(phone.frame_locator("iframe.h5p-frame").locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    phone.context.close()

    someone_else = new_device(browser, live_server, other)
    someone_else.goto(live_server.url + lesson.url)
    expect(answer(someone_else, "123456")).to_be_visible()
    for name in ("123456", "sokha2005", "mango river blue lantern"):
        expect(answer(someone_else, name)).to_have_attribute("aria-checked", "false")
    someone_else.context.close()
    assert not ActivityState.objects.filter(user=other).exists()


def test_a_visitor_plays_but_nothing_is_saved(live_server, media, page, settings):  # noqa: F811
    from courses.xapi.models import ActivityState

    settings.SANGKAT_H5P_SAVE_SECONDS = 1
    lesson = lesson_with_activity()
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/h5p/user-data/" in request.url else None)
    page.goto(live_server.url + lesson.url)
    answer(page, "sokha2005").click()
    expect(answer(page, "sokha2005")).to_have_attribute("aria-checked", "true")
    page.wait_for_timeout(2500)  # two of H5P's save intervals
    assert requests == [] and not ActivityState.objects.exists()
