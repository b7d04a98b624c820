"""A voiding request is a bulk source: every activity it undoes reaches gamification in ONE
activities_unscored signal, taken back by games.services.revoke_events in a fixed number of
statements whatever the number of statements voided, and it ends exactly where voiding them one
request at a time ends (points, totals, streaks, events, awards, badges, the cached leaderboards)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import signals
from courses.h5p.models import H5PPackage
from games import selectors, services
from games.models import BadgeAward, BadgeDefinition, Criterion
from tests.factories import UserFactory
from tests.games.test_batches import state
from tests.xapi.conftest import h5p_block, post, statement

pytestmark = pytest.mark.django_db

GAMES_TABLES = ('"games_', "`games_", " games_")  # quoted on both databases; bare as a fallback
REVOKE_BATCH_BUDGET = 5  # events, awards, week totals, course totals, totals (games.upserts.revoke_many)


def lesson_with(site, count: int, index: int = 1):
    """A lesson of the demo course holding `count` H5P activities done when completed."""
    package = H5PPackage.objects.create(title="Tap it", main_library="Sangkat.Choice 1.0")
    lesson = site["lessons"][index]
    lesson.body = json.dumps([h5p_block(block_id=f"h5p-{n:02d}", package=package.pk) for n in range(count)])
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def complete_all(client, user, lesson, count: int) -> list[dict]:
    sent = [statement(user, verb="completed", lesson=lesson, block_id=f"h5p-{n:02d}") for n in range(count)]
    assert post(client, sent).status_code == 200
    return sent


def voiding(user, sent: list[dict]) -> list[dict]:
    return [statement(user, verb="voided", object={"objectType": "StatementRef", "id": s["id"]}) for s in sent]


def games_statements(queries) -> int:
    return sum(1 for q in queries.captured_queries if any(t in q["sql"] for t in GAMES_TABLES))


@pytest.fixture
def heard():
    """Every activities_unscored sent: its list of (user, lesson, block_id)."""
    calls = []
    signals.activities_unscored.connect(lambda **kw: calls.append(kw["items"]), weak=False, dispatch_uid="t-batch")
    yield calls
    signals.activities_unscored.disconnect(dispatch_uid="t-batch")


def test_a_voiding_request_is_announced_once_and_costs_games_the_same_statements_for_2_or_8(
        site, client, learner, heard):
    client.force_login(learner)
    used = {}
    for count, index in ((2, 1), (8, 2)):
        lesson = lesson_with(site, count, index)
        sent = complete_all(client, learner, lesson, count)
        before = state(learner)["score"][0]
        heard.clear()
        with CaptureQueriesContext(connection) as queries:
            assert post(client, voiding(learner, sent)).status_code == 200
        assert len(heard) == 1 and sorted(b for _u, _l, b in heard[0]) == [f"h5p-{n:02d}" for n in range(count)]
        assert state(learner)["score"][0] == before - 5 * count
        used[count] = games_statements(queries)
    # one revoke_event per activity cost 5 each (10 and 40 here): a batch costs at most the same few
    # (on PostgreSQL a batch of fewer than 5 goes one statement each: 2 here)
    assert max(used.values()) <= REVOKE_BATCH_BUDGET, used
    assert used[2] <= (2 if connection.vendor == "postgresql" else REVOKE_BATCH_BUDGET), used


def test_voiding_in_one_request_ends_where_one_request_per_statement_ends(
        site, client, center, django_capture_on_commit_callbacks):
    one, batch = UserFactory(home_center=center), UserFactory(home_center=center)
    lesson = lesson_with(site, 6)
    sent = {}
    for user in (one, batch):
        client.force_login(user)
        sent[user.pk] = complete_all(client, user, lesson, 6)
    # the cached tops are read (and kept) before the voiding
    assert selectors.leaderboard(viewer=one).me.points == selectors.leaderboard(viewer=batch).me.points == 40
    gone = slice(0, 6, 2)
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(one)
        for voided in voiding(one, sent[one.pk][gone]):
            assert post(client, voided).status_code == 200
        client.force_login(batch)
        assert post(client, voiding(batch, sent[batch.pk][gone])).status_code == 200
    assert state(batch) == state(one)
    assert state(batch)["score"][0] == 25  # 6 x 5 + the lesson 10, less 3 x 5
    # the cached boards moved with the points: both read 25 now, fresh from the cache
    for scope in ("overall", "center"):
        board = selectors.leaderboard(viewer=batch, scope=scope, center_id=center.pk)
        assert board.me.points == 25
        assert {row.points for row in board.rows} == {25}


def test_an_activity_scored_after_one_undone_in_the_same_request_sees_the_points_taken_back_first(
        site, client, learner):
    """The undone activity sorts first: its points go back before the next one's award checks the
    badges, as one signal per activity did; a "10 points" badge is not earned on points gone."""
    BadgeDefinition.objects.create(slug="ten", name_en="Ten", description_en="x", criterion=Criterion.POINTS,
                                   points=10)
    services.forget_local_definitions()
    client.force_login(learner)
    lesson = lesson_with(site, 2)
    first = statement(learner, verb="completed", lesson=lesson, block_id="h5p-00")
    post(client, first)
    assert state(learner)["score"][0] == 5
    both = [statement(learner, verb="voided", object={"objectType": "StatementRef", "id": first["id"]}),
            statement(learner, verb="completed", lesson=lesson, block_id="h5p-01")]
    assert post(client, both).status_code == 200
    assert state(learner)["score"][0] == 5
    assert not BadgeAward.objects.filter(user=learner, badge__slug="ten").exists()
