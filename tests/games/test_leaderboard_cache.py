"""The cached top of each leaderboard: read once, kept, and dropped by exactly the writes that move it;
the viewer's own line: kept, and read afresh after any write to the board.

Points writes drop the cache after their transaction commits, so every write here runs inside
`django_capture_on_commit_callbacks(execute=True)`, as a request's transaction would. Every test runs
twice: on the in-process cache (the Python rule) and on the local Redis (the write script), skipped
there without Redis."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from games import leaderboards, selectors, services
from games.models import EventKind, LeaderboardChoice
from tests.conftest import redis_up
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def which_cache(request):
    if request.param == "redis":
        if not redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        request.getfixturevalue("redis_cache")
    return request.param
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
    leaderboards._bump(leaderboards._EVERYTHING)  # that read kept the (not full) top of 20: drop it
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


def test_her_own_rank_line_is_never_stale(commit, board):
    pebble = board["Pebble"]
    assert selectors.leaderboard(viewer=pebble, size=3).me.points == P
    earn(commit, pebble, 1, prefix="more")  # 2 sessions: the cached top stays, her line does not
    me = selectors.leaderboard(viewer=pebble, size=3).me
    assert (me.rank, me.points) == (4, 2 * P)


def test_her_line_is_kept_until_anyone_writes_to_the_board(commit, board, center):
    pebble, newcomer = board["Pebble"], UserFactory(nickname="Comet", home_center=center)
    pebble.display_name = "Pech Sreymom"
    commit(pebble.save)
    read = lambda: selectors.leaderboard(viewer=pebble, size=3).me  # noqa: E731
    first, cold = queries(read)
    again, warm = queries(read)
    assert (first.rank, first.points) == (again.rank, again.points) == (4, P)
    assert (cold, warm) == (2, 0)  # the top and her line (her new name emptied both), then neither
    earn(commit, newcomer, 2, prefix="new")  # someone else passes her: her rank moves, not her points
    moved, count = queries(read)
    assert (moved.rank, moved.points, count) == (5, P, 1)
    commit(services.set_leaderboard_preference, user=pebble, choice=LeaderboardChoice.NAME)
    named = selectors.leaderboard(viewer=pebble, size=3).me  # her choice of name shows at once
    assert (named.name, named.rank) == ("Pech Sreymom", 5)


def test_a_write_to_another_board_keeps_her_line(commit, board):
    pebble, lotus = board["Pebble"], board["Lotus"]
    selectors.leaderboard(viewer=pebble, size=3, period="all")
    name = leaderboards.board_id("course", "all", "c0ffee", None)
    commit(leaderboards.points_changed, lotus.pk, {name: 999})  # a course board only
    me, count = queries(lambda: selectors.leaderboard(viewer=pebble, size=3, period="all").me)
    assert (me.rank, count) == (4, 0)


def test_a_lost_write_count_never_serves_a_kept_line(commit, board):
    """The cache server lost the board's write count (evicted, restarted) but kept her line: the count
    starts again from the clock, never at a number the kept line carries, so her line is read afresh."""
    pebble = board["Pebble"]
    selectors.leaderboard(viewer=pebble, size=3)
    name = leaderboards.board_id("overall", "all", None, None)
    kept = cache.get(leaderboards._writes_key(name))
    cache.delete(leaderboards._writes_key(name))
    commit(leaderboards.points_changed, 99999, {name: 1})  # far below the top: only the count moves
    assert cache.get(leaderboards._writes_key(name)) > kept
    _me, count = queries(lambda: selectors.leaderboard(viewer=pebble, size=3).me)
    assert count == 1


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


def test_moving_to_another_center_moves_her_totals_at_once(commit, board, center):
    """Before, a new home center reached her totals only at her next points, so the board of the center
    she left still counted her (and, with lines kept, the ranks there behind her stayed too high)."""
    from tests.factories import CenterFactory

    pebble, lotus = board["Pebble"], board["Lotus"]
    here = {"scope": "center", "center_id": center.pk}
    assert selectors.leaderboard(viewer=pebble, size=3, **here).me.rank == 4
    elsewhere = CenterFactory()
    lotus.home_center = elsewhere
    commit(lotus.save)
    me = selectors.leaderboard(viewer=pebble, size=3, **here).me
    assert me.rank == 3  # Lotus no longer counts here
    assert [name for name, _points in top_names(size=3, **here)] == ["Mango", "Kite", "Pebble"]
    assert top_names(size=3, scope="center", center_id=elsewhere.pk) == [("Lotus", 5 * P)]
    assert top_names(size=3, scope="center", period="week", center_id=elsewhere.pk) == [("Lotus", 5 * P)]
