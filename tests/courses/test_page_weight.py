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
