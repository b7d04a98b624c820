"""In Chromium: the demo cmi5 AU answered half on a center PC resumes on her phone in Khmer (same
registration, State read with the AU's one-time token), and completing it completes the lesson."""

import io
import json

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from courses.cmi5.demo import DEMO, demo_package
from courses.cmi5.services import install_package
from tests.browser.conftest import screenshot
from tests.browser.test_h5p import log_in, media  # noqa: F401 (fixture)
from tests.factories import UserFactory, build_site, text_block

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
BLOCK_ID = "8e6f3b0a-9e4c-4a2b-b7d3-4f9e2a6c0005"


def _body(course, title) -> str:
    return json.dumps([text_block("Messages can hide tricks."),
                       {"type": "cmi5", "id": BLOCK_ID, "value": {"course": course.pk, "title": title}}])


def lesson_with_course():
    site = build_site(lessons=2, quiz_in=())
    lesson = site["lessons"][0]
    lesson.body = _body(install_package(source=io.BytesIO(demo_package("en"))), "Safe messages")
    lesson.save_revision().publish()
    khmer = lesson.get_translation(Locale.objects.get(language_code="km"))
    khmer.body = _body(install_package(source=io.BytesIO(demo_package("km"))), DEMO["km"]["title"])
    khmer.save_revision().publish()
    return lesson, khmer


def new_device(browser, live_server, user, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, user)
    return page


def test_a_cmi5_au_resumes_on_another_device_and_completes_the_lesson(live_server, media, browser):  # noqa: F811
    from courses.cmi5.models import Registration
    from courses.models import LessonProgress
    from courses.xapi.models import ActivityState

    lesson, khmer = lesson_with_course()
    learner = UserFactory()
    en, km = DEMO["en"], DEMO["km"]

    center_pc = new_device(browser, live_server, learner, locale="en-US", viewport={"width": 1200, "height": 900})
    problems = []
    center_pc.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    center_pc.goto(live_server.url + lesson.url)
    center_pc.locator(".cmi5-launch").click()
    au = center_pc.frame_locator("iframe.cmi5-frame")
    expect(au.locator("body[data-ready='1']")).to_be_attached()
    au.get_by_role("radio", name=en["questions"][0]["answers"][1]).check()
    expect(au.locator("#status")).to_have_text(en["ui"]["saved"])
    saved = ActivityState.objects.get(user=learner, state_id="sangkat.answers")
    assert json.loads(saved.document) == {"0": 1}
    # The one expected failure: the first read of her saved answers finds none yet (404, per xAPI).
    assert all("status of 404" in problem for problem in problems), problems
    center_pc.context.close()

    phone = new_device(browser, live_server, learner, locale="km-KH", viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    phone.goto(live_server.url + khmer.url)
    phone.locator(".cmi5-launch").click()
    au = phone.frame_locator("iframe.cmi5-frame")
    expect(au.locator("body[data-ready='1']")).to_be_attached()
    expect(au.locator("#welcome-back")).to_be_visible()
    expect(au.get_by_role("radio", name=km["questions"][0]["answers"][1])).to_be_checked()
    screenshot(phone, "cmi5-resume-phone-km")
    assert Registration.objects.filter(user=learner).count() == 1
    au.get_by_role("radio", name=km["questions"][1]["answers"][1]).check()
    au.get_by_role("radio", name=km["questions"][2]["answers"][0]).check()
    expect(au.locator("#status")).to_have_text(km["ui"]["finished"])
    progress = LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key)
    assert progress.completed_at is not None
    phone.reload()
    expect(phone.locator(".cmi5-status")).not_to_be_empty()
    phone.context.close()
