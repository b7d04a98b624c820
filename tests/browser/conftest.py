"""Headless Debian Chromium driven by Playwright (never `playwright install`: no downloads here)."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def browser(_django_db_marker):
    # Function-scoped, after the database fixture: Playwright runs an event loop in this thread, and
    # with a loop running Django hands out other connection objects, so a serialized rollback would
    # silently skip restoring the database (the Wagtail root page, default rules) for this test.
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: `make test` installs it (make browser-deps)")
    # Playwright's sync API runs an event loop; Django's ORM calls in the test thread are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()
        # The ORM calls the test made while this loop ran used connections of their own; close them,
        # or PostgreSQL keeps a session open and the test database cannot be dropped at the end.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def phone_context(browser, timeout: int = 15000):
    """A phone-sized, touch context of `browser` and its first page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(timeout)
    return context, page


@pytest.fixture
def phone(browser):
    context, page = phone_context(browser)
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
