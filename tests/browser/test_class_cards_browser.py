"""On a phone: a facilitator makes a class of 30 from a CSV with Khmer names, previews it, imports it and
prints the login cards; a learner opens her card's link on her own phone, signs in once and chooses a
password; the same card then signs no one in."""

import pytest
from playwright.sync_api import expect

from labs.classes.models import Membership
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_class_of_thirty_from_a_csv_and_a_learner_signs_in_with_her_card(live_server, browser, phone):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory(name="Otres Center", name_km="មជ្ឈមណ្ឌលអូរត្រេះ")
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda")
    center.facilitators.add(facilitator)

    login(phone.context, facilitator, live_server)
    phone.goto(f"{live_server.url}/en/facilitate/")
    phone.get_by_role("link", name="Classes and login cards").click()
    phone.get_by_label("Class name").fill("Saturday coders")
    phone.get_by_role("button", name="Create the class").click()
    expect(phone.locator("h1")).to_have_text("Saturday coders")

    phone.get_by_role("link", name="Add learners from a file").click()
    names = ["សុភា", "ដារា", "ស្រីនាង", "វណ្ណា", "សុខា"] + [f"Learner {n}" for n in range(25)]
    rows = "".join(f"{name},,{10 + n % 12},{'girl' if n % 2 else ''},\n" for n, name in enumerate(names))
    csv = ("nickname,display name,age,gender,guardian phone\n" + rows).encode("utf-8-sig")
    phone.get_by_label("Roster file (CSV or XLSX)").set_input_files(
        files=[{"name": "class.csv", "mimeType": "text/csv", "buffer": csv}])
    phone.get_by_role("button", name="Check the file").click()
    expect(phone.locator("#import-summary")).to_contain_text("30 rows are ready")
    expect(phone.locator("table")).to_contain_text("ស្រីនាង")
    assert not Membership.objects.exists()  # the preview created nothing
    phone.get_by_role("button", name="Create 30 learners").click()
    expect(phone.locator(".messages")).to_contain_text("30 learners were added to the class")
    assert Membership.objects.count() == 30

    phone.get_by_role("link", name="Login cards").click()
    phone.get_by_role("button", name="Print the cards").click()
    expect(phone.locator(".login-card")).to_have_count(30)
    card = phone.locator(".login-card").filter(has_text="សុភា")
    expect(card.locator("svg")).to_be_visible()
    expect(card).to_contain_text("Otres Center")
    link = card.locator(".login-card-link a").get_attribute("href")
    screenshot(phone, "class-login-cards-phone", full_page=False)

    # Sophea, on her own phone, opens the link of her card (what the QR code holds).
    own = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                              locale="km-KH")
    mine = own.new_page()
    mine.set_default_timeout(15000)
    mine.goto(link)
    expect(mine.locator("main")).to_contain_text("សុភា")
    mine.locator("form button[type=submit]").click()
    mine.locator("input[name=password1]").fill("river-mango-bicycle-42")
    mine.locator("input[name=password2]").fill("river-mango-bicycle-42")
    mine.locator("main form button[type=submit]").click()
    learner = Membership.objects.get(learner__nickname="សុភា").learner
    learner.refresh_from_db()
    assert learner.check_password("river-mango-bicycle-42") and not learner.must_change_password
    # The card worked once: opened again (another phone, or after signing out) it signs no one in.
    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    again = other.new_page()
    again.goto(link)
    expect(again.locator("main")).to_contain_text("This login card was already used")
    own.close()
    other.close()
