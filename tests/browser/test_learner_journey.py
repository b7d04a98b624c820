"""The first journey, in a real browser: sign up, learn, pass a quiz, leave, come back, continue."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from courses.models import LessonPage, QuizResult
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(tmp_path):
    call_command("seed_demo", credentials_file=str(tmp_path / "credentials.txt"), verbosity=0)


def first_quiz_lesson():
    for lesson in LessonPage.objects.live().filter(locale__language_code="en").order_by("path"):
        if lesson.quiz_blocks():
            return lesson
    raise AssertionError("the demo curriculum has no quiz")


def answer_correctly(page, lesson):
    quiz = lesson.quiz_blocks()[0]
    form = page.locator(f"#quiz-{quiz.id}")
    for number, question in enumerate(quiz.value["questions"]):
        for index, answer in enumerate(question["answers"]):
            if answer["correct"]:
                form.locator(f"input[name=q{number}][value='{index}']").check()
    form.get_by_role("button", name="Send my answers").click()


def test_a_learner_signs_up_learns_and_continues_after_logging_back_in(live_server, demo, page):
    base = live_server.url
    page.goto(base + "/en/")
    screenshot(page, "home-en-anonymous", full_page=False)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("maly")
    page.get_by_label("Nickname others will see").fill("Maly")
    page.get_by_label("Your age").select_option("18-24")
    page.get_by_role("combobox", name="Language").select_option("en")
    page.get_by_label("Password", exact=True).fill("river-mango-bicycle")
    page.get_by_label("Password again").fill("river-mango-bicycle")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".messages")).to_contain_text("Welcome to Sangkat, Maly")

    # Pick the first course and open its first lesson.
    page.get_by_role("link", name="Courses").first.click()
    page.locator(".course-card h3 a").first.click()
    page.get_by_role("link", name="Start the course").click()
    screenshot(page, "lesson-en")
    lesson = LessonPage.objects.live().get(url_path__endswith=page.url.split("/en/courses/", 1)[1].rstrip("/") + "/",
                                           locale__language_code="en")
    if not lesson.quiz_blocks():
        page.get_by_role("button", name="I finished this lesson ✓").click()
        expect(page.locator(".messages")).to_contain_text("Lesson complete")
        lesson = first_quiz_lesson()
        page.goto(base + lesson.url)

    # Answer the quiz right on the server-scored form: passing it completes the lesson.
    answer_correctly(page, lesson)
    expect(page.locator(".messages")).to_contain_text("You passed with 100%")
    expect(page.locator(".messages")).to_contain_text("Lesson complete")
    screenshot(page, "quiz-feedback-en")
    assert QuizResult.objects.filter(user__username="maly", passed_at__isnull=False).exists()

    # Log out, come back, and continue where we left off.
    page.get_by_role("button", name="Log out").click()
    page.goto(base + "/en/accounts/login/")
    page.get_by_label("Username or phone number").fill("maly")
    page.get_by_label("Password").fill("river-mango-bicycle")
    page.get_by_role("button", name="Log in").click()
    continue_box = page.locator("section.continue")
    expect(continue_box).to_contain_text("Continue where you left off")
    assert lesson.title not in continue_box.inner_text()  # the passed lesson is done: resume after it
    screenshot(page, "home-en-continue")

    # The same, in Khmer: switch language with the header link (no JavaScript needed).
    page.get_by_role("link", name="ខ្មែរ").click()
    page.wait_for_url(base + "/km/**")
    assert page.locator("html").get_attribute("lang") == "km"
    assert "បន្ត" in page.locator("section.continue").inner_text()
    screenshot(page, "home-km-continue")
    page.locator("section.continue a.button").click()
    page.wait_for_url(base + "/km/courses/**")
    screenshot(page, "lesson-km")
    assert page.url.startswith(base + "/km/courses/")
