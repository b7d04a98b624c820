"""Attendance on a phone at Kolibri's asked-for speed: find a name as you type, mark everyone
registered with one tap and undo it, the QR card below the list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from labs.models import Attendance, Registration, RegistrationStatus, Session
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
NAMES = ["Sokha", "Sophea", "Dara", "Chenda", "Bopha", "Vanna", "Rith", "Sreyneang"]


def test_a_facilitator_finds_marks_all_and_undoes_on_a_phone(live_server, phone):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory()
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda F")
    center.facilitators.add(facilitator)
    now = timezone.now()
    session = Session.objects.create(center=center, title="Phones for beginners", capacity=20,
                                     starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1))
    for name in NAMES:
        Registration.objects.create(session=session, user=UserFactory(nickname=name),
                                    status=RegistrationStatus.REGISTERED)
    login(phone.context, facilitator, live_server)
    phone.goto(f"{live_server.url}/en/sessions/{session.pk}/run/")

    # The list first, the QR card below it on a phone.
    registered = phone.locator("section.registered").bounding_box()
    checkin = phone.locator("section.checkin").bounding_box()
    assert checkin["y"] > registered["y"] + registered["height"] - 1

    # Search as you type.
    phone.get_by_label("Find a name").fill("sop")
    expect(phone.locator("#registered .roster-row:visible")).to_have_count(1)
    expect(phone.locator("#registered .roster-row:visible")).to_contain_text("Sophea")
    phone.get_by_label("Find a name").fill("")
    expect(phone.locator("#registered .roster-row:visible")).to_have_count(len(NAMES))

    # One person by hand, then everyone else with one tap, then undo: only the tap's marks go.
    phone.locator("#registered .roster-row", has_text="Dara").get_by_role("button", name="Mark present").tap()
    expect(phone.locator("#queue-status")).to_have_text("All marks are sent.")
    phone.reload()
    phone.get_by_role("button", name=f"Mark all registered present ({len(NAMES) - 1})").tap()
    expect(phone.locator(".undo")).to_contain_text(f"{len(NAMES) - 1} people marked present.")
    assert Attendance.objects.filter(session=session).count() == len(NAMES)
    screenshot(phone, "attendance-mark-all-undo-en")
    phone.get_by_role("button", name="Undo").tap()
    expect(phone.locator(".messages")).to_contain_text(f"Undone: {len(NAMES) - 1} marks taken back.")
    assert list(Attendance.objects.filter(session=session).values_list("user__nickname", flat=True)) == ["Dara"]


def test_without_javascript_the_plain_list_is_there(live_server, browser):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory()
    facilitator = UserFactory(roles=["facilitator"])
    center.facilitators.add(facilitator)
    now = timezone.now()
    session = Session.objects.create(center=center, title="No script", capacity=20,
                                     starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1))
    for name in NAMES:
        Registration.objects.create(session=session, user=UserFactory(nickname=name),
                                    status=RegistrationStatus.REGISTERED)
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    login(context, facilitator, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/sessions/{session.pk}/run/")
    expect(page.get_by_label("Find a name")).to_be_hidden()
    expect(page.locator("#registered .roster-row:visible")).to_have_count(len(NAMES))
    page.get_by_role("button", name=f"Mark all registered present ({len(NAMES)})").click()
    expect(page.locator(".undo")).to_contain_text(f"{len(NAMES)} people marked present.")
    context.close()
