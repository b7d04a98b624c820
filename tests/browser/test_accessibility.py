"""An accessibility audit of the pages people use most, in English and Khmer, on a phone.

axe-core (Deque's engine, pinned, installed by `make a11y-deps`) runs inside Chromium on each page
and reports WCAG 2.1 A and AA failures. Any failure of serious or critical impact fails the test,
with what and where. Many of our learners are first-time computer users on cheap phones; some use
a screen reader or large text.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from courses.models import CoursePage, LessonPage
from labs.participation.models import Call, Proposal
from tests.browser.test_trophies import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parents[2] / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}

AUDIT = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
}"""


@pytest.fixture
def demo(tmp_path):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (make a11y-deps)")
    call_command("seed_demo", credentials_file=str(tmp_path / "credentials.txt"), verbosity=0)


def _pages(language: str) -> list[str]:
    course = CoursePage.objects.live().filter(locale__language_code=language).order_by("path").first()
    lesson = LessonPage.objects.live().filter(locale__language_code=language).order_by("path").first()
    quiz = next(p for p in LessonPage.objects.live().filter(locale__language_code=language).order_by("path")
                if p.quiz_blocks())
    proposal = Proposal.objects.filter(hidden_at__isnull=True, space="public").order_by("pk").first()
    call = Call.objects.order_by("pk").first()
    return [f"/{language}/", f"/{language}/courses/", course.url, lesson.url, quiz.url, f"/{language}/learn/",
            f"/{language}/participate/", f"/{language}/participate/proposals/{proposal.pk}/",
            f"/{language}/participate/proposals/new/", f"/{language}/participate/calls/{call.pk}/",
            f"/{language}/participate/map/", f"/{language}/sessions/", f"/{language}/trophies/",
            f"/{language}/accounts/profile/", f"/{language}/notifications/"]


def _problems(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200 and page.url == url, f"{url} answered {response.status} at {page.url}"
    page.evaluate(AXE.read_text())
    found = page.evaluate(AUDIT)
    return [f"{url}: [{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"])
            for v in found if v["impact"] in SERIOUS]


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_most_used_pages_pass_an_accessibility_audit(live_server, browser, demo, language):
    learner = get_user_model().objects.get(username="demo-learner")
    problems = []
    for signed_in in (False, True):
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, bypass_csp=True)
        if signed_in:
            login(context, learner, live_server)
        page = context.new_page()
        page.set_default_timeout(15000)
        paths = _pages(language) if signed_in else [f"/{language}/", f"/{language}/accounts/login/",
                                                     f"/{language}/accounts/signup/", f"/{language}/participate/",
                                                     f"/{language}/offline/"]
        for path in paths:
            problems += _problems(page, live_server.url + path)
        context.close()
    assert not problems, "\n".join(problems)
