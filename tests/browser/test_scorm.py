"""In Chromium: a SCORM 1.2 course and a SCORM 2004 course, each half-done on one device, resume on
another (a fresh browser context), for the learner herself; the SCO runs in the opaque sandbox."""

import io
import json

import pytest
from django.test import Client
from playwright.sync_api import expect
from wagtail.models import Locale

from courses.scorm.packaging import demo_package
from courses.scorm.services import install_package
from tests.browser.conftest import screenshot
from tests.factories import UserFactory, build_site, text_block

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
BLOCK_ID = "5c0e4f00-aaaa-4222-8333-444455556666"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


def _body(package, completion="passed") -> str:
    return json.dumps([
        text_block("Practise what you learned."),
        {"type": "scorm", "id": BLOCK_ID, "value": {
            "package": package.pk, "title": package.title, "completion": completion, "pass_mark": 60,
        }},
    ])


def lessons_with_scorm():
    """Lesson 1 plays the SCORM 1.2 demo, lesson 2 the SCORM 2004 demo (two SCOs); Khmer copies play
    the Khmer packages."""
    site = build_site(lessons=2, quiz_in=())
    km = Locale.objects.get(language_code="km")
    for lesson, version in zip(site["lessons"], ("1.2", "2004"), strict=True):
        lesson.body = _body(install_package(source=io.BytesIO(demo_package("en", version))))
        lesson.save_revision().publish()
        khmer = lesson.get_translation(km)
        khmer.body = _body(install_package(source=io.BytesIO(demo_package("km", version))))
        khmer.save_revision().publish()
    return site["lessons"]


def new_device(browser, live_server, user, **options):
    context = browser.new_context(locale="en-US", **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return page


def committing(location: str):
    """The lesson page's request that stores the SCO's place `location`."""

    def matches(response) -> bool:
        request = response.request
        if "/scorm/attempts/" not in request.url or request.method != "POST":
            return False
        cmi = json.loads(request.post_data or "{}").get("cmi", {})
        return cmi.get("core", cmi).get("lesson_location", cmi.get("location")) == location

    return matches


def sco(page):
    return page.frame_locator("iframe.scorm-frame")


def test_a_scorm_12_course_resumes_on_another_device_and_completes_the_lesson(live_server, media, browser):
    from courses.models import LessonProgress
    from courses.scorm.models import ScoData
    from courses.xapi.models import Statement

    lesson = lessons_with_scorm()[0]
    learner, other = UserFactory(), UserFactory()
    center_pc = new_device(browser, live_server, learner, viewport={"width": 1200, "height": 900})
    problems = []
    center_pc.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    center_pc.goto(live_server.url + lesson.url)
    expect(sco(center_pc).locator("html")).to_have_attribute("data-sco-ready", "1.2")
    expect(sco(center_pc).locator("#page-number")).to_have_text("1")
    with center_pc.expect_response(committing("1")) as sent:
        sco(center_pc).get_by_role("button", name="Next").click()
    assert sent.value.status == 200
    with center_pc.expect_response(committing("2")) as sent:
        sco(center_pc).get_by_role("button", name="Next").click()
    assert sent.value.status == 200
    assert ScoData.objects.get(attempt__user=learner).location == "2"
    center_pc.context.close()

    phone = new_device(browser, live_server, learner, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    phone.goto(live_server.url + lesson.url)
    expect(sco(phone).locator("#page-number")).to_have_text("3")
    expect(sco(phone).locator("#welcome-back")).to_be_visible()
    screenshot(phone, "scorm12-resume-phone")
    sco(phone).get_by_label("Never share it, and tell the bank").check()
    sco(phone).get_by_role("button", name="Check").click()
    expect(sco(phone).locator("#feedback")).to_contain_text("Right")
    phone.wait_for_function(f"() => (localStorage.getItem('sangkat-scorm-queue-{learner.pk}') || '[]') === '[]'")
    phone.wait_for_timeout(300)
    assert LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key).completed_at is not None
    assert Statement.objects.filter(user=learner, verb_id="http://adlnet.gov/expapi/verbs/passed").count() == 1
    phone.context.close()
    assert problems == []

    someone_else = new_device(browser, live_server, other)
    someone_else.goto(live_server.url + lesson.url)
    expect(sco(someone_else).locator("#page-number")).to_have_text("1")
    expect(sco(someone_else).locator("#welcome-back")).to_be_hidden()
    someone_else.context.close()


def test_a_scorm_2004_course_in_khmer_resumes_in_its_second_item_on_a_phone(live_server, media, browser):
    from courses.scorm.models import Attempt

    lesson = lessons_with_scorm()[1]
    khmer = lesson.get_translation(Locale.objects.get(language_code="km"))
    learner = UserFactory()
    center_pc = new_device(browser, live_server, learner, viewport={"width": 1200, "height": 900})
    center_pc.goto(live_server.url + khmer.url)
    expect(sco(center_pc).locator("html")).to_have_attribute("data-sco-ready", "2004")
    expect(sco(center_pc).locator("h1")).to_have_text("ពាក្យសម្ងាត់ខ្លាំង")
    items = center_pc.locator(".scorm-items")
    expect(items.get_by_role("button", name="ពាក្យសម្ងាត់ខ្លាំង")).to_have_attribute("aria-current", "step")
    # Flow: the lesson's Next part loads the second SCO into the same sandboxed frame.
    center_pc.locator(".scorm-next").click()
    expect(sco(center_pc).locator("h1")).to_have_text("ការចែករំលែករូបថត")
    with center_pc.expect_response(committing("1")) as sent:
        sco(center_pc).locator("#next").click()
    assert sent.value.status == 200
    assert Attempt.objects.get(user=learner).current_sco == "photos"
    center_pc.context.close()

    phone = new_device(browser, live_server, learner, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    phone.goto(live_server.url + khmer.url)
    expect(sco(phone).locator("h1")).to_have_text("ការចែករំលែករូបថត")
    expect(sco(phone).locator("#page-number")).to_have_text("2")
    expect(phone.locator(".scorm-items").get_by_role("button", name="ការចែករំលែករូបថត")).to_have_attribute(
        "aria-current", "step")
    screenshot(phone, "scorm2004-resume-phone-km")
    # Choice: the first item from the list, where she starts at its beginning.
    phone.locator(".scorm-items").get_by_role("button", name="ពាក្យសម្ងាត់ខ្លាំង").click()
    expect(sco(phone).locator("h1")).to_have_text("ពាក្យសម្ងាត់ខ្លាំង")
    expect(sco(phone).locator("#page-number")).to_have_text("1")
    phone.context.close()


def test_commits_wait_while_the_wifi_is_down_and_arrive_once(live_server, media, browser):
    from courses.scorm.models import Commit, ScoData

    lesson = lessons_with_scorm()[0]
    learner = UserFactory()
    phone = new_device(browser, live_server, learner, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    phone.goto(live_server.url + lesson.url)
    expect(sco(phone).locator("html")).to_have_attribute("data-sco-ready", "1.2")
    phone.context.set_offline(True)
    sco(phone).get_by_role("button", name="Next").click()
    sco(phone).get_by_role("button", name="Next").click()
    expect(phone.locator(".scorm-unsaved")).to_be_visible()
    assert not ScoData.objects.exists()
    queued = phone.evaluate(f"JSON.parse(localStorage.getItem('sangkat-scorm-queue-{learner.pk}')).length")
    assert queued >= 2
    phone.context.set_offline(False)
    phone.wait_for_function(f"() => (localStorage.getItem('sangkat-scorm-queue-{learner.pk}') || '[]') === '[]'",
                            timeout=30000)
    expect(phone.locator(".scorm-unsaved")).to_be_hidden()
    assert ScoData.objects.get(attempt__user=learner).location == "2"
    assert Commit.objects.count() == queued  # each commit once, in order
    phone.context.close()


def test_a_scorm_2004_sco_asks_for_the_next_item_and_the_lesson_opens_it(live_server, media, browser):
    lesson = lessons_with_scorm()[1]
    page = new_device(browser, live_server, UserFactory())
    page.goto(live_server.url + lesson.url)
    expect(sco(page).locator("html")).to_have_attribute("data-sco-ready", "2004")
    expect(sco(page).locator("h1")).to_have_text("Strong passwords")
    frame = page.frame(url=lambda url: "/scorm/play/" in url)
    frame.evaluate("() => { API_1484_11.SetValue('adl.nav.request', 'continue'); API_1484_11.Terminate(''); }")
    expect(sco(page).locator("h1")).to_have_text("Sharing photos")
    # The SCO has started (Initialize called) before it asks for anything.
    expect(sco(page).locator("html")).to_have_attribute("data-sco-ready", "2004")
    frame = page.frame(url=lambda url: "/photos/" in url)
    frame.evaluate("() => { API_1484_11.SetValue('adl.nav.request', '{target=passwords}choice'); "
                   "API_1484_11.Terminate(''); }")
    expect(sco(page).locator("h1")).to_have_text("Strong passwords")
    page.context.close()
