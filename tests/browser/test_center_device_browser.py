"""Issue 18: a facilitator registers the center PC and gives Srey her pictures; on that PC Srey taps
her name and three pictures and is in; "Switch learner" leaves nothing of her; wrong pictures lock."""

import pytest
from playwright.sync_api import expect

from cms.models import Notification
from labs.devices.models import CenterDevice, PicturePassword
from labs.devices.selectors import cookie_name
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _tap(page, *names):
    for name in names:
        page.get_by_role("button", name=name, exact=True).click()


def test_srey_signs_in_with_her_pictures_on_the_center_pc(live_server, browser):
    build_site(lessons=1, quiz_in=(), with_khmer=False)
    center = CenterFactory(name="Boeung Keng Kang Center")
    facilitator = UserFactory(roles=["facilitator"], nickname="Chenda")
    center.facilitators.add(facilitator)
    srey = UserFactory(nickname="Srey", home_center=center, age_band="13-17", display_name="Srey Mom")

    # At the center PC, the facilitator signs in with her own account and registers it.
    pc = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    login(pc, facilitator, live_server)
    page = pc.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/en/facilitate/")
    page.get_by_role("link", name="Devices", exact=True).click()
    page.get_by_label("Name of this computer or tablet").fill("PC 1")
    page.get_by_role("button", name="Register this computer").click()
    expect(page.locator("main")).to_contain_text("This browser is now PC 1, a device of Boeung Keng Kang Center")
    assert CenterDevice.objects.filter(center=center, name="PC 1").exists()

    # She gives Srey her pictures from the center's learners page.
    page.goto(f"{live_server.url}/en/facilitate/")
    page.get_by_role("link", name="Learners and passwords").click()
    page.get_by_role("link", name="Pictures", exact=True).click()
    page.get_by_label("First picture").select_option("mango")
    page.get_by_label("Second picture").select_option("fish")
    page.get_by_label("Third picture").select_option("cat")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Srey can now sign in on this center's devices")
    assert PicturePassword.objects.filter(user=srey, kind="pictures").exists()
    device_cookie = next(c for c in pc.cookies() if c["name"] == cookie_name())
    pc.close()

    # The same PC later: only the device cookie is left. Srey finds her name and taps her pictures.
    kiosk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    kiosk.add_cookies([device_cookie])
    page = kiosk.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("link", name="Sign in with your pictures").click()
    expect(page.locator("main")).to_contain_text("Srey")
    expect(page.locator("main")).not_to_contain_text("Srey Mom")  # a minor: nickname only
    page.get_by_label("Your nickname").fill("sre")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Srey").click()
    screenshot(page, "device-pictures-sign-in")
    _tap(page, "mango", "fish", "cat")
    expect(page.locator("#device-bar")).to_contain_text("Signed in as Srey")
    page.evaluate("""() => { localStorage.setItem('sangkat-xapi-queue-' + 'x', '[]');
                             localStorage.setItem('sangkat-draft', 'her notes');
                             sessionStorage.setItem('sangkat-step', '2'); }""")

    # "Not you? Switch learner": one tap, and nothing of her is left.
    page.get_by_role("button", name="Not you? Switch learner").click()
    expect(page.locator("main")).to_contain_text("The next learner can find her name")
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    page.go_back()
    expect(page.locator("body")).not_to_contain_text("Signed in as Srey")
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0

    # Someone else tries her pictures: after five wrong tries her picture sign-in locks.
    page.goto(f"{live_server.url}/en/device/")
    page.get_by_role("link", name="Srey").click()
    for _ in range(5):
        _tap(page, "cat", "fish", "mango")
    expect(page.locator("#signin-error")).to_contain_text("locked")
    _tap_none = page.get_by_role("button", name="mango", exact=True)
    expect(_tap_none).to_have_count(0)
    assert PicturePassword.objects.get(user=srey).is_locked
    assert Notification.objects.filter(user=facilitator, kind="devices.picture_locked").exists()
    kiosk.close()
