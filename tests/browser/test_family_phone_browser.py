"""On a phone: two sisters share one number; the login asks for the username, and their
facilitator finds both by the number typed the local way."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_trophies import login
from tests.factories import PASSWORD, CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_sisters_sharing_a_phone_log_in_by_username_and_staff_find_both(live_server, phone):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory(name="Boeung Keng Kang Center")
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda")
    center.facilitators.add(facilitator)
    UserFactory(username="srey", nickname="Srey", phone="+85512345678", home_center=center)
    UserFactory(username="mony", nickname="Mony", phone="+85512345678", home_center=center)
    UserFactory(username="dara", nickname="Dara", phone="+85599888777", home_center=center)

    phone.goto(f"{live_server.url}/en/accounts/login/")
    phone.get_by_label("Username or phone number").fill("012 345 678")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("main")).to_contain_text("Please log in with your username instead")
    phone.get_by_label("Username or phone number").fill("Mony")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_label("Username or phone number")).to_have_count(0)

    phone.context.clear_cookies()
    login(phone.context, facilitator, live_server)
    phone.goto(f"{live_server.url}/en/facilitate/")
    phone.get_by_role("link", name="Learners and passwords").click()
    phone.get_by_label("Find a learner by username or phone number").fill("012 345 678")
    phone.get_by_role("button", name="Find", exact=True).click()
    table = phone.locator("table")
    expect(table).to_contain_text("Srey")
    expect(table).to_contain_text("Mony")
    expect(table).not_to_contain_text("Dara")
