"""Django-side work of bench_games (issue 4), run in its own process against the games bench database:

    python -m bench.games_data prepare   # bulk data (cached: a marker row says it is there) + leaderboard reads
    python -m bench.games_data writes    # concurrent record_event, badge definitions, django-gamification

bench/bench_games.py starts these with the bench environment (DATABASE_URL, REDIS_URL,
DJANGO_SETTINGS_MODULE=bench.games_settings). Progress lines start with "[games]"; results are
printed as "RESULT {json}" lines for bench_games to turn into table rows.

Data (made with INSERT ... SELECT generate_series, a minute or two the first time):
- 100,000 learners in 20 centers, 50 ledger rows (games_award) each = 5,000,000, spread over the
  year's weeks, with running totals made from the ledger: games_score (points = sum of the person's
  awards not revoked), games_weeklyscore, games_coursescore. games_event is not filled: leaderboards
  never read it.
- django-gamification: 50,000 GamificationInterfaces, 10 BadgeDefinitions (500,000 Badges and
  Progressions, as its save() would make them) and 50 PointChanges each (2,500,000).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
import uuid
from contextlib import contextmanager

LEARNERS = 100_000
AWARDS_PER_LEARNER = 50  # 100,000 x 50 = 5,000,000 ledger rows
CENTERS = 20
CHUNKS = 10
COURSE_KEYS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"sangkat-bench-course-{i}")) for i in range(4)]
LEARNER_PREFIX = "bench-games-l-"
EVENT_PREFIX = "bench-games-ev-"  # people of the write benchmarks, cleaned before each run

WORKERS = 16
EVENT_USERS_PER_WORKER = 25
EVENTS_PER_USER = 10  # 16 x 25 x 10 = 4,000 events per pass

GAMIF_LEARNERS = 50_000
GAMIF_DEFINITIONS = 10
GAMIF_POINTS_PER_LEARNER = 50  # 2,500,000 PointChange rows

DATA_VERSION = "games-v1"
GAMIF_VERSION = "gamification-v1"


def say(message: str) -> None:
    print(f"[games] {message}", flush=True)


def emit(**values) -> None:
    print("RESULT " + json.dumps(values), flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"p50": ms(statistics.median(values)), "p95": ms(p95(values)), "n": len(values)}


# --- markers: the bulk data is made once and reused while its version (and the week) match ------


def _marker(name: str) -> str | None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_games_marker (name text PRIMARY KEY, version text NOT NULL, "
                  "made_at timestamptz NOT NULL DEFAULT now())")
        c.execute("SELECT version FROM bench_games_marker WHERE name = %s", [name])
        row = c.fetchone()
    return row[0] if row else None


def _set_marker(name: str, version: str | None) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("DELETE FROM bench_games_marker WHERE name = %s", [name])
        if version:
            c.execute("INSERT INTO bench_games_marker (name, version) VALUES (%s, %s)", [name, version])


def _this_week():
    from django.utils import timezone

    from games.services import week_of

    return week_of(timezone.now())


# --- bulk loading: secondary indexes are rebuilt once at the end, foreign keys are not re-checked per row


@contextmanager
def bulk_load(cursor, tables: list[str]):
    """Load rows fast into `tables`: their secondary indexes and unique constraints are dropped and built
    again afterwards (a sort instead of millions of index inserts), and foreign-key triggers do not fire
    (session_replication_role = replica; the rows are consistent by construction). The definitions are
    kept in bench_games_saved_index first, so an interrupted load gets its indexes back on the next run."""
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_games_saved_index (tbl text NOT NULL, name text NOT NULL, "
                   "is_constraint boolean NOT NULL, definition text NOT NULL, PRIMARY KEY (tbl, name))")
    for table in tables:
        cursor.execute("SELECT 1 FROM bench_games_saved_index WHERE tbl = %s LIMIT 1", [table])
        if cursor.fetchone() is None:
            cursor.execute("""
                INSERT INTO bench_games_saved_index (tbl, name, is_constraint, definition)
                SELECT %s, i.relname, con.oid IS NOT NULL,
                       COALESCE(pg_get_constraintdef(con.oid), pg_get_indexdef(i.oid))
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = x.indrelid
                     AND con.contype = 'u'
                WHERE x.indrelid = %s::regclass AND NOT x.indisprimary""", [table, table])
    cursor.execute("SELECT tbl, name, is_constraint, definition FROM bench_games_saved_index WHERE tbl = ANY(%s) "
                   "ORDER BY tbl, name", [tables])
    saved = cursor.fetchall()
    for table, name, is_constraint, _definition in saved:
        if is_constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        else:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        cursor.execute("SET session_replication_role = replica")
    except Exception:  # not a superuser: foreign keys are then checked row by row (slower, same result)
        pass
    try:
        yield
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for table, name, is_constraint, definition in saved:
            cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
            if cursor.fetchone() is None:
                if is_constraint:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                else:
                    cursor.execute(definition)
        cursor.execute("DELETE FROM bench_games_saved_index WHERE tbl = ANY(%s)", [tables])


# --- 100,000 learners, 5,000,000 ledger rows --------------------------------------------------


def ensure_leaderboard_data() -> dict:
    from django.db import connection

    from labs.models import Center

    week = _this_week()
    # The week is part of the version: "this week" boards need rows dated this week.
    version = f"{DATA_VERSION}:{week.isoformat()}"
    if _marker("leaderboard") == version:
        say("leaderboard data already there (marker matches): reusing it")
        return {"generated": False, "seconds": 0}
    started = time.perf_counter()
    _set_marker("leaderboard", None)
    centers = [Center.objects.get_or_create(slug=f"bench-games-c-{i}", defaults={"name": f"Bench games center {i:02d}"})[0].pk
               for i in range(CENTERS)]
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")  # a bulk load: no need to wait for each flush
        say("clearing earlier (partial) games data")
        c.execute("TRUNCATE games_award, games_score, games_weeklyscore, games_coursescore, games_event, "
                  "games_badgeaward, games_preferences, cms_notification")
        say(f"learners: {LEARNERS:,} in {CENTERS} centers")
        # 10% minors (half of them with a guardian's consent), the rest adults; 2% hidden, 2% by full name.
        c.execute(f"""
            INSERT INTO cms_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                  is_active, date_joined, nickname, display_name, preferred_language, age_band,
                                  guardian_consent, gender, must_change_password, home_center_id)
            SELECT '!', false, '{LEARNER_PREFIX}' || g, '', '', '', false, true, now(), 'Learner ' || g,
                   'Full Name ' || g, CASE WHEN g %% 3 = 0 THEN 'en' ELSE 'km' END,
                   CASE WHEN g %% 10 = 0 THEN '13-17' ELSE (ARRAY['18-24','25-59','60+'])[1 + g %% 3] END,
                   g %% 20 = 0, (ARRAY['woman','man','','woman'])[1 + g %% 4], false,
                   (%s::bigint[])[1 + g %% {CENTERS}]
            FROM generate_series(0, {LEARNERS - 1}) g
            ON CONFLICT (username) DO NOTHING""", [centers])
        c.execute(f"""CREATE TEMP TABLE bench_learner AS
            SELECT id, substr(username, {len(LEARNER_PREFIX) + 1})::int AS u, home_center_id
            FROM cms_user WHERE username LIKE %s""", [LEARNER_PREFIX + "%"])
        c.execute("CREATE INDEX ON bench_learner (u)")
        c.execute("ANALYZE bench_learner")
        c.execute("""CREATE TEMP TABLE bench_rule AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, kind, points FROM games_rule WHERE active""")
        c.execute("SELECT count(*) FROM bench_rule")
        rules = c.fetchone()[0]
        c.execute("""INSERT INTO games_preferences (user_id, leaderboard)
            SELECT id, CASE WHEN u % 50 = 1 THEN 'hidden' ELSE 'name' END FROM bench_learner WHERE u % 50 IN (1, 2)""")
        with bulk_load(c, ["games_award", "games_score", "games_weeklyscore", "games_coursescore"]):
            per_chunk = LEARNERS // CHUNKS
            for chunk in range(CHUNKS):
                lo, hi = chunk * per_chunk, (chunk + 1) * per_chunk - 1
                # Each person is active in 10 of the year's weeks (about 1 in 5 people this week); 1 in 97
                # people had one award revoked. Lessons, quizzes and courses carry one of 4 course keys.
                c.execute(f"""
                    INSERT INTO games_award (user_id, rule_id, source, points, course_key, week, created_at, revoked_at)
                    SELECT l.id, r.id, 'bench.' || r.kind || ':' || (l.u * {AWARDS_PER_LEARNER} + k), r.points,
                           CASE WHEN r.kind IN ('lesson_completed', 'quiz_passed', 'course_completed')
                                THEN (%(courses)s::uuid[])[1 + (l.u + k) %% 4] END,
                           w.week, LEAST(w.week + time '12:00', now()::timestamp),
                           CASE WHEN k = {AWARDS_PER_LEARNER - 1} AND l.u %% 97 = 0 THEN now() END
                    FROM bench_learner l
                    CROSS JOIN generate_series(0, {AWARDS_PER_LEARNER - 1}) k
                    JOIN bench_rule r ON r.n = k %% %(rules)s
                    CROSS JOIN LATERAL (SELECT %(week)s::date - 7 * ((l.u * 7 + (k / 5) * 3) %% 52) AS week) w
                    WHERE l.u BETWEEN %(lo)s AND %(hi)s""", {"courses": COURSE_KEYS, "rules": rules, "week": week, "lo": lo, "hi": hi})
                say(f"ledger rows: {(chunk + 1) * per_chunk * AWARDS_PER_LEARNER:,} / {LEARNERS * AWARDS_PER_LEARNER:,}"
                    f" ({time.perf_counter() - started:.0f}s)")
            say("running totals: games_score")
            c.execute("""
                INSERT INTO games_score (user_id, points, center_id, last_active_week, streak_weeks, best_streak_weeks)
                SELECT a.user_id, COALESCE(sum(a.points) FILTER (WHERE a.revoked_at IS NULL), 0), l.home_center_id,
                       max(a.week), CASE WHEN max(a.week) >= %(week)s::date - 7 THEN 1 ELSE 0 END, 1
                FROM games_award a JOIN bench_learner l ON l.id = a.user_id
                GROUP BY a.user_id, l.home_center_id""", {"week": week})
            say("running totals: games_weeklyscore")
            c.execute("""
                INSERT INTO games_weeklyscore (user_id, week, center_id, points)
                SELECT a.user_id, a.week, l.home_center_id, COALESCE(sum(a.points) FILTER (WHERE a.revoked_at IS NULL), 0)
                FROM games_award a JOIN bench_learner l ON l.id = a.user_id
                GROUP BY a.user_id, a.week, l.home_center_id""")
            say("running totals: games_coursescore")
            c.execute("""
                INSERT INTO games_coursescore (user_id, course_key, week, points, week_points)
                SELECT user_id, course_key, last_week, sum(p), COALESCE(sum(p) FILTER (WHERE week = last_week), 0)
                FROM (SELECT user_id, course_key, week, p, max(week) OVER (PARTITION BY user_id, course_key) AS last_week
                      FROM (SELECT user_id, course_key, week,
                                   COALESCE(sum(points) FILTER (WHERE revoked_at IS NULL), 0) AS p
                            FROM games_award WHERE course_key IS NOT NULL GROUP BY user_id, course_key, week) per_week
                     ) with_last
                GROUP BY user_id, course_key, last_week""")
            say(f"building indexes ({time.perf_counter() - started:.0f}s)")
        say(f"vacuum + analyze ({time.perf_counter() - started:.0f}s)")
        for table in ("cms_user", "games_award", "games_score", "games_weeklyscore", "games_coursescore",
                      "games_preferences"):
            c.execute(f"VACUUM ANALYZE {table}")
        c.execute("SELECT (SELECT count(*) FROM games_award), (SELECT count(*) FROM games_score), "
                  "(SELECT count(*) FROM games_weeklyscore), (SELECT count(*) FROM games_coursescore), "
                  "(SELECT sum(points) FROM games_score), "
                  "(SELECT sum(points) FROM games_award WHERE revoked_at IS NULL), "
                  "(SELECT sum(points) FROM games_weeklyscore)")
        awards, scores, weekly, course, score_sum, ledger_sum, weekly_sum = c.fetchone()
        if not (score_sum == ledger_sum == weekly_sum and scores == LEARNERS):
            raise RuntimeError(f"inconsistent bench data: score {score_sum}, ledger {ledger_sum}, weekly {weekly_sum}")
        c.execute("SET synchronous_commit = DEFAULT")
    seconds = time.perf_counter() - started
    say(f"made {awards:,} ledger rows, {scores:,} scores, {weekly:,} weekly, {course:,} course rows in {seconds:.0f}s")
    _set_marker("leaderboard", version)
    return {"generated": True, "seconds": round(seconds)}


# --- django-gamification: 50,000 interfaces, 10 definitions, 2,500,000 point changes -------------


def gamification_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("django_gamification")


def ensure_gamification_data() -> dict:
    from django.db import connection
    from django_gamification.models import BadgeDefinition as TheirDefinition

    if _marker("gamification") == GAMIF_VERSION:
        say("django-gamification data already there (marker matches): reusing it")
        return {"generated": False, "seconds": 0}
    started = time.perf_counter()
    _set_marker("gamification", None)
    n = GAMIF_LEARNERS
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("TRUNCATE django_gamification_badge, django_gamification_progression, "
                  "django_gamification_pointchange, django_gamification_unlockable, "
                  "django_gamification_unlockabledefinition, django_gamification_badgedefinition, "
                  "django_gamification_category, django_gamification_gamificationinterface RESTART IDENTITY")
        # Definitions first, while there are no interfaces (its save() then makes no Badge rows).
        definitions = [TheirDefinition.objects.create(
            name=f"Bench badge {i}", description=f"Badge {i} of the comparison", progression_target=5 * (i + 1),
            points=10 * (i + 1)).pk for i in range(GAMIF_DEFINITIONS)]
        say(f"django-gamification: {n:,} interfaces, {GAMIF_DEFINITIONS} definitions")
        with bulk_load(c, ["django_gamification_gamificationinterface", "django_gamification_progression",
                           "django_gamification_badge", "django_gamification_pointchange"]):
            c.execute(f"INSERT INTO django_gamification_gamificationinterface (id) SELECT g FROM generate_series(1, {n}) g")
            # One Badge + Progression per (definition, interface), as BadgeDefinition.save() makes them.
            c.execute(f"""INSERT INTO django_gamification_progression (id, progress, target)
                SELECT i * {n} + j, (i + j) % (5 * (i + 1)), 5 * (i + 1)
                FROM generate_series(0, {GAMIF_DEFINITIONS - 1}) i CROSS JOIN generate_series(1, {n}) j""")
            c.execute(f"""INSERT INTO django_gamification_badge (id, acquired, revoked, name, description,
                              badge_definition_id, interface_id, progression_id, category_id, points, next_badge_id)
                SELECT i * {n} + j, false, false, d.name, d.description, d.id, j, i * {n} + j, NULL, d.points, NULL
                FROM generate_series(0, {GAMIF_DEFINITIONS - 1}) i
                JOIN django_gamification_badgedefinition d ON d.id = (%s::int[])[i + 1]
                CROSS JOIN generate_series(1, {n}) j""", [definitions])
            say(f"django-gamification: {n * GAMIF_DEFINITIONS:,} badges + progressions "
                f"({time.perf_counter() - started:.0f}s); {n * GAMIF_POINTS_PER_LEARNER:,} point changes")
            c.execute(f"""INSERT INTO django_gamification_pointchange (time, amount, interface_id)
                SELECT now() - g * interval '1 second', 1 + (g * 37) % 100, 1 + g % {n}
                FROM generate_series(0, {n * GAMIF_POINTS_PER_LEARNER - 1}) g""")
            say(f"building indexes ({time.perf_counter() - started:.0f}s)")
        for table in ("gamificationinterface", "progression", "badge"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('django_gamification_{table}', 'id'), "
                      f"(SELECT max(id) FROM django_gamification_{table}))")
        for table in ("gamificationinterface", "progression", "badge", "pointchange", "badgedefinition"):
            c.execute(f"VACUUM ANALYZE django_gamification_{table}")
        c.execute("SET synchronous_commit = DEFAULT")
    seconds = time.perf_counter() - started
    say(f"django-gamification data made in {seconds:.0f}s")
    _set_marker("gamification", GAMIF_VERSION)
    return {"generated": True, "seconds": round(seconds)}


# --- prepare: data, a logged-in viewer, the leaderboard selector in-process ----------------------


def prepare() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.common import count_queries, login_cookie
    from games import selectors
    from games.models import Award, Score, WeeklyScore

    data = ensure_leaderboard_data()
    gamif = ensure_gamification_data() if gamification_installed() else {"generated": False, "seconds": 0}
    User = get_user_model()
    week = _this_week()
    with connection.cursor() as c:
        # The viewer: a learner in the middle of this week's board, with a home center.
        c.execute("""SELECT w.user_id FROM games_weeklyscore w JOIN cms_user u ON u.id = w.user_id
                     WHERE w.week = %s AND u.username LIKE %s AND u.age_band <> '13-17'
                     ORDER BY w.points, w.user_id
                     OFFSET (SELECT count(*) / 2 FROM games_weeklyscore WHERE week = %s) LIMIT 1""",
                  [week, LEARNER_PREFIX + "%", week])
        viewer = User.objects.get(pk=c.fetchone()[0])
    cookie = login_cookie(viewer)
    queries = {}
    for scope, period in (("overall", "week"), ("center", "all")):
        queries[f"{scope}/{period}"] = count_queries(f"/en/leaderboards/?scope={scope}&period={period}", cookie)
    # The selector alone, for 100 different viewers per board.
    rng = random.Random(4)
    ids = list(Score.objects.filter(user__username__startswith=LEARNER_PREFIX).values_list("user_id", flat=True))
    viewers = list(User.objects.filter(pk__in=rng.sample(ids, 100)))
    selector = {}
    for scope, period in (("overall", "week"), ("overall", "all"), ("center", "week"), ("center", "all")):
        for v in viewers[:5]:  # warm up
            selectors.leaderboard(viewer=v, scope=scope, period=period, center_id=v.home_center_id)
        times = []
        for v in viewers:
            t0 = time.perf_counter()
            board = selectors.leaderboard(viewer=v, scope=scope, period=period, center_id=v.home_center_id)
            times.append(time.perf_counter() - t0)
        assert len(board.rows) == selectors.LEADERBOARD_SIZE, board
        selector[f"{scope}/{period}"] = summary(times)
    emit(step="prepare", data=data, gamification=gamif, cookie=cookie, viewer=viewer.pk, queries=queries,
         selector=selector,
         awards=Award.objects.filter(user__username__startswith=LEARNER_PREFIX).count(),
         learners=Score.objects.filter(user__username__startswith=LEARNER_PREFIX).count(),
         this_week=WeeklyScore.objects.filter(week=week, user__username__startswith=LEARNER_PREFIX).count())


# --- writes: concurrent record_event, first event, badge definitions, django-gamification -----------


def _event_users(count: int, prefix: str):
    from django.contrib.auth import get_user_model

    from labs.models import Center

    User = get_user_model()
    center = Center.objects.get(slug="bench-games-c-0")
    existing = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=f"{prefix}{i}", nickname=f"Writer {i}", age_band="18-24", home_center=center, password="!")
        for i in range(count) if f"{prefix}{i}" not in existing
    ], batch_size=1000)
    return list(User.objects.filter(username__startswith=prefix).order_by("pk")[:count])


def _clean_event_users() -> None:
    """Forget everything the write benchmarks did before (their people stay, for the next run)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE IF NOT EXISTS bench_writers AS SELECT id FROM cms_user WHERE false")
        c.execute("TRUNCATE bench_writers")
        c.execute("INSERT INTO bench_writers SELECT id FROM cms_user WHERE username LIKE %s", [EVENT_PREFIX + "%"])
        for table in ("games_badgeaward", "games_award", "games_event", "games_score", "games_weeklyscore",
                      "games_coursescore", "cms_notification"):
            c.execute(f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM bench_writers)")


def _plan(users) -> list[list[tuple]]:
    """Per worker: its own people, each completing EVENTS_PER_USER distinct lessons of 4 courses."""
    plans = [[] for _ in range(WORKERS)]
    for index, user in enumerate(users):
        for j in range(EVENTS_PER_USER):
            source = f"courses.lesson:{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-lesson-{j}')}"
            plans[index % WORKERS].append((user, source, uuid.UUID(COURSE_KEYS[j % 4])))
    return plans


def _work(items, errors, made) -> None:
    from django.db import connection

    from games.services import record_event

    try:
        for user, source, course_key in items:
            made.append(len(record_event(user=user, kind="lesson_completed", source=source, course_key=course_key)))
    except Exception as exc:  # reported, and the checks below then fail
        errors.append(repr(exc))
    finally:
        connection.close()


def _run_threads(plans) -> tuple[float, list, list]:
    errors, made = [], []
    threads = [threading.Thread(target=_work, args=(plan, errors, made)) for plan in plans]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, errors, made


def _process_main(plan, start, queue) -> None:
    errors, made = [], []
    start.wait()
    _work(plan, errors, made)
    queue.put((errors, sum(made)))


def _run_processes(plans) -> tuple[float, list, int]:
    from django.db import connections

    connections.close_all()  # each forked worker opens its own connection
    ctx = multiprocessing.get_context("fork")
    start, queue = ctx.Event(), ctx.Queue()
    processes = [ctx.Process(target=_process_main, args=(plan, start, queue)) for plan in plans]
    for p in processes:
        p.start()
    time.sleep(0.5)
    t0 = time.perf_counter()
    start.set()
    results = [queue.get() for _ in processes]
    dt = time.perf_counter() - t0
    for p in processes:
        p.join()
    return dt, [e for errors, _ in results for e in errors], sum(n for _, n in results)


def _check(users, events: int) -> dict:
    from django.db.models import Count, Sum

    from games.models import Award, BadgeAward, Event, Score, WeeklyScore

    ids = [u.pk for u in users]
    return {
        "events": Event.objects.filter(user_id__in=ids).count(),
        "awards": Award.objects.filter(user_id__in=ids).count(),
        "award_points": Award.objects.filter(user_id__in=ids).aggregate(s=Sum("points"))["s"] or 0,
        "score_points": Score.objects.filter(user_id__in=ids).aggregate(s=Sum("points"))["s"] or 0,
        "weekly_points": WeeklyScore.objects.filter(user_id__in=ids).aggregate(s=Sum("points"))["s"] or 0,
        "badges": BadgeAward.objects.filter(user_id__in=ids).count(),
        # Everyone does the same work, so each badge anyone earned must be everyone's, once.
        "badge_people": dict(BadgeAward.objects.filter(user_id__in=ids).values_list("badge__slug")
                             .annotate(n=Count("user_id", distinct=True)).order_by()),
        "expected": events,
        "people": len(ids),
    }


def event_benchmarks() -> dict:
    from games.services import record_event

    users = _event_users(WORKERS * EVENT_USERS_PER_WORKER, EVENT_PREFIX + "w-")
    plans = _plan(users)
    events = sum(len(p) for p in plans)
    out = {}
    # 16 threads, each with its own database connection.
    _clean_event_users()
    say(f"record_event: {WORKERS} threads, {events:,} events ({len(users)} people x {EVENTS_PER_USER} lessons)")
    dt, errors, made = _run_threads(plans)
    out["threads"] = {"rate": round(events / dt), "seconds": round(dt, 1), "errors": errors[:3],
                      "made": sum(made), **_check(users, events)}
    # The same events again, each from another worker (retries, double clicks): nothing more is awarded.
    say("record_event: the same events replayed by other workers")
    dt, errors, made = _run_threads(plans[1:] + plans[:1])
    out["replay"] = {"rate": round(events / dt), "errors": errors[:3], "made": sum(made), **_check(users, events)}
    # 16 processes (like gunicorn workers): no shared interpreter lock.
    _clean_event_users()
    say(f"record_event: {WORKERS} processes, {events:,} events")
    dt, errors, made = _run_processes(plans)
    out["processes"] = {"rate": round(events / dt), "seconds": round(dt, 1), "errors": errors[:3], "made": made,
                        **_check(users, events)}
    # A newcomer's first event (all our engine does for a new learner: no rows before it).
    newcomers = _event_users(50, EVENT_PREFIX + "new-")
    times = []
    for user in newcomers:
        t0 = time.perf_counter()
        record_event(user=user, kind="lesson_completed", source="courses.lesson:bench-first",
                     course_key=uuid.UUID(COURSE_KEYS[0]))
        times.append(time.perf_counter() - t0)
    out["first_event"] = summary(times)
    return out


def our_badge_definition() -> dict:
    """Staff create a badge: the model with its validation (games.services.validate_badge_criteria),
    and the Wagtail admin form (snippet create view), with 100,000 learners in the database."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from games.models import BadgeDefinition

    BadgeDefinition.objects.filter(slug__startswith="bench-new-").delete()
    model_times = []
    for i in range(5):
        definition = BadgeDefinition(
            slug=f"bench-new-model-{i}", name_en=f"Bench badge {i}", description_en="Made by the benchmark.",
            criterion="event_count", event_kind="lesson_completed", count=20, level=2)
        t0 = time.perf_counter()
        definition.full_clean()
        definition.save()
        model_times.append(time.perf_counter() - t0)
    User = get_user_model()
    admin = User.objects.filter(username="bench-games-admin").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-games-admin", password=None, nickname="Admin")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = reverse("wagtailsnippets_games_badgedefinition:add")
    client.get(url)  # warm up (imports, templates)
    form_times, statuses = [], []
    for i in range(5):
        data = {"slug": f"bench-new-form-{i}", "name_en": f"Bench form badge {i}", "name_km": "",
                "description_en": "Made through the admin form.", "description_km": "", "criteria_en": "",
                "level": "2", "color": "#1f6f5c", "criterion": "points", "points": str(500 + i),
                "event_kind": "", "count": "", "active": "on"}
        t0 = time.perf_counter()
        response = client.post(url, data)
        form_times.append(time.perf_counter() - t0)
        statuses.append(response.status_code)
    made = BadgeDefinition.objects.filter(slug__startswith="bench-new-form-").count()
    BadgeDefinition.objects.filter(slug__startswith="bench-new-").delete()
    return {"model": {**summary(model_times), "max": ms(max(model_times))},
            "form": {**summary(form_times), "max": ms(max(form_times)), "statuses": statuses, "made": made}}


def their_benchmarks() -> dict:
    from django.db import connection, transaction
    from django.db.models import Sum
    from django_gamification import signals  # noqa: F401  (connects its post_save receivers, as a project would)
    from django_gamification.models import BadgeDefinition as TheirDefinition
    from django_gamification.models import GamificationInterface, PointChange

    out = {"interfaces": GamificationInterface.objects.count(), "point_changes": PointChange.objects.count()}
    # (a) a new badge definition: its save() makes a Badge (+ Progression) for every interface.
    say(f"django-gamification: new BadgeDefinition with {out['interfaces']:,} interfaces (O(N), be patient)")
    t0 = time.perf_counter()
    with transaction.atomic():  # the favourable case (an admin view's transaction): one commit, not 100,000
        definition = TheirDefinition(name="Bench new badge", description="Made by the benchmark",
                                     progression_target=5, points=20)
        definition.save()
    out["definition_seconds"] = round(time.perf_counter() - t0, 2)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM django_gamification_badge WHERE badge_definition_id = %s", [definition.pk])
        out["definition_badges"] = c.fetchone()[0]
        c.execute("""WITH b AS (DELETE FROM django_gamification_badge WHERE badge_definition_id = %s
                                RETURNING progression_id)
                     DELETE FROM django_gamification_progression WHERE id IN (SELECT progression_id FROM b)""",
                  [definition.pk])
        c.execute("DELETE FROM django_gamification_badgedefinition WHERE id = %s", [definition.pk])
    # (b) registering a learner: a GamificationInterface, and its signal makes a Badge per definition.
    times, made = [], []
    for _ in range(30):
        t0 = time.perf_counter()
        with transaction.atomic():
            interface = GamificationInterface.objects.create()
        times.append(time.perf_counter() - t0)
        made.append(interface.pk)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM django_gamification_badge WHERE interface_id = %s", [made[-1]])
        out["register_badges"] = c.fetchone()[0]
        c.execute("""WITH b AS (DELETE FROM django_gamification_badge WHERE interface_id = ANY(%s)
                                RETURNING progression_id)
                     DELETE FROM django_gamification_progression WHERE id IN (SELECT progression_id FROM b)""", [made])
        c.execute("DELETE FROM django_gamification_gamificationinterface WHERE id = ANY(%s)", [made])
    out["register"] = summary(times)
    # (c) a learner's points: its `points` property sums the learner's PointChange rows.
    rng = random.Random(7)
    times = []
    for _ in range(1000):
        interface = GamificationInterface(pk=rng.randint(1, GAMIF_LEARNERS))
        t0 = time.perf_counter()
        interface.points  # noqa: B018
        times.append(time.perf_counter() - t0)
    out["points"] = summary(times)
    # And a top-20 leaderboard the only way its data allows: SUM over every PointChange.
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        list(PointChange.objects.values("interface").annotate(total=Sum("amount")).order_by("-total")[:20])
        times.append(time.perf_counter() - t0)
    out["top20"] = summary(times)
    return out


def our_reads() -> dict:
    from games.models import Score

    ids = list(Score.objects.filter(user__username__startswith=LEARNER_PREFIX).values_list("user_id", flat=True))
    rng = random.Random(7)
    times = []
    for _ in range(1000):
        user_id = rng.choice(ids)
        t0 = time.perf_counter()
        Score.objects.filter(user_id=user_id).values_list("points", flat=True).first()
        times.append(time.perf_counter() - t0)
    return summary(times)


def writes() -> None:
    from django.contrib.auth import get_user_model

    result = {"step": "writes", "learners": get_user_model().objects.filter(
        username__startswith=LEARNER_PREFIX).count()}
    result["record_event"] = event_benchmarks()
    say("badge definition (ours)")
    result["badge_definition"] = our_badge_definition()
    result["score_read"] = our_reads()
    if gamification_installed():
        result["theirs"] = their_benchmarks()
    emit(**result)


def main(step: str) -> None:
    import django

    django.setup()
    {"prepare": prepare, "writes": writes}[step]()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.games_settings")
    main(sys.argv[1])
