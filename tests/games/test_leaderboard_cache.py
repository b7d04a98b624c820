"""The cached top of each leaderboard: read once, kept, and dropped by exactly the writes that move it.

Points writes drop the cache after their transaction commits, so every write here runs inside
`django_capture_on_commit_callbacks(execute=True)`, as a request's transaction would."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games import leaderboards, selectors, services
from games.models import EventKind, LeaderboardChoice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
P = 20  # points for attending a session (the demo rule); the board fixture checks it


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write and what it does on commit (the bumps), as at the end of a request."""
    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)
    return run


def earn(commit, user, count, prefix="s"):
    for number in range(count):
        commit(services.record_event, user=user, kind=EventKind.SESSION_ATTENDED, source=f"labs.session:{prefix}{number}")


def top_names(viewer=None, **kwargs):
    return [(row.name, row.points) for row in selectors.leaderboard(viewer=viewer, **kwargs).rows]


def queries(call):
    with CaptureQueriesContext(connection) as seen:
        result = call()
    return result, len(seen)


@pytest.fixture
def board(commit, center):
    """A full board of 3 (size=3 below): 5, 4, 3 sessions' points; a fourth person with 1."""
    people = {}
    for name, sessions in [("Lotus", 5), ("Mango", 4), ("Kite", 3), ("Pebble", 1)]:
        people[name] = UserFactory(nickname=name, home_center=center)
        earn(commit, people[name], sessions)
    assert selectors.leaderboard(viewer=people["Pebble"]).me.points == P
    cache.clear()  # that read kept the (not full) top of 20
    return people


def test_the_second_read_takes_the_top_from_the_cache(board):
    first, cold = queries(lambda: top_names(size=3))
    second, warm = queries(lambda: top_names(size=3))
    assert first == second == [("Lotus", 5 * P), ("Mango", 4 * P), ("Kite", 3 * P)]
    assert (cold, warm) == (1, 0)  # no viewer: the top is the only read


def test_a_write_far_below_the_top_keeps_it_cached(commit, board):
    top_names(size=3)
    earn(commit, board["Pebble"], 1, prefix="more")  # 2 sessions: still below Kite's 3
    names, count = queries(lambda: top_names(size=3))
    assert count == 0 and names[-1] == ("Kite", 3 * P)


def test_a_write_that_reaches_the_top_shows_at_once(commit, board):
    top_names(size=3)
    earn(commit, board["Pebble"], 5, prefix="more")  # 6 sessions: first
    assert top_names(size=3) == [("Pebble", 6 * P), ("Lotus", 5 * P), ("Mango", 4 * P)]


def test_a_listed_persons_new_points_show_at_once(commit, board):
    top_names(size=3)
    earn(commit, board["Kite"], 1, prefix="more")
    assert top_names(size=3)[-1] == ("Kite", 4 * P)


def test_revoked_points_leave_the_top_at_once(commit, board):
    top_names(size=3)
    for number in range(3):
        commit(services.revoke_event, user=board["Lotus"], kind=EventKind.SESSION_ATTENDED,
               source=f"labs.session:s{number}")
    assert top_names(size=3) == [("Mango", 4 * P), ("Kite", 3 * P), ("Lotus", 2 * P)]


def test_the_week_center_and_course_boards_follow_too(commit, board, center):
    for kwargs in ({"period": "week"}, {"scope": "center", "center_id": center.pk},
                   {"scope": "center", "period": "week", "center_id": center.pk}):
        top_names(size=3, **kwargs)
        earn(commit, board["Pebble"], 5, prefix=f"more{len(kwargs)}{kwargs.get('period', '')}")
        assert top_names(size=3, **kwargs)[0][0] == "Pebble", kwargs
        commit(services.revoke_event, user=board["Pebble"], kind=EventKind.SESSION_ATTENDED,
               source=f"labs.session:more{len(kwargs)}{kwargs.get('period', '')}0")


def test_hiding_renaming_and_leaving_show_at_once(commit, board):
    top_names(size=3)
    commit(services.set_leaderboard_preference, user=board["Lotus"], choice=LeaderboardChoice.HIDDEN)
    assert [name for name, _points in top_names(size=3)] == ["Mango", "Kite", "Pebble"]
    mango = board["Mango"]
    mango.nickname = "Papaya"
    commit(mango.save)
    assert top_names(size=3)[0] == ("Papaya", 4 * P)
    kite = board["Kite"]
    kite.is_active = False
    commit(kite.save, update_fields=["is_active"])
    assert [name for name, _points in top_names(size=3)] == ["Papaya", "Pebble"]


def test_a_sign_in_does_not_empty_the_cache(commit, board):
    top_names(size=3)
    lotus = board["Lotus"]
    commit(lotus.save, update_fields=["last_login"])
    _names, count = queries(lambda: top_names(size=3))
    assert count == 0


def test_her_own_rank_line_is_never_cached(commit, board):
    pebble = board["Pebble"]
    assert selectors.leaderboard(viewer=pebble, size=3).me.points == P
    earn(commit, pebble, 1, prefix="more")  # 2 sessions: the cached top stays, her line does not
    me = selectors.leaderboard(viewer=pebble, size=3).me
    assert (me.rank, me.points) == (4, 2 * P)


def test_a_reader_that_read_before_a_write_cannot_keep_a_stale_top():
    """The reader reads the database, a write commits and bumps, then the reader stores what it read:
    what it stored is under the old generation, and the next read reads afresh."""
    name = leaderboards.board_id("overall", "all", None, None)
    stale = [leaderboards.Entry(1, 10, "Old")]

    def read_then_a_write_commits():
        leaderboards._drop_moved(user_id=2, totals={name: 5})  # not kept yet, so bumped anyway
        return stale

    assert leaderboards.top(name, 3, read_then_a_write_commits) == stale
    fresh = [leaderboards.Entry(2, 15, "New")]
    assert leaderboards.top(name, 3, lambda: fresh) == fresh
