"""The per-event write path stays a fixed handful of SQL statements (docs/decisions.md).

Budget, from the design. On PostgreSQL: ONE statement per event, first or later (a data-modifying
CTE: the event, its award, the week's and the course's totals, the total with the streak, and the
reads the badges this kind can change need), and a replay is that same statement finding the event
there; revoking an event is one statement too (elsewhere up to 5). Elsewhere (SQLite, no data-modifying CTEs): the event upsert (a replay stops there), the award
upsert, the week's and the course's totals, the total with the streak, one read for the badges.
Giving a badge costs its own insert (ON CONFLICT DO NOTHING, no savepoint) and its notice on top.
Counted inside the test's transaction, so BEGIN/COMMIT are not in these numbers (bench_peers counts
them apart: on PostgreSQL in autocommit there are none for an event that earns no badge)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games import services
from games.models import Award, BadgeAward, Event, EventKind, Score, WeeklyScore

pytestmark = pytest.mark.django_db

ONE_STATEMENT = connection.vendor == "postgresql"
EVENT_BUDGET = 1 if ONE_STATEMENT else 6
REPLAY_BUDGET = 1
REVOKE_BUDGET = 1 if ONE_STATEMENT else 5  # PostgreSQL: upserts.revoke_in_one_statement
BADGE_COST = 2  # the badge given and its notice
COURSE = "6f1c1a8e-3a4e-4d53-9d6c-0e2a1f8f4a10"


def statements(call):
    services._active_rules()  # rules and badge definitions are cached per process: warm, as in use
    services._badge_definitions()
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def attend(user, number):
    return services.record_event(user=user, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{number}",
                                 course_key=COURSE)


def test_a_learners_first_event_and_a_later_one_stay_within_the_statement_budget(learner):
    assert not Score.objects.filter(user=learner).exists()  # nothing before the first event
    first, awards = statements(lambda: attend(learner, 1))
    assert [a.points for a in awards] == [20]
    later, awards = statements(lambda: attend(learner, 2))
    assert [a.points for a in awards] == [20]
    replay, awards = statements(lambda: attend(learner, 2))
    assert awards == []
    assert (first, later, replay) <= (EVENT_BUDGET, EVENT_BUDGET, REPLAY_BUDGET), (first, later, replay)
    assert first <= EVENT_BUDGET and later <= EVENT_BUDGET and replay <= REPLAY_BUDGET
    assert Score.objects.get(user=learner).points == 40


def test_revoking_and_returning_stay_within_the_budget(learner):
    attend(learner, 1)
    revoke, taken = statements(lambda: services.revoke_event(user=learner, kind=EventKind.SESSION_ATTENDED,
                                                             source="labs.session:1"))
    assert taken == 20 and revoke <= REVOKE_BUDGET, revoke
    back, awards = statements(lambda: attend(learner, 1))
    assert [a.points for a in awards] == [20] and back <= EVENT_BUDGET, back
    assert Score.objects.get(user=learner).points == 20
    assert Award.objects.get(user=learner).revoked_at is None
    assert Event.objects.get(user=learner).revoked_at is None


def test_earning_a_badge_adds_only_the_badge_and_its_notice(learner):
    """The first lesson earns "first steps": the budget, the badge's insert (no savepoints) and the notice."""
    used, _awards = statements(lambda: services.record_event(
        user=learner, kind=EventKind.LESSON_COMPLETED, source="courses.lesson:one", course_key=COURSE))
    assert BadgeAward.objects.filter(user=learner, badge__slug="first-steps").exists()
    assert used <= EVENT_BUDGET + BADGE_COST, used
    later, _awards = statements(lambda: services.record_event(
        user=learner, kind=EventKind.LESSON_COMPLETED, source="courses.lesson:two", course_key=COURSE))
    assert later <= EVENT_BUDGET, later  # the badge is owned: seen in the same read, nothing given
    assert WeeklyScore.objects.get(user=learner).points == 20


def test_course_badges_count_completed_courses_only_in_the_single_badge_read(site, learner):
    from games.models import BadgeDefinition, Criterion
    from games.selectors import course_source

    course = site["course"]
    BadgeDefinition.objects.create(slug="safe-online", name_en="Safe online", description_en="x",
                                   criterion=Criterion.COURSE, course=course)
    services.forget_local_definitions()
    source = course_source(course)
    services.record_event(user=learner, kind=EventKind.COURSE_COMPLETED, source="courses.course:other")
    assert not BadgeAward.objects.filter(user=learner, badge__slug="safe-online").exists()
    services.record_event(user=learner, kind=EventKind.COURSE_COMPLETED, source=source)
    assert BadgeAward.objects.filter(user=learner, badge__slug="safe-online").exists()
    services.revoke_event(user=learner, kind=EventKind.COURSE_COMPLETED, source=source)
    BadgeAward.objects.filter(user=learner, badge__slug="safe-online").delete()
    services.record_event(user=learner, kind=EventKind.COURSE_COMPLETED, source="courses.course:third")
    assert not BadgeAward.objects.filter(user=learner, badge__slug="safe-online").exists()  # revoked: no
    services.record_event(user=learner, kind=EventKind.COURSE_COMPLETED, source=source)
    assert BadgeAward.objects.filter(user=learner, badge__slug="safe-online").exists()
