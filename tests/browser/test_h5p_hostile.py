"""In Chromium: an H5P package is a stranger's code. A hostile library riding along with an honest
activity tries every move seen against learners and editors; each one fails, and the honest answer
is still recorded for the learner (docs/security.md, "H5P packages run in an opaque sandbox")."""

import http.server
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from courses.h5p.packaging import choice_package
from courses.h5p.services import install_package
from courses.xapi.identity import activity_iri
from tests.factories import UserFactory, build_site, text_block

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BLOCK_ID = "4a1d2c3b-7e6f-4a5b-8c9d-0e1f2a3b0666"
HOSTILE = Path(__file__).parent / "hostile_h5p"
INJECT_URL = "/h5p/files/libraries/Sangkat.Hostile-1.0/inject.js"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def outside():
    """An address outside the site, on loopback: it records every request that reaches it."""
    heard = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            heard.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(b"heard")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "heard": heard}
    server.shutdown()
    server.server_close()


def hostile_package(*, outside_url: str, home: str) -> bytes:
    """The honest Sangkat.Choice question, with Sangkat.Hostile-1.0 as a second preloaded library."""
    honest = zipfile.ZipFile(io.BytesIO(choice_package(
        title="Strong passwords", question="Which password is the strongest?",
        answers=[{"text": "123456", "correct": False}, {"text": "mango river blue lantern", "correct": True}],
        l10n={"check": "Check", "correct": "Correct!"},
    )))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in honest.infolist():
            data = honest.read(info.filename)
            if info.filename == "h5p.json":
                metadata = json.loads(data)
                metadata["preloadedDependencies"].append(
                    {"machineName": "Sangkat.Hostile", "majorVersion": 1, "minorVersion": 0})
                data = json.dumps(metadata).encode()
            archive.writestr(info.filename, data)
        for path in sorted(HOSTILE.iterdir()):
            text = path.read_text().replace("__OUTSIDE__", outside_url).replace("__BLOCK__", BLOCK_ID)
            archive.writestr(f"Sangkat.Hostile-1.0/{path.name}", text.replace("__HOME__", home))
    return buffer.getvalue()


@pytest.fixture
def lesson(media, outside, settings):
    settings.SANGKAT_H5P_SAVE_SECONDS = 1  # the honest activity saves its answers every second
    site = build_site(lessons=2, quiz_in=())
    lesson = site["lessons"][0]
    package = install_package(source=io.BytesIO(
        hostile_package(outside_url=outside["url"], home=settings.SANGKAT_PUBLIC_URL)))
    lesson.body = json.dumps([
        text_block("Passwords keep your accounts yours."),
        {"type": "h5p", "id": BLOCK_ID, "value": {
            "package": package.pk, "title": "Strong passwords", "completion": "passed", "pass_mark": 60,
        }},
    ])
    lesson.save_revision().publish()
    return lesson


def log_in(page, live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url,
    }])
    return {"sessionid": client.cookies["sessionid"].value}


def requests_with_session(page, live_server, secrets: dict):
    """Returns a function listing every request a player's document made to the site with the
    session cookie."""
    seen = []

    def remember(request):
        if request.url.startswith(live_server.url):
            seen.append((request, request.frame.url))

    page.on("requestfinished", remember)
    page.on("requestfailed", remember)

    def carrying():
        found, player_pages_with_session = [], 0
        for request, frame_url in seen:
            with_session = secrets["sessionid"] in (request.all_headers().get("cookie") or "")
            if request.is_navigation_request() and "/h5p/play/" in request.url:
                # The player page itself: the lesson opens it with the session, by design (and this
                # shows the check sees cookies at all).
                player_pages_with_session += with_session
            elif "/h5p/play/" in frame_url and with_session:
                found.append(request.url)
        assert player_pages_with_session >= 1
        return found

    return carrying


def report_of(frame) -> dict:
    report = frame.locator("#sangkat-hostile-report")
    expect(report).to_be_attached(timeout=20000)
    return json.loads(report.text_content())


def assert_every_move_failed(report: dict, secrets: dict) -> None:
    worked = {move: outcome for move, outcome in report.items() if outcome.get("got") is not None}
    assert not worked, worked
    text = json.dumps(report)
    for secret in secrets.values():
        assert secret not in text


def answer_honestly_and_check_the_record(page, lesson, user):
    from courses.models import LessonProgress
    from courses.xapi.models import Statement

    activity = page.frame_locator("iframe.h5p-frame")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    page.wait_for_function(f"() => (localStorage.getItem('sangkat-xapi-queue-{user.pk}') || '[]') === '[]'")

    mine = activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    statements = list(Statement.objects.all())
    # The honest answer is recorded; the forged one only as this learner, about this activity.
    answered = [s for s in statements if s.verb_id.endswith("/answered")]
    assert len(answered) == 1 and answered[0].user_id == user.pk
    assert answered[0].data["result"]["success"] is True
    assert {s.user_id for s in statements} == {user.pk}
    assert {s.activity_id.split("?")[0] for s in statements} == {mine}
    assert not [s for s in statements if "hostile" in s.verb_id]
    forged = [s for s in statements if s.verb_id.endswith("/experienced")]
    assert len(forged) == 1 and "instructor" not in forged[0].data.get("context", {})
    assert LessonProgress.objects.filter(user=user, lesson_key=lesson.translation_key,
                                         completed_at__isnull=False).exists()


@pytest.mark.parametrize("roles", [["learner"], ["innovation-unit"]], ids=["learner", "editor"])
def test_a_hostile_package_gets_nothing_and_the_honest_answer_is_recorded(
        live_server, lesson, outside, page, roles):
    user = UserFactory(roles=roles)
    secrets = log_in(page, live_server, user)
    carrying = requests_with_session(page, live_server, secrets)

    page.goto(live_server.url + lesson.url)
    secrets["csrftoken"] = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    frame = page.frame_locator("iframe.h5p-frame")
    report = report_of(frame)
    assert set(report) >= {
        "cookie", "csrf_in_player_page", "site_storage", "parent_dom", "parent_cookie", "top_dom",
        "parent_script", "inject_script_into_parent", "popup", "forged_statement", "read_personal_data",
        "read_statements", "read_admin_users", "read_admin", "read_player_page", "fetch_outside",
        "navigate_top", "forged_saved_answers", "read_saved_answers", "save_answers_blind",
    }
    assert_every_move_failed(report, secrets)
    assert page.url == live_server.url + lesson.url  # the top window stayed on the lesson
    assert page.evaluate("() => [window.sangkatInjected, window.sangkatScriptedByPackage]") == [None, None]
    assert outside["heard"] == []  # nothing left the site: no navigation, image, fetch or popup
    assert carrying() == []  # no request of the package carried the session

    answer_honestly_and_check_the_record(page, lesson, user)
    saved_answers_are_only_the_honest_ones(page, lesson, user)


def saved_answers_are_only_the_honest_ones(page, lesson, user):
    from courses.xapi.models import ActivityState

    mine = activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    for _tick in range(100):  # the checked answer is saved within H5P's next save (1 s here)
        state = ActivityState.objects.filter(user=user, activity_id=mine, state_id="state").first()
        if state and json.loads(state.document).get("answered") is True:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the honest activity's answers were never saved")
    rows = set(ActivityState.objects.values_list("user_id", "activity_id", "state_id"))
    assert rows == {(user.pk, mine, "state")}, rows  # none of the package's forged or blind saves


def test_the_player_opened_on_its_own_is_sandboxed_too(live_server, lesson, outside, page):
    user = UserFactory(roles=["innovation-unit"])
    secrets = log_in(page, live_server, user)
    carrying = requests_with_session(page, live_server, secrets)
    page.goto(live_server.url + lesson.url)  # the lesson sets the CSRF cookie
    secrets["csrftoken"] = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    player = page.frame_locator("iframe.h5p-frame").locator("html")
    expect(player).to_have_attribute("data-h5p-ready", "1")

    page.goto(live_server.url + page.locator("iframe.h5p-frame").get_attribute("src"))
    report = report_of(page)
    assert_every_move_failed(report, secrets)
    assert outside["heard"] == []
    assert carrying() == []
    assert page.evaluate("() => window.origin") == "null"
    expect(page.locator("#h5p-open-lesson")).to_have_text("Open this activity from its lesson to save your answers.")


def test_package_files_never_run_as_script_in_a_page_of_the_site(live_server, lesson, page):
    user = UserFactory()
    log_in(page, live_server, user)
    page.goto(live_server.url + lesson.url)
    loaded = page.evaluate("""(url) => new Promise((resolve) => {
        const script = document.createElement("script");
        script.src = url;
        script.onload = () => resolve("loaded");
        script.onerror = () => resolve("refused");
        document.head.appendChild(script);
    })""", INJECT_URL)
    assert loaded == "refused"
    assert page.evaluate("() => window.sangkatInjected") is None
    # The sandboxed player loads the same library's files (it is cross-site to the site).
    expect(page.frame_locator("iframe.h5p-frame").locator("html")).to_have_attribute("data-h5p-ready", "1")
