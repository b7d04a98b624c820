"""Learning that survives the Wi-Fi, on a phone: save a course, learn and answer offline, back online
the answers arrive once; a page that was not saved shows the offline page, not the browser's error."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from courses.models import LessonProgress, QuizAttempt, QuizResult
from tests.browser.conftest import screenshot
from tests.factories import UserFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def controlled(page):
    """Wait until the service worker controls the page (it claims open pages when it activates)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def answer_right(page, lesson):
    quiz = lesson.quiz_blocks()[0]
    form = page.locator(f"#quiz-{quiz.id}")
    for number, question in enumerate(quiz.value["questions"]):
        for index, answer in enumerate(question["answers"]):
            if answer["correct"]:
                form.locator(f"input[name=q{number}][value='{index}']").check()
    form.get_by_role("button", name="Send my answers").click()


def test_a_saved_course_is_read_and_answered_offline_and_the_results_arrive_once(live_server, phone):
    site = build_site(with_khmer=False)
    course, lessons = site["course"], site["lessons"]
    learner = UserFactory()
    log_in(phone, live_server, learner)
    base = live_server.url
    phone.goto(base + course.url)
    controlled(phone)
    phone.get_by_role("button", name="Save for offline").click()
    expect(phone.locator("#offline-status")).to_contain_text("Saved for offline")
    assert not LessonProgress.objects.filter(user=learner).exists()  # saving is not reading

    phone.context.set_offline(True)
    # A lesson without a quiz: read it and say it is finished.
    phone.goto(base + lessons[0].url)
    expect(phone.locator("h1")).to_have_text(lessons[0].title)
    phone.get_by_role("button", name="I finished this lesson ✓").click()
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (1)")
    # A lesson with a quiz: answer it.
    phone.goto(base + lessons[1].url)
    answer_right(phone, lessons[1])
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (2)")
    screenshot(phone, "offline-waiting-to-send-en")
    assert not QuizAttempt.objects.exists()
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

    # A page that was not saved: the offline page, naming the saved course and what waits.
    phone.goto(base + "/en/learn/")
    expect(phone.locator("h1")).to_have_text("You are offline")
    expect(phone.locator("#saved-courses")).to_contain_text(course.title)
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (2)")
    screenshot(phone, "offline-page-en")
    phone.goto(base + "/km/learn/")  # in Khmer too
    expect(phone.locator("h1")).to_have_text("អ្នកគ្មានអ៊ីនធឺណិតទេ")
    expect(phone.locator("html")).to_have_attribute("lang", "km")
    expect(phone.locator("#offline-status")).to_contain_text("កំពុងរង់ចាំផ្ញើ (2)")
    screenshot(phone, "offline-page-km")

    # Back online: the next page sends both, once.
    phone.context.set_offline(False)
    phone.goto(base + course.url)
    expect(phone.locator("#offline-status")).to_contain_text("Sent: 2")
    phone.reload()
    phone.wait_for_load_state("networkidle")
    assert QuizAttempt.objects.filter(user=learner).count() == 1
    assert QuizResult.objects.get(user=learner).passed_at is not None
    done = LessonProgress.objects.filter(user=learner, completed_at__isnull=False)
    assert sorted(done.values_list("lesson_key", flat=True)) == sorted(
        [lessons[0].translation_key, lessons[1].translation_key])
    assert phone.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("sangkat-offline");
        open.onsuccess = () => { const r = open.result.transaction("queue").objectStore("queue").count();
                                 r.onsuccess = () => resolve(r.result); };
    })""") == 0


def test_another_learners_waiting_answers_are_not_sent_under_a_new_session(live_server, phone):
    site = build_site(with_khmer=False)
    course, lessons = site["course"], site["lessons"]
    first, second = UserFactory(), UserFactory()
    log_in(phone, live_server, first)
    base = live_server.url
    phone.goto(base + course.url)
    controlled(phone)
    phone.get_by_role("button", name="Save for offline").click()
    expect(phone.locator("#offline-status")).to_contain_text("Saved for offline")
    phone.context.set_offline(True)
    phone.goto(base + lessons[1].url)
    answer_right(phone, lessons[1])
    expect(phone.locator("#offline-status")).to_contain_text("Waiting to send (1)")

    # She leaves; the next learner signs in on the same phone: the first one's answers stay, unsent.
    phone.goto(base + "/en/learn/")
    expect(phone.locator("h1")).to_have_text("You are offline")
    phone.context.clear_cookies()
    log_in(phone, live_server, second)
    phone.context.set_offline(False)
    phone.goto(base + course.url)
    phone.wait_for_load_state("networkidle")
    assert not QuizAttempt.objects.exists()
    expect(phone.locator("#offline-status")).to_be_hidden()  # not hers: not counted, not shown
    # The first learner comes back: hers are sent, as her.
    phone.context.clear_cookies()
    log_in(phone, live_server, first)
    phone.goto(base + course.url)
    expect(phone.locator("#offline-status")).to_contain_text("Sent: 1")
    assert list(QuizAttempt.objects.values_list("user", flat=True)) == [first.pk]
