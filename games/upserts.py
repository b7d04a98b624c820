"""The gamification engine's raw SQL: the upserts that games.services.record_event and revoke_event run,
each settled by the database on its own, and the week a moment counts in."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from games import leaderboards
from games.models import (
    Award,
    CourseScore,
    Event,
    Rule,
    Score,
    WeeklyScore,
)

# A weekly streak survives one missed week: centers are not open every day, and people travel.
STREAK_FORGIVEN_WEEKS = 1


def week_of(moment: datetime | date) -> date:
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


# --- the upserts ----------------------------------------------------------------------------------
# Raw SQL because the ORM's bulk_create(update_conflicts=...) can neither add to a column nor say
# WHERE nor return the row. Both PostgreSQL and SQLite (3.35+, for RETURNING) run the same text.


def tables(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def prep(model, name: str, value):
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def value(model, name: str, value):
    """A value read back by raw SQL, turned into what the ORM would give (dates on SQLite are text)."""
    field = model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        value = converter(value, column, connection)
    return value


def execute(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def upsert_event(user, kind: str, source: str, course_key, at: datetime) -> bool:
    """Insert the event, or bring back a revoked one. False when it is there already (one statement).

    The NOT EXISTS keeps a replay from trying the insert at all (no row lock, no sequence number);
    ON CONFLICT settles the race of two first tries and the return of a revoked source."""
    table = tables(Event)
    rows = execute(
        f"INSERT INTO {table} (user_id, kind, source, course_key, occurred_at, revoked_at)"
        f" SELECT %(user)s, %(kind)s, %(source)s, %(course_key)s, %(at)s, NULL"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE user_id = %(user)s AND kind = %(kind)s"
        f" AND source = %(source)s AND revoked_at IS NULL)"
        f" ON CONFLICT (user_id, kind, source) DO UPDATE SET revoked_at = NULL"
        f" WHERE {table}.revoked_at IS NOT NULL RETURNING id",
        {"user": user.pk, "kind": kind, "source": source,
         "course_key": prep(Event, "course_key", course_key), "at": prep(Event, "occurred_at", at)})
    return bool(rows)


def upsert_award(user, rule: Rule, source: str, course_key, week: date, at: datetime) -> Award | None:
    """The rule's award for this source: made now, or a revoked one brought back with its own points,
    week and course (as they were when first given). None when it stands already."""
    table = tables(Award)
    rows = execute(
        f"INSERT INTO {table} (user_id, rule_id, source, points, course_key, week, created_at, revoked_at)"
        f" VALUES (%(user)s, %(rule)s, %(source)s, %(points)s, %(course_key)s, %(week)s, %(at)s, NULL)"
        f" ON CONFLICT (user_id, rule_id, source) DO UPDATE SET revoked_at = NULL"
        f" WHERE {table}.revoked_at IS NOT NULL RETURNING id, points, course_key, week, created_at",
        {"user": user.pk, "rule": rule.pk, "source": source, "points": rule.points,
         "course_key": prep(Award, "course_key", course_key), "week": prep(Award, "week", week),
         "at": prep(Award, "created_at", at)})
    if not rows:
        return None
    pk, points, key, award_week, created_at = rows[0]
    return Award(pk=pk, user=user, rule=rule, source=source, points=points,
                 course_key=value(Award, "course_key", key), week=value(Award, "week", award_week),
                 created_at=value(Award, "created_at", created_at), revoked_at=None)


def add_to_score(user, points: int, streak_week: date | None = None) -> int:
    """Add to (or, negative, take from) the person's total in one upsert; with `streak_week`, count
    that week towards the weekly streak in the same statement. Returns the new total."""
    table = tables(Score)
    params = {"user": user.pk, "points": points, "start": max(points, 0), "center": user.home_center_id}
    if streak_week is None:
        sql = (f"INSERT INTO {table} (user_id, points, center_id, streak_weeks, best_streak_weeks)"
               f" VALUES (%(user)s, %(start)s, %(center)s, 0, 0)"
               f" ON CONFLICT (user_id) DO UPDATE SET points = {table}.points + %(points)s,"
               f" center_id = %(center)s RETURNING points")
    else:
        # Old values on the right-hand side: the last active week before this event.
        last = f"{table}.last_active_week"
        streak = (f"(CASE WHEN {last} IS NULL THEN 1 WHEN {last} >= %(week)s THEN {table}.streak_weeks"
                  f" WHEN {last} >= %(since)s THEN {table}.streak_weeks + 1 ELSE 1 END)")
        sql = (f"INSERT INTO {table} (user_id, points, center_id, last_active_week, streak_weeks,"
               f" best_streak_weeks) VALUES (%(user)s, %(start)s, %(center)s, %(week)s, 1, 1)"
               f" ON CONFLICT (user_id) DO UPDATE SET points = {table}.points + %(points)s,"
               f" center_id = %(center)s,"
               f" last_active_week = CASE WHEN {last} IS NULL OR {last} < %(week)s THEN %(week)s"
               f" ELSE {last} END,"
               f" streak_weeks = {streak},"
               f" best_streak_weeks = CASE WHEN {streak} > {table}.best_streak_weeks THEN {streak}"
               f" ELSE {table}.best_streak_weeks END"
               f" RETURNING points")
        params["week"] = prep(Score, "last_active_week", streak_week)
        # The streak goes on when the last active week is at most 1 + STREAK_FORGIVEN_WEEKS back.
        params["since"] = prep(Score, "last_active_week",
                                streak_week - timedelta(weeks=1 + STREAK_FORGIVEN_WEEKS))
    return execute(sql, params)[0][0]


def add_to_period_totals(user, points: int, week: date, course_key, boards: dict[str, int]) -> None:
    """This week's total and, for course events, the course's total and its week's share. Notes
    the new totals in `boards` (leaderboard name → her points there) for the leaderboard cache."""
    weekly = tables(WeeklyScore)
    [(week_total,)] = execute(
        f"INSERT INTO {weekly} (user_id, week, center_id, points) VALUES (%(user)s, %(week)s, %(center)s,"
        f" %(start)s) ON CONFLICT (user_id, week) DO UPDATE SET points = {weekly}.points + %(points)s,"
        f" center_id = %(center)s RETURNING points",
        {"user": user.pk, "week": prep(WeeklyScore, "week", week), "center": user.home_center_id,
         "points": points, "start": max(points, 0)})
    for scope, ident in (("overall", None), ("center", user.home_center_id)):
        boards[leaderboards.board_id(scope, "week", ident, week)] = week_total
    if not course_key:
        return
    table = tables(CourseScore)
    this_week = week == week_of(timezone.now())
    if this_week:
        # The row's week moves to this one; its week's points start afresh when it was another week.
        update = (f"week = %(week)s, week_points = CASE WHEN {table}.week = %(week)s"
                  f" THEN {table}.week_points + %(points)s ELSE %(start)s END")
    else:  # an event dated in an earlier week (or an award given then): the total only
        update = f"week = {table}.week"
    [(course_total, row_week, week_points)] = execute(
        f"INSERT INTO {table} (user_id, course_key, week, points, week_points)"
        f" VALUES (%(user)s, %(course_key)s, %(week)s, %(start)s, %(week_start)s)"
        f" ON CONFLICT (user_id, course_key) DO UPDATE SET points = {table}.points + %(points)s, {update}"
        f" RETURNING points, week, week_points",
        {"user": user.pk, "course_key": prep(CourseScore, "course_key", course_key),
         "week": prep(CourseScore, "week", week), "points": points, "start": max(points, 0),
         "week_start": max(points, 0) if this_week else 0})
    boards[leaderboards.board_id("course", "all", course_key, week)] = course_total
    boards[leaderboards.board_id("course", "week", course_key, value(CourseScore, "week", row_week))] = week_points


def get_or_create(model, defaults, **lookup):
    """get_or_create that stays correct when two requests race for the same unique row."""
    try:
        with transaction.atomic():
            return model.objects.get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        return model.objects.get(**lookup), False
