"""In Chromium: a facilitator creates a session, makes the world (progress until ready),
downloads it, uploads the teams' world back and opens the gallery with renders and metrics."""

import pytest
from playwright.sync_api import expect

from games.minecraft import services
from tests.browser.conftest import browser, screenshot  # noqa: F401 - the shared browser fixture
from tests.browser.test_trophies import login

from .conftest import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_facilitator_goes_from_site_to_gallery(live_server, browser, facilitator, tmp_path):  # noqa: F811
    services.create_site(user=None, name_en="Sangkat Square", geojson=SAMPLE.read_text(), crs="wgs84")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    login(context, facilitator, live_server)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(live_server.url + "/en/codesign/new/")
    page.get_by_label("Title", exact=True).fill("Saturday at the square")
    page.get_by_label("Site", exact=True).select_option(label="Sangkat Square")
    page.get_by_label("Teams (one name per line)", exact=True).fill("Mango\nLotus")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".messages")).to_contain_text("Session created")
    page.get_by_role("button", name="Make the world").click()
    expect(page.locator("#download-world")).to_be_visible()
    with page.expect_download() as download_info:
        page.locator("#download-world").click()
    world = tmp_path / "world.zip"
    download_info.value.save_as(world)
    assert world.stat().st_size > 100_000
    screenshot(page, "bb-session")
    page.get_by_label("World zip (the world folder from .minecraft/saves, zipped)", exact=True).set_input_files(
        str(world))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator(".messages")).to_contain_text("Importing the builds")
    expect(page.locator("#capture")).to_contain_text("ready")
    page.get_by_role("link", name="Presentation day: the gallery").click()
    expect(page.locator("#gallery article")).to_have_count(2)
    expect(page.locator("#gallery table.metrics").first).to_contain_text("seats")
    # The renders come through the access-checking view (minecraft:render), not /media/.
    render = page.locator("#gallery img").first
    assert "/builds/" in render.get_attribute("src")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=render.element_handle())
    screenshot(page, "bb-gallery")
