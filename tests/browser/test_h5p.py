"""In Chromium: a learner answers an H5P activity in a lesson; the statement is stored and the lesson done."""

import io
import json

import pytest
from django.test import Client
from playwright.sync_api import expect
from wagtail.models import Locale

from courses.h5p.packaging import demo_package
from courses.h5p.services import install_package
from courses.xapi.identity import activity_iri
from tests.browser.conftest import screenshot
from tests.factories import UserFactory, build_site, text_block

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BLOCK_ID = "4a1d2c3b-7e6f-4a5b-8c9d-0e1f2a3b0001"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


def _body(package) -> str:
    return json.dumps([
        text_block("Passwords keep your accounts yours."),
        {"type": "h5p", "id": BLOCK_ID, "value": {
            "package": package.pk, "title": "Strong passwords", "completion": "passed", "pass_mark": 60,
        }},
    ])


def lesson_with_activity():
    site = build_site(lessons=2, quiz_in=())
    lesson = site["lessons"][0]
    lesson.body = _body(install_package(source=io.BytesIO(demo_package("en"))))
    lesson.save_revision().publish()
    khmer = lesson.get_translation(Locale.objects.get(language_code="km"))
    khmer.body = _body(install_package(source=io.BytesIO(demo_package("km"))))
    khmer.save_revision().publish()
    return lesson


def queued(page, learner) -> int:
    return page.evaluate(f"JSON.parse(localStorage.getItem('sangkat-xapi-queue-{learner.pk}') || '[]').length")


def wait_until_sent(page, learner) -> None:
    # The player empties its queue once the statement store has answered.
    page.wait_for_function(f"() => (localStorage.getItem('sangkat-xapi-queue-{learner.pk}') || '[]') === '[]'")


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url,
    }])


def test_a_learner_answers_an_h5p_activity_and_the_lesson_is_done(live_server, media, page):
    from courses.xapi.models import Statement

    lesson = lesson_with_activity()
    learner = UserFactory()
    log_in(page, live_server, learner)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(live_server.url + lesson.url)
    activity = page.frame_locator("iframe.h5p-frame")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Correct!")
    wait_until_sent(page, learner)
    screenshot(page, "h5p-activity-en")

    answered = Statement.objects.get(verb_id="http://adlnet.gov/expapi/verbs/answered")
    assert answered.user_id == learner.pk
    assert answered.data["actor"]["account"]["name"] == str(learner.pk)
    assert answered.activity_id == activity_iri(lesson_key=lesson.translation_key, block_id=BLOCK_ID)
    assert answered.data["result"]["score"]["scaled"] == 1
    assert answered.data["result"]["success"] is True
    assert answered.data["context"]["contextActivities"]["parent"][0]["id"].endswith(lesson.url)

    page.reload()
    expect(page.locator(".lesson .status")).to_contain_text("Done")
    assert not [text for text in problems if "Content Security Policy" in text], problems


def test_a_dropped_connection_loses_and_duplicates_no_statement(live_server, media, page):
    """Offline while answering, then a reply lost after the server stored it: one statement each."""
    from courses.xapi.models import Statement

    lesson = lesson_with_activity()
    learner = UserFactory()
    log_in(page, live_server, learner)
    page.goto(live_server.url + lesson.url)
    activity = page.frame_locator("iframe.h5p-frame")
    expect(activity.locator(".sangkat-choice-answer").first).to_be_visible()

    # The first statement to reach the server is stored, but its reply never reaches the player.
    lost = {"replies": 0}

    def lose_first_reply(route):
        if lost["replies"] == 0:
            lost["replies"] += 1
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.context.set_offline(True)
    activity.get_by_role("radio", name="sokha2005", exact=True).click()
    activity.get_by_role("button", name="Check", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("Not quite.")
    assert queued(page, learner) == 3  # interacted, answered, completed: kept while offline
    assert not Statement.objects.filter(user=learner).exists()

    page.route("**/xapi/statements", lose_first_reply)
    page.context.set_offline(False)
    wait_until_sent(page, learner)
    assert lost["replies"] == 1
    verbs = sorted(Statement.objects.filter(user=learner).values_list("verb_id", flat=True))
    assert [verb.rsplit("/", 1)[1] for verb in verbs] == ["answered", "completed", "interacted"]
    answered = Statement.objects.get(user=learner, verb_id__endswith="/answered")
    assert answered.data["result"]["score"]["scaled"] == 0 and answered.data["result"]["success"] is False


def test_the_khmer_lesson_plays_its_khmer_activity(live_server, media, page):
    lesson = lesson_with_activity()
    khmer = lesson.get_translation(Locale.objects.get(language_code="km"))
    learner = UserFactory(preferred_language="km")
    log_in(page, live_server, learner)
    page.goto(live_server.url + khmer.url)
    activity = page.frame_locator("iframe.h5p-frame")
    expect(activity.locator(".sangkat-choice-question")).to_have_text("តើពាក្យសម្ងាត់មួយណាខ្លាំងជាងគេ?")
    activity.get_by_role("radio", name="mango river blue lantern", exact=True).click()
    activity.get_by_role("button", name="ពិនិត្យ", exact=True).click()
    expect(activity.locator(".sangkat-choice-feedback")).to_contain_text("ត្រឹមត្រូវ!")
    wait_until_sent(page, learner)
    screenshot(page, "h5p-activity-km")


def test_a_library_manager_reviews_and_applies_a_library_upgrade(live_server, media, page):
    """Two editors' activities share Sangkat.Choice; the second brought 1.0.1. The person who
    manages libraries finds it from the admin menu, sees both activities listed, and upgrades."""
    from django.contrib.auth.models import Group, Permission

    from courses.h5p.models import H5PLibrary
    from tests.h5p.test_library_upgrades import newer_patch

    amara, bopha, manager = (UserFactory(username=name, is_staff=True) for name in ("amara", "bopha", "libby"))
    install_package(source=io.BytesIO(demo_package("en")), uploaded_by=amara, title="Amara's quiz")
    install_package(source=io.BytesIO(newer_patch(title="Bopha's quiz")), uploaded_by=bopha)
    managers = Group.objects.create(name="h5p-library-managers")
    managers.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "upgrade_h5plibrary"]))
    manager.groups.add(managers)
    log_in(page, live_server, manager)

    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="H5P libraries").click()
    page.get_by_role("link", name="Review version 1.0.1").click()
    expect(page.get_by_text("Upgrade Sangkat.Choice from version 1.0.0 to 1.0.1?")).to_be_visible()
    expect(page.get_by_text("These 2 activities will play the new code:")).to_be_visible()
    expect(page.locator("[data-h5p-upgrade-packages]")).to_contain_text("Amara's quiz")
    expect(page.locator("[data-h5p-upgrade-packages]")).to_contain_text("Bopha's quiz")
    screenshot(page, "h5p-library-upgrade")
    page.get_by_role("button", name="Upgrade the library").click()
    expect(page.get_by_text("Sangkat.Choice-1.0 is now at version 1.0.1.")).to_be_visible()
    assert H5PLibrary.objects.get().version == "1.0.1"
