"""On a phone, in Khmer, the facilitator puts a trainee on a session from the session page; the
trainee then finds it on her ambassador dashboard."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from ambassadors import services as track
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory
from tests.labs.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_facilitator_assigns_a_trainee_on_a_phone_in_khmer(live_server, browser):
    center = CenterFactory()
    facilitator = UserFactory(roles=["facilitator"], preferred_language="km")
    center.facilitators.add(facilitator)
    staff = UserFactory(roles=["innovation-unit"])
    trainee = UserFactory(home_center=center, nickname="Sophea", preferred_language="km")
    application = track.apply(user=trainee, center=center, availability="Saturdays",
                              motivation="I want to help my neighbours use the city's e-services.")
    track.accept(by=staff, application=application)
    session = make_session(center, title="Phone basics")

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(context, facilitator, live_server)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/km/sessions/{session.pk}/")
    with translation.override("km"):
        trainee_label = translation.gettext("%(name)s (trainee)") % {"name": "Sophea"}
        save = translation.gettext("Save ambassadors")
        saved = translation.gettext("Ambassadors saved. Those added have been told.")
    page.get_by_label(trainee_label).check()
    screenshot(page, "session-ambassadors-km-phone")
    page.get_by_role("button", name=save).click()
    expect(page.locator(".messages")).to_contain_text(saved)
    assert list(session.ambassadors.all()) == [trainee]
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(context, trainee, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/km/ambassadors/dashboard/")
    expect(page.locator("main")).to_contain_text("Phone basics")
    context.close()
