"""The batch paths (services.record_events, services.revoke_events) end exactly where one call per event
ends, in one transaction, and revoking a batch costs a fixed number of statements whatever its size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from games import services
from games.models import Award, BadgeAward, CourseScore, Event, EventKind, Score, WeeklyScore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COURSE = "6f1c1a8e-3a4e-4d53-9d6c-0e2a1f8f4a10"
OTHER_COURSE = "0b5e8f1e-7c1d-4b7e-9a55-3d2f6c1e9b21"


def history(now):
    """(kind, source, course, at): lessons of two courses over three weeks, sessions, a proposal."""
    items = []
    for i in range(6):
        items.append((EventKind.LESSON_COMPLETED, f"courses.lesson:{i}", COURSE if i % 2 else OTHER_COURSE,
                      now - timedelta(weeks=i % 3)))
    items += [(EventKind.SESSION_ATTENDED, f"labs.session:{i}", COURSE, now - timedelta(weeks=i))
              for i in range(5)]
    items.append((EventKind.PROPOSAL_SUBMITTED, "labs.proposal:1", None, now))
    return items


def state(user):
    score = Score.objects.get(user=user)
    return {
        "score": (score.points, score.streak_weeks, score.best_streak_weeks, score.last_active_week,
                  score.center_id),
        "weeks": sorted(WeeklyScore.objects.filter(user=user).values_list("week", "points", "center_id")),
        "courses": sorted(CourseScore.objects.filter(user=user).values_list("course_key", "points", "week",
                                                                          "week_points")),
        "awards": sorted((source, points, week, revoked is None) for source, points, week, revoked
                         in Award.objects.filter(user=user).values_list("source", "points", "week", "revoked_at")),
        "events": sorted((kind, source, revoked is None) for kind, source, revoked
                         in Event.objects.filter(user=user).values_list("kind", "source", "revoked_at")),
        "badges": sorted(BadgeAward.objects.filter(user=user).values_list("badge__slug", flat=True)),
    }


def test_a_batch_records_what_one_call_per_event_records(center):
    now = timezone.now()
    one, batch = UserFactory(home_center=center), UserFactory(home_center=center)
    items = sorted(history(now), key=lambda item: item[3])
    made_one = []
    for kind, source, course, at in items:
        made_one += services.record_event(user=one, kind=kind, source=source, course_key=course, at=at)
    made_batch = services.record_events([(batch, kind, source, course, at) for kind, source, course, at in items]
                                        + [(batch, items[0][0], items[0][1], items[0][2], items[0][3])])  # a replay
    assert [a.points for a in made_batch] == [a.points for a in made_one]
    assert state(batch) == state(one)
    assert state(batch)["score"][0] == 6 * 10 + 5 * 20 + 25
    assert {"first-steps", "regular", "hundred-points", "city-voice"} <= set(state(batch)["badges"])
    assert services.record_events([(batch, kind, source, course, at) for kind, source, course, at in items]) == []


@pytest.mark.parametrize("step", [2, 5])  # 7 items (revoke_many) and 4 (on PostgreSQL one statement each)
def test_a_voided_batch_takes_back_what_one_revoke_per_event_takes_back(center, step):
    now = timezone.now()
    one, batch = UserFactory(home_center=center), UserFactory(home_center=center)
    items = history(now)
    for user in (one, batch):
        services.record_events([(user, kind, source, course, at) for kind, source, course, at in items])
    gone = [(kind, source) for kind, source, _course, _at in items[::step]] + [(EventKind.QUIZ_PASSED, "never:1")]
    taken_one = sum(services.revoke_event(user=one, kind=kind, source=source) for kind, source in gone)
    taken_batch = services.revoke_events([(batch, kind, source) for kind, source in gone])
    assert taken_batch == taken_one > 0
    assert state(batch) == state(one)
    assert services.revoke_events([(batch, kind, source) for kind, source in gone]) == 0  # already gone
    # and they come back, as a returned source does
    services.record_events([(batch, kind, source, course, at) for kind, source, course, at in items])
    services.record_events([(one, kind, source, course, at) for kind, source, course, at in items])
    assert state(batch) == state(one)
    assert state(batch)["score"][0] == 6 * 10 + 5 * 20 + 25


def test_revoking_a_batch_costs_the_same_few_statements_for_two_events_or_forty(center):
    now = timezone.now()
    learners = [UserFactory(home_center=center) for _ in range(4)]
    sources = [f"courses.lesson:{i}" for i in range(10)]
    services.record_events([(user, EventKind.LESSON_COMPLETED, source, COURSE, now)
                            for user in learners for source in sources])
    with CaptureQueriesContext(connection) as few:
        services.revoke_events([(learners[0], EventKind.LESSON_COMPLETED, source) for source in sources[:2]])
    with CaptureQueriesContext(connection) as many:
        services.revoke_events([(user, EventKind.LESSON_COMPLETED, source) for user in learners
                                for source in sources])
    # events, awards, week totals, course totals, totals: one statement each
    assert len(few) <= 5 and len(many) <= 5, (len(few), len(many))
    assert list(Score.objects.filter(user__in=learners).values_list("points", flat=True)) == [0, 0, 0, 0]
    assert not Award.objects.filter(user__in=learners, revoked_at__isnull=True).exists()


def test_the_leaderboard_cache_hears_the_same_last_totals_from_a_batch_as_from_one_call_per_event(
        center, monkeypatch):
    """What the cached tops are dropped by: per person, every board her points moved on and her last
    points there, merged over the calls; a batch tells each person once, with the same."""
    from games import leaderboards

    heard: dict[int, list[dict]] = {}
    monkeypatch.setattr(leaderboards, "points_changed",
                        lambda user_id, boards: heard.setdefault(user_id, []).append(dict(boards)))

    def merged(user):
        out = {}
        for boards in heard.pop(user.pk, []):
            out.update(boards)
        return out

    now = timezone.now()
    one, batch = UserFactory(home_center=center), UserFactory(home_center=center)
    items = sorted(history(now), key=lambda item: item[3])
    for kind, source, course, at in items:
        services.record_event(user=one, kind=kind, source=source, course_key=course, at=at)
    services.record_events([(batch, kind, source, course, at) for kind, source, course, at in items])
    assert len(heard[batch.pk]) == 1
    assert merged(batch) == merged(one) != {}
    gone = [(kind, source) for kind, source, _course, _at in items[1::2]]
    for kind, source in gone:
        services.revoke_event(user=one, kind=kind, source=source)
    services.revoke_events([(batch, kind, source) for kind, source in gone])
    assert len(heard[batch.pk]) == 1
    assert merged(batch) == merged(one) != {}
    assert state(batch) == state(one)
