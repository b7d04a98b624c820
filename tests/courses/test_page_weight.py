"""Pages stay cheap: the number of SQL queries does not grow with the number of lessons."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from tests.factories import build_site

pytestmark = pytest.mark.django_db
BUDGET = 12  # queries per page, whatever the number of lessons (issue 2, item 9)


def queries_for(client, url) -> list[str]:
    """SQL a page runs once caches are warm, leaving out the savepoints that only exist because
    tests wrap a transaction."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("lessons", [3, 15])
def test_a_lesson_page_for_a_learner_fits_the_budget(client, learner, lessons):
    site = build_site(lessons=lessons, quiz_in=(1,), with_khmer=False)
    client.force_login(learner)
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    sql = queries_for(client, site["lessons"][1].url)
    assert len(sql) <= BUDGET, "\n".join(sql)


@pytest.mark.parametrize("lessons", [3, 15])
def test_a_course_page_for_a_learner_fits_the_budget(client, learner, lessons):
    site = build_site(lessons=lessons, quiz_in=(), with_khmer=False)
    client.force_login(learner)
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    sql = queries_for(client, site["course"].url)
    assert len(sql) <= BUDGET, "\n".join(sql)


def test_the_home_page_for_a_learner_fits_the_budget(client, learner):
    site = build_site(lessons=6, quiz_in=(), with_khmer=False)
    client.force_login(learner)
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    sql = queries_for(client, "/en/")
    assert len(sql) <= BUDGET, "\n".join(sql)


def test_her_progress_and_quiz_results_on_a_lesson_page_are_one_query(client, learner):
    """The lesson page reads her progress on the course's lessons and her results on its quiz in one
    query (issue 21), and shows them: another learner's rows never come in."""
    from courses.models import QuizResult
    from tests.factories import ALL_RIGHT, ONE_RIGHT, QUIZ_ID, UserFactory, new_token

    site = build_site(lessons=3, quiz_in=(1,), with_khmer=False)
    first, quiz_lesson = site["lessons"][0], site["lessons"][1]
    other = UserFactory()
    for person in (learner, other):
        services.complete_lesson(user=person, lesson=first)
    services.submit_quiz(user=other, lesson=quiz_lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    services.submit_quiz(user=learner, lesson=quiz_lesson, quiz_id=QUIZ_ID, token=new_token(), answers=ONE_RIGHT)
    client.force_login(learner)
    sql = queries_for(client, quiz_lesson.url)
    state = [q for q in sql if "lessonprogress" in q.lower() or "quizresult" in q.lower()]
    assert len(state) == 1, "\n".join(sql)
    page = client.get(quiz_lesson.url).content.decode()
    mine = QuizResult.objects.get(user=learner, lesson_key=quiz_lesson.translation_key)
    assert not mine.passed_at and f"Your best: {mine.best_percent}%" in page
    assert "Your best: 100%" not in page and "✓ Passed" not in page  # the other learner's result
    assert "Send my answers again" in page  # her attempt is counted
    course = client.get(site["course"].url).content.decode()
    assert course.count("✓") >= 1  # the first lesson shows done on the course page (same reader)
