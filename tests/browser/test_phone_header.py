"""On a phone the header's links fold into a Menu, so a page's content starts in the first screen;
a certified ambassador prints her certificate on one page without the site's header."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ambassadors.models import Certification
from games.receivers import AMBASSADOR_BADGE
from games.services import issue_badge
from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US"}


def open_as(browser, live_server, user, **options):
    context = browser.new_context(**{**PHONE, **options})
    login(context, user, live_server)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_links_fold_into_a_menu_and_content_starts_in_the_first_screen(
        live_server, browser, javascript):
    # The most links: Innovation Unit staff who also moderate (11 links).
    staff = UserFactory(nickname="Dara", roles=["innovation-unit", "moderator"])
    context, page = open_as(browser, live_server, staff, java_script_enabled=javascript)
    page.goto(f"{live_server.url}/en/ambassadors/dashboard/")
    heading = page.locator("main h1")
    top = heading.bounding_box()["y"]
    assert top < 844 / 3, f"the page's heading starts {top:.0f} px down a 844 px screen"
    print(f"heading top: {top:.0f} px")
    links = page.locator(".site-header .nav-menu a")
    assert links.count() == 11  # every link the role has, all in the menu
    expect(links.first).to_be_hidden()
    menu = page.locator(".nav-menu > summary", has_text="Menu")
    menu.click()
    expect(page.get_by_role("link", name="City desk")).to_be_visible()
    if javascript:
        screenshot(page, "phone-header-menu-open", full_page=False)
    page.get_by_role("link", name="My learning").click()
    expect(page).to_have_url(live_server.url + reverse("my_learning"))
    context.close()


def test_on_a_wide_screen_the_links_show_without_a_menu(live_server, browser):
    staff = UserFactory(roles=["innovation-unit", "moderator"])
    context, page = open_as(browser, live_server, staff, viewport={"width": 1200, "height": 900},
                            is_mobile=False, has_touch=False)
    page.goto(f"{live_server.url}/en/ambassadors/dashboard/")
    expect(page.get_by_role("link", name="City desk")).to_be_visible()
    expect(page.locator(".nav-menu > summary")).to_be_hidden()
    context.close()


def test_the_certificate_prints_on_one_page_without_the_site_header(live_server, browser):
    staff = UserFactory(roles=["innovation-unit"])
    ambassador = UserFactory(nickname="Sreyneang", display_name="Sok Sreyneang")
    now = timezone.now()
    Certification.objects.create(user=ambassador, issued_at=now, expires_at=now + timedelta(days=365),
                                 issued_by=staff)
    issue_badge(user=ambassador, slug=AMBASSADOR_BADGE)
    context, page = open_as(browser, live_server, ambassador)
    page.goto(f"{live_server.url}/en/ambassadors/dashboard/")
    page.get_by_role("link", name="Print your certificate").click()
    expect(page.locator("h1")).to_have_text("Digital City Ambassador")
    expect(page.get_by_role("img", name="QR code to check this certificate")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # the script shows it
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-help")).to_be_hidden()
    screenshot(page, "certificate-print", full_page=False)
    pdf = page.pdf(prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the certificate prints on {pages} pages"
    context.close()
