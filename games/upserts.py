"""The gamification engine's raw SQL: the upserts that games.services.record_event and revoke_event run,
each settled by the database on its own, and the week a moment counts in."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from cms import rawsql
from games import leaderboards
from games.models import (
    Award,
    BadgeAward,
    CourseScore,
    Event,
    EventKind,
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


# Named here as the rest of games calls them (upserts.tables, .prep, .value, .execute).
tables, prep, value, execute = rawsql.table, rawsql.prep, rawsql.value, rawsql.fetch


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


def _streak_set(table: str) -> str:
    """The SET clause that counts %(week)s towards the weekly streak (old values on the right-hand side:
    the last active week before this event). The streak goes on when the last active week is at most
    1 + STREAK_FORGIVEN_WEEKS back (%(since)s)."""
    last = f"{table}.last_active_week"
    streak = (f"(CASE WHEN {last} IS NULL THEN 1 WHEN {last} >= %(week)s THEN {table}.streak_weeks"
              f" WHEN {last} >= %(since)s THEN {table}.streak_weeks + 1 ELSE 1 END)")
    return (f"last_active_week = CASE WHEN {last} IS NULL OR {last} < %(week)s THEN %(week)s ELSE {last} END,"
            f" streak_weeks = {streak},"
            f" best_streak_weeks = CASE WHEN {streak} > {table}.best_streak_weeks THEN {streak}"
            f" ELSE {table}.best_streak_weeks END")


def _streak_params(week: date) -> dict:
    return {"week": prep(Score, "last_active_week", week),
            "since": prep(Score, "last_active_week", week - timedelta(weeks=1 + STREAK_FORGIVEN_WEEKS))}


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
        sql = (f"INSERT INTO {table} (user_id, points, center_id, last_active_week, streak_weeks,"
               f" best_streak_weeks) VALUES (%(user)s, %(start)s, %(center)s, %(week)s, 1, 1)"
               f" ON CONFLICT (user_id) DO UPDATE SET points = {table}.points + %(points)s,"
               f" center_id = %(center)s, {_streak_set(table)} RETURNING points")
        params.update(_streak_params(streak_week))
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
    course = None
    if course_key:
        table = tables(CourseScore)
        this_week = week == week_of(timezone.now())
        if this_week:
            # The row's week moves to this one; its week's points start afresh when it was another week.
            update = (f"week = %(week)s, week_points = CASE WHEN {table}.week = %(week)s"
                      f" THEN {table}.week_points + %(points)s ELSE %(start)s END")
        else:  # an event dated in an earlier week (or an award given then): the total only
            update = f"week = {table}.week"
        [course] = execute(
            f"INSERT INTO {table} (user_id, course_key, week, points, week_points)"
            f" VALUES (%(user)s, %(course_key)s, %(week)s, %(start)s, %(week_start)s)"
            f" ON CONFLICT (user_id, course_key) DO UPDATE SET points = {table}.points + %(points)s, {update}"
            f" RETURNING points, week, week_points",
            {"user": user.pk, "course_key": prep(CourseScore, "course_key", course_key),
             "week": prep(CourseScore, "week", week), "points": points, "start": max(points, 0),
             "week_start": max(points, 0) if this_week else 0})
    note_boards(boards, user, week, week_total, course_key, course)


def note_boards(boards: dict[str, int], user, week: date, week_total: int, course_key, course) -> None:
    """Note her new totals on the boards one award moved: this week's (overall and her center's) and,
    with `course` = (total, the row's week, that week's points), the course's two."""
    for scope, ident in (("overall", None), ("center", user.home_center_id)):
        boards[leaderboards.board_id(scope, "week", ident, week)] = week_total
    if course_key and course is not None:
        course_total, row_week, week_points = course
        boards[leaderboards.board_id("course", "all", course_key, week)] = course_total
        boards[leaderboards.board_id("course", "week", course_key, value(CourseScore, "week", row_week))] = \
            week_points


@dataclass
class Recorded:
    """What one recorded event changed, read back by the statement that changed it."""

    award: Award | None
    week_total: int | None
    course: tuple | None  # (course total, the row's week, that week's points) when the award names a course
    total: int
    owned: set = field(default_factory=set)  # of the badges asked about, those she has (or had)
    count: int = 0  # her events of this kind, this one included
    completed: set = field(default_factory=set)  # of the course sources asked about, those she completed


def record_in_one_statement(user, kind: str, source: str, course_key, at: datetime, rule: Rule | None,
                            badge_ids: list[int], count_kind: bool, sources: list[str]) -> Recorded | None:
    """PostgreSQL: the whole event in ONE statement (data-modifying CTEs), so in autocommit it is its own
    transaction: no BEGIN, no COMMIT, no savepoint, row locks held for one statement only.

    The event (NOT EXISTS keeps a replay from inserting; ON CONFLICT settles racing first tries and
    brings back a revoked one), the rule's award for it, the week's and the course's totals from the
    award's own points, week and course (a revived award keeps them), the total with the streak, and
    what the badges this kind can change need: owned ones, the count, completed courses. The reads see
    the statement's snapshot, without this event: it is added here. None when the event stood already."""
    event, award, weekly, course_score, score = (tables(m) for m in (Event, Award, WeeklyScore, CourseScore,
                                                                      Score))
    badge_award = tables(BadgeAward)
    this_week = week_of(timezone.now())
    params = {"user": user.pk, "kind": kind, "source": source, "center": user.home_center_id,
              "course_key": prep(Event, "course_key", course_key), "at": prep(Event, "occurred_at", at),
              "now_week": prep(CourseScore, "week", this_week), "completed": EventKind.COURSE_COMPLETED,
              **_streak_params(week_of(at))}
    if rule is not None:
        params.update({"rule": rule.pk, "points": rule.points, "award_week": prep(Award, "week", week_of(at))})
        awarded = (
            f", aw AS (INSERT INTO {award} (user_id, rule_id, source, points, course_key, week, created_at,"
            f" revoked_at) SELECT %(user)s, %(rule)s, %(source)s, %(points)s, %(course_key)s, %(award_week)s,"
            f" %(at)s, NULL FROM ev ON CONFLICT (user_id, rule_id, source) DO UPDATE SET revoked_at = NULL"
            f" WHERE {award}.revoked_at IS NOT NULL RETURNING id, points, course_key, week, created_at)"
            f", wk AS (INSERT INTO {weekly} (user_id, week, center_id, points)"
            f" SELECT %(user)s, aw.week, %(center)s, aw.points FROM aw"
            f" ON CONFLICT (user_id, week) DO UPDATE SET points = {weekly}.points + EXCLUDED.points,"
            f" center_id = EXCLUDED.center_id RETURNING points)"
            # As add_to_period_totals: an award of this week moves the row's week here (its week's points
            # start afresh when the row was of another week); an older one adds to the total only.
            f", cs AS (INSERT INTO {course_score} (user_id, course_key, week, points, week_points)"
            f" SELECT %(user)s, aw.course_key, aw.week, aw.points,"
            f" CASE WHEN aw.week = %(now_week)s THEN aw.points ELSE 0 END FROM aw WHERE aw.course_key IS NOT NULL"
            f" ON CONFLICT (user_id, course_key) DO UPDATE SET points = {course_score}.points + EXCLUDED.points,"
            f" week = CASE WHEN EXCLUDED.week = %(now_week)s THEN EXCLUDED.week ELSE {course_score}.week END,"
            f" week_points = CASE WHEN EXCLUDED.week <> %(now_week)s THEN {course_score}.week_points"
            f" WHEN {course_score}.week = EXCLUDED.week THEN {course_score}.week_points + EXCLUDED.points"
            f" ELSE EXCLUDED.points END RETURNING points, week, week_points)")
        gained = "COALESCE((SELECT points FROM aw), 0)"
        read_award = ("aw.id, aw.points, aw.course_key, aw.week, aw.created_at, wk.points, cs.points, cs.week,"
                      " cs.week_points")
        joins = " LEFT JOIN aw ON true LEFT JOIN wk ON true LEFT JOIN cs ON true"
    else:  # no active rule for this kind: the event and the streak only
        awarded, gained, joins = "", "0", ""
        read_award = "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    owned = count = completed = "NULL"
    recorded = "EXISTS (SELECT 1 FROM ev)"  # the badge reads run only for a recorded event
    if badge_ids:
        owned = (f"ARRAY(SELECT badge_id FROM {badge_award} WHERE user_id = %(user)s AND badge_id IN"
                 f" ({', '.join(str(int(pk)) for pk in badge_ids)}) AND {recorded})")
    if count_kind:
        count = (f"(SELECT COUNT(*) FROM {event} WHERE user_id = %(user)s AND kind = %(kind)s"
                 f" AND revoked_at IS NULL AND {recorded})")
    if sources:
        names = ", ".join(f"%(source{i})s" for i in range(len(sources)))
        params.update({f"source{i}": name for i, name in enumerate(sources)})
        completed = (f"ARRAY(SELECT source FROM {event} WHERE user_id = %(user)s AND kind = %(completed)s"
                     f" AND revoked_at IS NULL AND source IN ({names}) AND {recorded})")
    sql = (
        f"WITH ev AS (INSERT INTO {event} (user_id, kind, source, course_key, occurred_at, revoked_at)"
        f" SELECT %(user)s, %(kind)s, %(source)s, %(course_key)s, %(at)s, NULL"
        f" WHERE NOT EXISTS (SELECT 1 FROM {event} WHERE user_id = %(user)s AND kind = %(kind)s"
        f" AND source = %(source)s AND revoked_at IS NULL)"
        f" ON CONFLICT (user_id, kind, source) DO UPDATE SET revoked_at = NULL"
        f" WHERE {event}.revoked_at IS NOT NULL RETURNING id){awarded}"
        f", sc AS (INSERT INTO {score} (user_id, points, center_id, last_active_week, streak_weeks,"
        f" best_streak_weeks) SELECT %(user)s, {gained}, %(center)s, %(week)s, 1, 1 FROM ev"
        f" ON CONFLICT (user_id) DO UPDATE SET points = {score}.points + EXCLUDED.points,"
        f" center_id = EXCLUDED.center_id, {_streak_set(score)} RETURNING points)"
        f" SELECT sc.points, {read_award}, {owned}, {count}, {completed}"
        f" FROM sc{joins}"
    )
    rows = execute(sql, params)
    if not rows:  # sc has a row exactly when ev has: the event stood already
        return None
    (total, pk, points, key, award_week, created_at, week_total, course_total, row_week, week_points,
     owned_ids, number, done) = rows[0]
    made = None
    if pk is not None:
        made = Award(pk=pk, user=user, rule=rule, source=source, points=points,
                     course_key=value(Award, "course_key", key), week=value(Award, "week", award_week),
                     created_at=value(Award, "created_at", created_at), revoked_at=None)
    done = set(done or ())
    if kind == EventKind.COURSE_COMPLETED and source in sources:
        done.add(source)  # this event, not in the statement's snapshot
    return Recorded(award=made, week_total=week_total,
                    course=(course_total, row_week, week_points) if course_total is not None else None,
                    total=total, owned=set(owned_ids or ()), count=(number or 0) + 1, completed=done)


def revoke_in_one_statement(user, kind: str, source: str, now: datetime) -> tuple[int, int | None, dict]:
    """PostgreSQL: revoke_event in ONE statement (data-modifying CTEs), its own transaction in autocommit.

    The event (the rest runs only when it stood), its awards under this kind's rules, then each week's
    and course's row once with what it loses (as add_to_period_totals with negative points: the center
    is her current one; a course row's week moves to this one when it loses an award of this week) and
    the total when points went. Returns (points taken back, her new total or None when none went,
    {board: her new points there})."""
    event, award, rule, weekly, course_score, score = (tables(m) for m in (Event, Award, Rule, WeeklyScore,
                                                                            CourseScore, Score))
    params = {"user": user.pk, "kind": kind, "source": source, "center": user.home_center_id,
              "now": prep(Event, "revoked_at", now), "now_week": prep(CourseScore, "week", week_of(now))}
    sql = (
        f"WITH ev AS (UPDATE {event} SET revoked_at = %(now)s WHERE user_id = %(user)s AND kind = %(kind)s"
        f" AND source = %(source)s AND revoked_at IS NULL RETURNING id)"
        f", aw AS (UPDATE {award} SET revoked_at = %(now)s WHERE user_id = %(user)s AND source = %(source)s"
        f" AND revoked_at IS NULL AND rule_id IN (SELECT id FROM {rule} WHERE kind = %(kind)s)"
        f" AND EXISTS (SELECT 1 FROM ev) RETURNING points, week, course_key)"
        f", wk AS (UPDATE {weekly} SET points = {weekly}.points - a.lost, center_id = %(center)s"
        f" FROM (SELECT week, SUM(points) AS lost FROM aw GROUP BY week) AS a"
        f" WHERE {weekly}.user_id = %(user)s AND {weekly}.week = a.week RETURNING {weekly}.week, {weekly}.points)"
        f", cs AS (UPDATE {course_score} SET points = {course_score}.points - a.lost,"
        f" week = CASE WHEN a.this_week THEN %(now_week)s ELSE {course_score}.week END,"
        f" week_points = CASE WHEN NOT a.this_week THEN {course_score}.week_points"
        f" WHEN {course_score}.week = %(now_week)s THEN {course_score}.week_points - a.lost_now ELSE 0 END"
        f" FROM (SELECT course_key, SUM(points) AS lost, SUM(CASE WHEN week = %(now_week)s THEN points ELSE 0 END)"
        f" AS lost_now, bool_or(week = %(now_week)s) AS this_week FROM aw WHERE course_key IS NOT NULL"
        f" GROUP BY course_key) AS a"
        f" WHERE {course_score}.user_id = %(user)s AND {course_score}.course_key = a.course_key"
        f" RETURNING {course_score}.course_key, {course_score}.points, {course_score}.week,"
        f" {course_score}.week_points)"
        f", sc AS (UPDATE {score} SET points = {score}.points - a.lost, center_id = %(center)s"
        f" FROM (SELECT SUM(points) AS lost FROM aw HAVING SUM(points) <> 0) AS a"
        f" WHERE {score}.user_id = %(user)s RETURNING {score}.points)"
        f" SELECT 'week', week, NULL::uuid, points::bigint, NULL::date, NULL::bigint FROM wk"
        f" UNION ALL SELECT 'course', NULL::date, course_key, points::bigint, week, week_points::bigint FROM cs"
        f" UNION ALL SELECT 'total', NULL::date, NULL::uuid, points::bigint, NULL::date, NULL::bigint FROM sc"
        f" UNION ALL SELECT 'taken', NULL::date, NULL::uuid, COALESCE(SUM(points), 0)::bigint, NULL::date,"
        f" NULL::bigint FROM aw"
    )
    taken, total, boards = 0, None, {}
    for what, week, key, points, row_week, week_points in execute(sql, params):
        if what == "week":
            note_boards(boards, user, week, points, None, None)
        elif what == "course":
            boards[leaderboards.board_id("course", "all", key, None)] = points
            boards[leaderboards.board_id("course", "week", key, row_week)] = week_points
        elif what == "total":
            total = points
        else:
            taken = points
    return taken, total, boards


def insert_badge_award(award: BadgeAward) -> tuple[BadgeAward, bool]:
    """Insert the badge given unless she has it (given, revoked or expired): one statement, no savepoint.
    Returns (the award, whether this call made it); an existing one is read back (a second statement)."""
    table = tables(BadgeAward)
    names = ["uid", "user", "badge", "issued_at", "salt", "recipient_hash", "recipient_type", "recipient_link",
             "evidence", "expires_at", "revoked_at", "revocation_reason"]
    fields = [BadgeAward._meta.get_field(name) for name in names]
    rows = execute(
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)})"
        f" VALUES ({', '.join(f'%({f.column})s' for f in fields)})"
        f" ON CONFLICT (user_id, badge_id) DO NOTHING RETURNING id",
        {f.column: f.get_db_prep_save(getattr(award, f.attname), connection) for f in fields})
    if rows:
        award.pk = rows[0][0]
        award._state.adding = False
        return award, True
    return BadgeAward.objects.get(user_id=award.user_id, badge_id=award.badge_id), False


# --- batches: a voided batch of statements ---------------------------------------------------------

BATCH = 300  # items per round of statements (SQLite allows 32,766 parameters per statement)


def _values(rows: list[tuple], prefix: str, params: dict, casts: dict[int, str] | None = None) -> str:
    """A VALUES list of `rows` with named parameters (its columns are column1, column2, … on both
    PostgreSQL and SQLite); `casts` types a column that may hold only NULLs."""
    out = []
    for i, row in enumerate(rows):
        cells = []
        for j, cell in enumerate(row):
            name = f"{prefix}{i}_{j}"
            params[name] = cell
            cast = (casts or {}).get(j)
            cells.append(f"CAST(%({name})s AS {cast})" if cast else f"%({name})s")
        out.append(f"({', '.join(cells)})")
    return "VALUES " + ", ".join(out)


def revoke_many(items: list[tuple[int, str, str]], users: dict, now: datetime) -> tuple[int, dict]:
    """revoke_event for many (user id, kind, source) at once: per round of BATCH items, one UPDATE of
    the events, one of their awards, then one UPDATE per running-total table with what each row loses
    (a row once, however many of its awards went). Returns (points taken back, {user id: (her new
    total, {board: her new points there})})."""
    taken, moved = 0, {}
    for start in range(0, len(items), BATCH):
        round_taken, round_moved = _revoke_round(items[start:start + BATCH], users, now)
        taken += round_taken
        for user_id, (total, boards) in round_moved.items():  # a later round has her later totals
            merged = moved.get(user_id, (0, {}))[1]
            merged.update(boards)
            moved[user_id] = (total, merged)
    return taken, moved


def _revoke_round(items, users: dict, now: datetime) -> tuple[int, dict]:
    event, award, rule = tables(Event), tables(Award), tables(Rule)
    params = {"now": prep(Event, "revoked_at", now)}
    revoked = execute(
        f"UPDATE {event} SET revoked_at = %(now)s WHERE revoked_at IS NULL"
        f" AND (user_id, kind, source) IN (SELECT column1, column2, column3 FROM ({_values(items, 'e', params)}) AS v)"
        f" RETURNING user_id, kind, source", params)
    if not revoked:
        return 0, {}
    params = {"now": prep(Award, "revoked_at", now)}
    rows = execute(
        f"UPDATE {award} SET revoked_at = %(now)s WHERE revoked_at IS NULL"
        f" AND (user_id, source, rule_id) IN (SELECT v.column1, v.column3, r.id FROM"
        f" ({_values([tuple(r) for r in revoked], 'a', params)}) AS v JOIN {rule} r ON r.kind = v.column2)"
        f" RETURNING user_id, points, week, course_key", params)
    this_week = week_of(timezone.now())
    weeks: dict[tuple, int] = {}
    courses: dict[tuple, list] = {}  # (user, course) → [points, this week's points, any of this week]
    scores: dict[int, int] = {}
    for user_id, points, week, key in rows:
        week, key = value(Award, "week", week), value(Award, "course_key", key)
        weeks[(user_id, week)] = weeks.get((user_id, week), 0) + points
        scores[user_id] = scores.get(user_id, 0) + points
        if key:
            lost = courses.setdefault((user_id, key), [0, 0, 0])
            lost[0] += points
            if week == this_week:
                lost[1] += points
                lost[2] = 1
    if not scores:
        return 0, {}
    moved: dict[int, tuple[int, dict]] = {}
    boards = {user_id: {} for user_id in scores}
    weekly, course_score, score = tables(WeeklyScore), tables(CourseScore), tables(Score)
    # As add_to_period_totals with negative points: the center is her current one; a course row's week
    # moves to this one when it loses an award of this week (whose week's points it then loses).
    params = {}
    week_rows = [(u, prep(WeeklyScore, "week", w), p, users[u].home_center_id) for (u, w), p in weeks.items()]
    for user_id, week, total in execute(
            f"UPDATE {weekly} SET points = {weekly}.points - v.column3, center_id = v.column4"
            f" FROM ({_values(week_rows, 'w', params, {3: 'BIGINT'})}) AS v"
            f" WHERE {weekly}.user_id = v.column1 AND {weekly}.week = v.column2 RETURNING user_id, week, points",
            params):
        user = users[user_id]
        note_boards(boards[user_id], user, value(WeeklyScore, "week", week), total, None, None)
    if courses:
        params = {"now_week": prep(CourseScore, "week", this_week)}
        course_rows = [(u, prep(CourseScore, "course_key", k), *lost) for (u, k), lost in courses.items()]
        for user_id, key, total, row_week, week_points in execute(
                f"UPDATE {course_score} SET points = {course_score}.points - v.column3,"
                f" week = CASE WHEN v.column5 = 1 THEN %(now_week)s ELSE {course_score}.week END,"
                f" week_points = CASE WHEN v.column5 <> 1 THEN {course_score}.week_points"
                f" WHEN {course_score}.week = %(now_week)s THEN {course_score}.week_points - v.column4 ELSE 0 END"
                f" FROM ({_values(course_rows, 'c', params)}) AS v"
                f" WHERE {course_score}.user_id = v.column1 AND {course_score}.course_key = v.column2"
                f" RETURNING user_id, course_key, points, week, week_points", params):
            key = value(CourseScore, "course_key", key)
            boards[user_id][leaderboards.board_id("course", "all", key, None)] = total
            boards[user_id][leaderboards.board_id("course", "week", key, value(CourseScore, "week", row_week))] = \
                week_points
    params = {}
    score_rows = [(u, p, users[u].home_center_id) for u, p in scores.items()]
    for user_id, total in execute(
            f"UPDATE {score} SET points = {score}.points - v.column2, center_id = v.column3"
            f" FROM ({_values(score_rows, 's', params, {2: 'BIGINT'})}) AS v"
            f" WHERE {score}.user_id = v.column1 RETURNING user_id, points", params):
        moved[user_id] = (total, boards[user_id])
    return sum(scores.values()), moved
