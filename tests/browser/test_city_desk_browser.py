"""Staff pages on a phone: the city desk opens a call, a moderator hides a reported post from the
queue, a facilitator confirms a member of the women-and-girls space."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from labs.participation import services
from labs.participation.models import Call, WomenSpaceMembership
from tests.browser.conftest import screenshot
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page, user, live_server):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    page.context.clear_cookies()
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": store.session_key,
                               "url": live_server.url}])


def test_staff_moderator_and_facilitator_pages_on_a_phone(phone, live_server):
    center = CenterFactory()
    staff = UserFactory(roles=["innovation-unit"], nickname="City staff")
    moderator = UserFactory(roles=["moderator"], nickname="Moderator")
    facilitator = UserFactory(roles=["facilitator"], nickname="Facilitator")
    center.facilitators.add(facilitator)
    author = UserFactory(nickname="Dara", home_center=center)
    proposal = services.submit_proposal(author=author, title="Buy me followers", body="Cheap followers here.",
                                        category="economy")
    services.report(user=UserFactory(), proposal=proposal, reason="Advertising")
    services.request_women_space(user=UserFactory(nickname="Bopha", gender="woman", home_center=center))
    today = timezone.localdate()

    # The city desk: open a call from the phone.
    _login(phone, staff, live_server)
    phone.goto(f"{live_server.url}/en/participate/desk/")
    phone.get_by_role("link", name="Open a call", exact=True).click()
    phone.get_by_label("Topic", exact=True).fill("Safer school routes")
    phone.get_by_label("Question to residents", exact=True).fill("What would make the walk to school safer?")
    phone.get_by_label("Collect ideas: first day", exact=True).fill(today.isoformat())
    phone.get_by_label("Collect ideas: last day", exact=True).fill((today + timedelta(days=14)).isoformat())
    phone.get_by_label("Prioritise: first day", exact=True).fill((today + timedelta(days=15)).isoformat())
    phone.get_by_label("Prioritise: last day", exact=True).fill((today + timedelta(days=21)).isoformat())
    screenshot(phone, "city-desk-open-call")
    phone.get_by_role("button", name="Open the call", exact=True).click()
    assert phone.get_by_role("heading", name="Safer school routes", exact=True).is_visible()
    assert Call.objects.get().phases.count() == 2
    phone.goto(f"{live_server.url}/en/participate/desk/")
    assert phone.get_by_text("Now: Collect ideas", exact=False).is_visible()
    screenshot(phone, "city-desk")

    # The moderator hides the reported post from the queue.
    _login(phone, moderator, live_server)
    phone.goto(f"{live_server.url}/en/participate/moderation/")
    assert phone.get_by_text("Advertising", exact=True).is_visible()
    screenshot(phone, "moderation-queue")
    phone.get_by_label("Public reason (required)", exact=True).fill("Advertising is not allowed")
    phone.get_by_role("button", name="Hide", exact=True).click()
    assert phone.get_by_text("No open reports. Thank you!", exact=True).is_visible()
    proposal.refresh_from_db()
    assert proposal.is_hidden

    # The facilitator confirms a member of her center.
    _login(phone, facilitator, live_server)
    phone.goto(f"{live_server.url}/en/participate/women/requests/")
    screenshot(phone, "women-space-requests")
    phone.get_by_role("button", name="Confirm", exact=True).click()
    assert phone.get_by_text("Confirmed: Bopha can enter the space.", exact=True).is_visible()
    assert WomenSpaceMembership.objects.get().confirmed_by == facilitator
