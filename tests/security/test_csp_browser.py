"""In Chromium: pages run under their Content-Security-Policy without a single violation."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import browser, page  # noqa: F401  (the Chromium fixtures)
from tests.factories import UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(tab, live_server, user):
    client = Client()
    client.force_login(user)
    tab.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url,
    }])


def watch(tab) -> list[str]:
    """Collect what the browser refused because of the policy, and script errors."""
    problems = []
    tab.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and ("Content Security Policy" in m.text or "Refused" in m.text) else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_public_pages_run_under_the_strict_policy(live_server, page):  # noqa: F811
    site = build_site(lessons=1, quiz_in=(0,))
    log_in(page, live_server, UserFactory())
    problems = watch(page)
    for url in ("/en/", site["course"].url, site["lessons"][0].url, reverse("participation:map"),
                reverse("login")):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
    assert problems == []


def test_the_wagtail_admin_runs_under_its_policy(live_server, page):  # noqa: F811
    site = build_site(lessons=1, quiz_in=())
    log_in(page, live_server, UserFactory(is_superuser=True))
    problems = watch(page)
    for url in ("/admin/", reverse("wagtailadmin_pages:edit", args=[site["lessons"][0].pk]),
                reverse("wagtailadmin_pages:add_subpage", args=[site["course"].pk]), "/admin/audit_log/",
                "/admin/users/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.locator("#main, main").count() >= 1
    assert problems == []
