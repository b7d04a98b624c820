"""Issue 18, "Done when": a facilitator (never the superuser) creates a class of 30 from a CSV with Khmer names,
sets the class to pictures, gives one learner her pictures with a hint, prints the cards and registers the
center PC; that learner signs in with her pictures on the PC, and another signs in with her card on her own
phone, in Khmer, chooses her pictures there; both land on their learning page."""

import re

import pytest
from django.urls import reverse
from django.utils.translation import override
from playwright.sync_api import expect

from labs.classes.models import Class, Membership
from labs.devices.models import PicturePassword
from labs.devices.selectors import cookie_name
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _tap(page, *keys):
    for key in keys:
        page.locator(f"button[name=pick][value={key}]").click()


def test_a_class_of_thirty_signs_in_with_pictures_on_the_pc_and_with_a_card_on_a_phone(live_server, browser):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory(name="Otres Center", name_km="មជ្ឈមណ្ឌលអូរត្រេះ")
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda")
    center.facilitators.add(facilitator)
    assert not facilitator.is_superuser

    # At the center PC, the facilitator, signed in with her own account.
    pc = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    login(pc, facilitator, live_server)
    page = pc.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/en/facilitate/")
    page.get_by_role("link", name="Classes and login cards").click()
    page.get_by_label("Class name").fill("ថ្នាក់ថ្ងៃសៅរ៍")
    page.get_by_role("button", name="Create the class").click()

    page.get_by_role("link", name="Add learners from a file").click()
    names = ["សុភា", "ដារា", "ស្រីនាង", "វណ្ណា", "សុខា"] + [f"សិស្ស {n}" for n in range(25)]
    rows = "".join(f"{name},,{10 + n % 12},{'girl' if n % 2 else ''},\n" for n, name in enumerate(names))
    csv = ("nickname,display name,age,gender,guardian phone\n" + rows).encode("utf-8-sig")
    page.get_by_label("Roster file (CSV or XLSX)").set_input_files(
        files=[{"name": "class.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Create 30 learners").click()
    expect(page.locator(".messages")).to_contain_text("30 learners were added to the class")

    # The facilitator chooses per class: pictures.
    page.get_by_label("Three pictures on a center device").check()
    page.get_by_role("button", name="Save how they sign in").click()
    expect(page.locator("#sign-in-kind")).to_contain_text("Now: Three pictures on a center device")
    assert Class.objects.get().sign_in_kind == "pictures"

    # She gives Sophea her pictures (the form starts on the class's kind) and a hint for her card.
    page.get_by_role("link", name="Picture passwords of this class").click()
    page.locator("#class-pictures tr", has_text="សុភា").get_by_role("link").click()
    expect(page.get_by_label("Three pictures", exact=True)).to_be_checked()
    page.get_by_label("First picture").select_option("boat")
    page.get_by_label("Second picture").select_option("star")
    page.get_by_label("Third picture").select_option("sun")
    page.get_by_label("Hint printed on her login card (optional)").fill("the song we sang")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#class-pictures tr", has_text="សុភា")).to_contain_text("the song we sang")

    # Prints the cards: 30, each with the sign-in line of a picture class and never the pictures.
    page.get_by_role("link", name=re.compile("ថ្នាក់ថ្ងៃសៅរ៍")).first.click()
    page.get_by_role("link", name="Login cards").click()
    page.get_by_role("button", name="Print the cards").click()
    expect(page.locator(".login-card")).to_have_count(30)
    sophea_card = page.locator(".login-card").filter(has_text="សុភា")
    expect(sophea_card.locator(".login-card-hint")).to_have_text(
        "At the center: find your name on a computer and tap your three pictures. Hint: the song we sang")
    dara_link = page.locator(".login-card").filter(has_text="ដារា").locator(".login-card-link a").get_attribute("href")
    screenshot(page, "class-cards-pictures", full_page=False)

    # Registers this PC as a device of the center.
    page.goto(f"{live_server.url}/en/facilitate/")
    page.get_by_role("link", name="Devices", exact=True).click()
    page.get_by_label("Name of this computer or tablet").fill("PC 1")
    page.get_by_role("button", name="Register this computer").click()
    device_cookie = next(c for c in pc.cookies() if c["name"] == cookie_name())
    pc.close()

    # The same PC, the facilitator gone: Sophea finds her name and taps her three pictures.
    kiosk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    kiosk.add_cookies([device_cookie])
    pc_page = kiosk.new_page()
    pc_page.set_default_timeout(15000)
    pc_page.goto(f"{live_server.url}/en/device/")
    pc_page.get_by_label("Your nickname").fill("សុភា")
    pc_page.get_by_role("button", name="Find").click()
    pc_page.get_by_role("link", name="សុភា").click()
    _tap(pc_page, "boat", "star", "sun")
    expect(pc_page.locator("#device-bar")).to_contain_text("សុភា")
    assert pc_page.url.endswith(reverse("my_learning"))

    # Dara, on her own phone, in Khmer: her card signs her in once and she chooses her pictures.
    own = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                              locale="km-KH")
    phone = own.new_page()
    phone.set_default_timeout(15000)
    phone.goto(dara_link)
    expect(phone.locator("main")).to_contain_text("ដារា")
    phone.locator("main form button[type=submit]").click()
    with override("km"):
        choose, learning = reverse("devices:choose_own"), reverse("my_learning")
    expect(phone).to_have_url(re.compile(re.escape(choose) + "$"))
    expect(phone.locator("html")).to_have_attribute("lang", "km")
    _tap(phone, "fish", "fish", "flower")
    phone.locator("button[name=save]").click()
    expect(phone).to_have_url(re.compile(re.escape(learning) + "$"))
    screenshot(phone, "card-then-pictures-phone", full_page=False)
    dara = Membership.objects.get(learner__nickname="ដារា").learner
    dara.refresh_from_db()
    assert not dara.must_change_password and PicturePassword.objects.get(user=dara).kind == "pictures"
    kiosk.close()
    own.close()
