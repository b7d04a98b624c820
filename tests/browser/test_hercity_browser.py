"""A Her City workshop from the first step to a proposal on a phone, then the city answers it."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from labs.hercity import services as hercity
from labs.models import Session
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def _cookie(user, live_server):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}


@pytest.fixture
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def _page(browser, user, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    context.add_cookies([_cookie(user, live_server)])
    return context.new_page()


def test_hercity_workshop_to_answered_proposal(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    center = CenterFactory()
    facilitator = UserFactory(roles=["facilitator"], nickname="Srey Neang")
    participant = UserFactory(nickname="Bopha", gender="woman")
    staff = UserFactory(roles=["innovation-unit"])
    now = timezone.now()
    session = Session.objects.create(center=center, kind="hercity", title="Her City walk", starts_at=now,
                                     ends_at=now + timedelta(hours=3))
    session.facilitators.add(facilitator)
    w = hercity.create_workshop(facilitator=facilitator, session=session, site_name="Market lane",
                                latitude="10.627", longitude="103.522")
    url = f"{live_server.url}/en/participate/hercity/{w.pk}/"
    girl = _page(browser, participant, live_server)
    lead = _page(browser, facilitator, live_server)

    # (1) Safety walk on the participant's phone.
    girl.goto(url)
    girl.fill("#place", "Market gate")
    for key in ("lighting", "visibility", "openness", "signage", "people", "security", "transport",
                "surveillance", "maintenance", "sidewalk"):
        girl.check(f"input[name={key}][value='2']")
    girl.fill("#lat", "10.6271")
    girl.fill("#lon", "103.5221")
    girl.screenshot(path=str(SHOTS / "hercity-1-safety-walk.png"), full_page=True)
    girl.click("text=Save my scores")
    assert girl.locator("text=You scored 1 place.").is_visible()

    def next_step():
        lead.goto(url)
        lead.click("text=Next step")

    # (2) Envision.
    next_step()
    girl.goto(url)
    girl.fill("#text", "Bright lights along the lane")
    girl.click("button:has-text('Add')")
    # (3) Design with a Minecraft session link.
    next_step()
    girl.goto(url)
    girl.fill("#text", "A covered bench by the gate")
    girl.fill("#link", "blockbyblock-session-7")
    girl.click("button:has-text('Add')")
    # (4) Dot voting.
    next_step()
    girl.goto(url)
    girl.locator("li", has_text="Bright lights").locator("button").click()
    assert girl.locator("li", has_text="Bright lights").locator(".meta", has_text="(1)").is_visible()
    # The counter of dots left is on the page, counted down by the server (3 per person by default).
    assert "2" in girl.locator("#dots-left").inner_text()
    girl.screenshot(path=str(SHOTS / "hercity-4-dot-voting.png"), full_page=True)
    # (5) Action plan, then the facilitator turns it into a proposal.
    next_step()
    girl.goto(url)
    girl.fill("#what", "Ask the commune for solar lamps")
    girl.fill("#who", "Youth group")
    girl.click("text=Add to the plan")
    lead.goto(url)
    lead.fill("#ptitle", "A safer market lane")
    lead.screenshot(path=str(SHOTS / "hercity-5-action-plan.png"), full_page=True)
    lead.click("text=Finish and make the proposal")
    assert lead.locator("h1", has_text="A safer market lane").is_visible()
    assert "Bright lights along the lane (1)" in lead.locator(".proposal-body").inner_text()
    proposal_url = lead.url

    # Staff answer; the participant (a supporter) sees the answer and a notification.
    girl.goto(proposal_url)
    girl.click("#support button")
    desk = _page(browser, staff, live_server)
    desk.goto(proposal_url)
    desk.select_option("#id_state", "accepted")
    desk.fill("#id_answer", "Twelve solar lamps will be installed before the rains.")
    desk.click("text=Publish answer")
    girl.goto(proposal_url)
    assert girl.locator(".city-answer", has_text="Twelve solar lamps").is_visible()
    girl.screenshot(path=str(SHOTS / "hercity-6-answer-seen.png"), full_page=True)
    girl.goto(f"{live_server.url}/en/notifications/")
    assert girl.locator("text=The city answered").first.is_visible()
