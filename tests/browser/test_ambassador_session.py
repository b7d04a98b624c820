"""An ambassador runs a session on a phone: roster, one QR check-in by a learner, one walk-in sent
while the connection is down (queued, then re-sent), and the report with a photo."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from labs.models import Attendance, Session, SessionReport
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "en-US"}


@pytest.fixture
def chromium():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def logged_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_ambassador_takes_attendance_and_files_the_report_on_a_phone(live_server, chromium, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    center = CenterFactory(name="Buon Center")
    ambassador = UserFactory(roles=["ambassador"], nickname="Dara", home_center=center)
    registered = UserFactory(nickname="Sokha", gender="woman", home_center=center)
    scanner = UserFactory(nickname="Vibol", gender="man", age_band="13-17", home_center=center)
    now = timezone.now()
    session = Session.objects.create(center=center, title="Using the city's e-services", capacity=10,
                                     starts_at=now - timedelta(minutes=15), ends_at=now + timedelta(hours=2))
    session.ambassadors.add(ambassador)
    from labs.services import register

    register(user=registered, session=session)

    context, page = logged_in(chromium, live_server, ambassador)
    page.goto(f"{live_server.url}/en/sessions/{session.pk}/run/")
    assert page.locator("#checkin-code").inner_text() == session.checkin_code
    shot(page, "ambassador-attendance-phone")

    # The registered learner is ticked on the roster.
    page.get_by_role("button", name="Mark present").click()
    expect(page.locator("#queue-status")).to_have_attribute("data-count", "0")

    # A learner scans the QR code with their own phone and checks in.
    learner_context, learner_page = logged_in(chromium, live_server, scanner)
    learner_page.goto(f"{live_server.url}/en/sessions/{session.pk}/check-in/?code={session.checkin_code}")
    learner_page.get_by_role("button", name="I am here").click()
    assert "You are checked in" in learner_page.content()
    shot(learner_page, "learner-qr-check-in-phone")
    learner_context.close()

    # The Wi-Fi drops; a walk-in is added anyway and waits in the browser's queue.
    context.set_offline(True)
    page.get_by_label("Nickname").fill("Grandma Chan")
    page.get_by_label("Age", exact=True).select_option("60+")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#queue-status")).to_have_attribute("data-count", "1")
    assert not Attendance.objects.filter(nickname="Grandma Chan").exists()
    shot(page, "ambassador-walk-in-offline-phone")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-status")).to_have_attribute("data-count", "0")
    assert Attendance.objects.filter(session=session, nickname="Grandma Chan").count() == 1
    assert Attendance.objects.filter(session=session).count() == 3

    # The report: counts are computed; a photo is attached.
    photo = tmp_path / "room.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 200)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    page.goto(f"{live_server.url}/en/sessions/{session.pk}/report/")
    assert "3 people came" in page.content()
    page.get_by_label("What happened").fill("Three people learned to pay a bill online.")
    page.get_by_label("Photos").set_input_files(str(photo))
    page.get_by_role("button", name="File the report").click()
    assert "Report filed" in page.content()
    shot(page, "ambassador-report-phone")
    report = SessionReport.objects.get(session=session)
    assert report.counts["total"] == 3 and report.photos.count() == 1
    context.close()
