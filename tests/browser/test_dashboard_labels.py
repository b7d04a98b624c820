"""The centers dashboard's bars carry each center's whole name, on a phone and on a desktop, in Khmer."""

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_trophies import login
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NAMES = [("Stung Meanchey Smart Neighborhood Center – North", "មជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃ ស្ទឹងមានជ័យ – ខាងជើង"),
         ("Stung Meanchey Smart Neighborhood Center – South", "មជ្ឈមណ្ឌលសង្កាត់ឆ្លាតវៃ ស្ទឹងមានជ័យ – ខាងត្បូង")]


@pytest.mark.parametrize("viewport, language", [((390, 844), "km"), ((390, 844), "en"), ((1200, 900), "en")])
def test_each_bar_shows_its_centers_whole_name(live_server, browser, viewport, language):
    for name, name_km in NAMES:
        CenterFactory(name=name, name_km=name_km)
    staff = UserFactory(roles=["innovation-unit"])
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    login(context, staff, live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/centers/dashboard/")
    labels = page.locator(".bar-chart").first.locator(".bar-label")
    shown = {labels.nth(i).inner_text() for i in range(labels.count())}
    expected = {name_km if language == "km" else name for name, name_km in NAMES}
    assert expected <= shown
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        # Inside the page and not cut: the label's text fits its box (it wraps instead).
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert labels.nth(i).evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    bars = page.locator(".bar-chart").first.locator(".bar-fill")
    assert all(bars.nth(i).bounding_box()["width"] < 3 for i in range(bars.count()))  # no one came: 0
    if width < 500:
        screenshot(page, f"centers-dashboard-{language}-phone")
    context.close()
