"""Issue 16, joint 1 in the browser: a learner on a phone, in Khmer, answers a call from its page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from labs.participation import services
from labs.participation.models import Proposal
from tests.browser.conftest import screenshot
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_learner_answers_a_call_from_its_page_on_a_phone_in_khmer(phone, live_server):
    now = timezone.now()
    staff = UserFactory(roles=["innovation-unit"])
    call = services.open_call(
        staff=staff, title="ផ្លូវស្អាត", question="តើយើងរក្សាផ្លូវឱ្យស្អាតដោយរបៀបណា?",
        phases=[("collect", now - timedelta(days=1), now + timedelta(days=9)),
                ("prioritise", now + timedelta(days=9), now + timedelta(days=19))])
    # Like demo-learner: a learner of a center, signed up with a password, Khmer by choice.
    UserFactory(username="sreymom", roles=["learner"], home_center=CenterFactory(), preferred_language="km")
    base = live_server.url

    phone.goto(f"{base}/km/accounts/login/")
    phone.locator("input[name=username]").fill("sreymom")
    phone.locator("input[name=password]").fill("correct horse battery")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(f"{base}/km/**")

    phone.goto(f"{base}/km/participate/calls/{call.pk}/")
    phone.get_by_role("link", name="ដាក់សំណើ", exact=True).click()  # "Make a proposal"
    expect(phone.locator("#answers-call")).to_contain_text("ផ្លូវស្អាត")
    expect(phone.locator("#answers-call")).to_contain_text(call.question)
    phone.locator("input[name=title]").fill("ធុងសំរាមនៅគ្រប់កាច់ជ្រុង")
    phone.locator("textarea[name=body]").fill("ផ្លូវពេញដោយប្លាស្ទិក។")
    phone.locator("select[name=category]").select_option("waste")
    screenshot(phone, "call-proposal-km-phone")
    phone.locator("main form button[type=submit]").click()

    proposal = Proposal.objects.get(title="ធុងសំរាមនៅគ្រប់កាច់ជ្រុង")
    assert proposal.call_id == call.pk
    phone.goto(f"{base}/km/participate/calls/{call.pk}/")
    expect(phone.get_by_role("link", name="ធុងសំរាមនៅគ្រប់កាច់ជ្រុង")).to_be_visible()
