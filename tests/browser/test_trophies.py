"""A learner finishes a course in the browser, sees points and badges appear on the trophy page,
downloads the baked badge and checks it on the public verification page."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from games.models import BadgeDefinition, Criterion, EventKind
from games.services import record_event
from tests.browser.conftest import screenshot
from tests.factories import UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(context, user, live_server):
    from django.conf import settings

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}])


def test_finishing_a_course_shows_points_and_a_badge_that_verifies(live_server, browser, tmp_path):
    site = build_site(lessons=2, quiz_in=(), with_khmer=False)
    BadgeDefinition.objects.create(slug="safe-online", name_en="Safe online", description_en="Finished Safe online.",
                                   criterion=Criterion.COURSE, course=site["course"], level=2, color="#2a5d9f")
    learner = UserFactory(nickname="Srey", phone="+85512345678")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, accept_downloads=True)
    login(context, learner, live_server)
    page = context.new_page()
    page.set_default_timeout(15000)

    for lesson in site["lessons"]:
        page.goto(live_server.url + lesson.url)
        page.get_by_role("button", name="I finished this lesson ✓").click()
        expect(page.locator(".messages")).to_contain_text("Lesson complete")

    page.goto(live_server.url + "/en/trophies/")
    # 2 lessons x 10 + the course 50 (default rules)
    expect(page.locator("#my-points")).to_have_text("70")
    expect(page.locator("#my-level")).to_have_text("Explorer")
    earned = page.locator("#badges-earned")
    expect(earned).to_contain_text("Safe online")
    expect(earned).to_contain_text("First steps")
    screenshot(page, "trophies-en-phone")
    page.goto(live_server.url + "/km/trophies/")
    expect(page.locator("h1")).to_have_text("ពានរង្វាន់របស់ខ្ញុំ")
    expect(page.locator("#my-level")).to_have_text("អ្នករុករក")
    screenshot(page, "trophies-km-phone")

    # From the trophy page's own link, in Khmer: her rank line, then someone passes her and the
    # next page shows it (her line is kept only until anyone's points on the board change).
    page.locator("a[href$='/leaderboards/']").first.click()
    expect(page).to_have_url(live_server.url + "/km/leaderboards/")
    expect(page.locator("#my-rank")).to_contain_text("70")
    expect(page.locator("table.leaderboard tr.me")).to_contain_text("Srey")
    rival = UserFactory(nickname="Dara")
    for number in range(4):
        record_event(user=rival, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:rival{number}")
    page.reload()
    expect(page.locator("table.leaderboard tbody tr").first).to_contain_text("Dara")
    expect(page.locator("#my-rank")).to_contain_text("2")
    page.goto(live_server.url + "/en/leaderboards/")
    expect(page.locator("#my-rank")).to_have_text("You are number 2 with 70 points.")
    page.goto(live_server.url + "/en/trophies/")

    card = earned.locator("li", has_text="Safe online")
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download the badge").click()
    baked = tmp_path / "badge.png"
    download_info.value.save_as(baked)
    assert baked.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # She has only a phone: the badge is given to a private link, which she alone sees here.
    card.get_by_text("Prove this badge is yours").click()
    private_link = card.locator(".private-link").text_content().strip()
    assert "/openbadges/recipients/" in private_link and "12345678" not in private_link

    # Anyone (logged out) can check it.
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    check = visitor.new_page()
    check.goto(live_server.url + "/en/badges/verify/")
    check.locator("input[name=badge]").set_input_files(str(baked))
    check.locator("input[name=recipient]").fill(private_link)
    check.get_by_role("button", name="Check the badge").click()
    expect(check.locator("#verification-status")).to_have_attribute("data-status", "valid")
    expect(check.locator("#verification")).to_contain_text("Safe online")
    expect(check.locator("#recipient-match")).to_have_text(
        "Yes: this badge was given to the email or private link you typed.")
    expect(check.locator("#recipient-privacy")).to_contain_text("reveals nothing about who she or he is")
    screenshot(check, "badge-verified-phone")
    visitor.close()
    context.close()
