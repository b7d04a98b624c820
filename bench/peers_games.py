"""Issue 21: awarding points for an event, Sangkat's record_event against django-gamification 0.3.2's award path.

Run by bench/bench_peers.py as `python -m bench.peers_games` with the settings bench.games_settings, on its
own small PostgreSQL database (`<bench db>_peers`); prints `RESULT {json}`.

Both sides get the same work: PEOPLE people, each completing EVENTS_PER_PERSON distinct lessons worth 10
points, and a badge for the lessons. The events of one person are dealt round-robin over the workers, so
with 16 threads one person's events run at the same time (a phone retrying while a quiz is submitted),
which is where a read-modify-write loses updates. One pass = one system, one mode (1 connection, or 16
threads with a connection each); passes of the two systems are interleaved, A then B, then B then A.

django-gamification's award path, as its README tells an app to award points and progress a badge for an
event (autocommit, as the library does it):
  interface = GamificationInterface.objects.get(pk=...)           1 SELECT
  PointChange.objects.create(amount=10, interface=interface)      1 INSERT; its post_save signal then sums
                                                                  the interface's points and UPDATEs its
                                                                  unlockables: 2 more
  badge = Badge.objects.select_related("progression").get(...)    1 SELECT
  badge.increment(); badge.progression.save()                     1 UPDATE
  if the badge is now acquired: badge.award(); badge.save()       1 UPDATE, once
Its badge counts EVENTS_PER_PERSON events (a Progression); ours is the project's default
"first lesson" badge, read by record_event's own badge check.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid

PEOPLE = int(os.environ.get("PEERS_GAMES_PEOPLE", "80"))
EVENTS_PER_PERSON = 10
WORKERS = 16
PAIRS = int(os.environ.get("PEERS_PAIRS", "5"))
PREFIX = "bench-peers-g-"
COURSE_KEY = uuid.uuid5(uuid.NAMESPACE_URL, "sangkat-bench-peers-course")
SOURCES = [f"courses.lesson:{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-peers-lesson-{j}')}"
           for j in range(EVENTS_PER_PERSON)]
GAMIF_BADGE = "bench-peers: ten lessons"


def say(message: str) -> None:
    print(f"[peers] {message}", flush=True)


def _people():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    existing = set(User.objects.filter(username__startswith=PREFIX).values_list("username", flat=True))
    User.objects.bulk_create([User(username=f"{PREFIX}{i}", nickname=f"Peer {i}", age_band="18-24", password="!")
                              for i in range(PEOPLE) if f"{PREFIX}{i}" not in existing])
    return list(User.objects.filter(username__startswith=PREFIX).order_by("pk")[:PEOPLE])


def _deal(people: list, make) -> list[list]:
    """Event j of person p, make(p, j), goes to worker (p + j) % WORKERS: a person's events run concurrently."""
    plans = [[] for _ in range(WORKERS)]
    for j in range(EVENTS_PER_PERSON):
        for p, person in enumerate(people):
            plans[(p + j) % WORKERS].append(make(person, j))
    return plans


def _timed(plans: list[list], work, threads: bool) -> tuple[float, list]:
    from django.db import connection

    errors: list[str] = []

    def worker(plan):
        try:
            for item in plan:
                work(item)
        except Exception as exc:  # reported; the exactness check then fails
            errors.append(repr(exc))
        finally:
            if threads:
                connection.close()

    t0 = time.perf_counter()
    if threads:
        running = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
        for t in running:
            t.start()
        for t in running:
            t.join()
    else:
        worker([item for plan in plans for item in plan])
    return time.perf_counter() - t0, errors


# --- Sangkat ---------------------------------------------------------------------------------------

def _ours_clean(ids) -> None:
    from django.db import connection

    with connection.cursor() as c:
        for table in ("games_badgeaward", "games_award", "games_event", "games_score", "games_weeklyscore",
                      "games_coursescore", "cms_notification"):
            c.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", [ids])
    from django.core.cache import cache

    cache.clear()  # leaderboard tops and rule caches start cold, as after a deploy


def ours(people, threads: bool) -> dict:
    from django.db.models import Sum

    from games.models import Award, BadgeAward, Score
    from games.services import record_event

    ids = [p.pk for p in people]
    _ours_clean(ids)
    plans = _deal(people, lambda person, j: (person, SOURCES[j]))
    events = sum(len(plan) for plan in plans)

    def work(item):
        record_event(user=item[0], kind="lesson_completed", source=item[1], course_key=COURSE_KEY)

    seconds, errors = _timed(plans, work, threads)
    awards = Award.objects.filter(user_id__in=ids)
    out = {"rate": events / seconds, "events": events, "errors": errors[:3],
           "awards": awards.count(), "points": awards.aggregate(s=Sum("points"))["s"] or 0,
           "score": Score.objects.filter(user_id__in=ids).aggregate(s=Sum("points"))["s"] or 0,
           "badges": BadgeAward.objects.filter(user_id__in=ids).values("user_id").distinct().count(),
           "people": len(ids)}
    out["exact"] = (not errors and out["awards"] == events and out["points"] == out["score"] == 10 * events
                    and out["badges"] == len(ids))
    return out


# --- django-gamification -------------------------------------------------------------------------

def _their_definition():
    from django_gamification.models import BadgeDefinition

    definition = BadgeDefinition.objects.filter(name=GAMIF_BADGE).first()
    if definition is None:
        BadgeDefinition.objects.all().delete()  # only ours in this database: registering stays cheap
        definition = BadgeDefinition.objects.create(name=GAMIF_BADGE, description="Complete ten lessons.",
                                                    progression_target=EVENTS_PER_PERSON, points=None)
    return definition


def theirs(people, threads: bool) -> dict:
    from django.db.models import Sum
    from django_gamification.models import Badge, GamificationInterface, PointChange

    definition = _their_definition()
    GamificationInterface.objects.all().delete()  # the previous pass's people
    interfaces = [GamificationInterface.objects.create() for _ in people]  # each gets its Badge (+ Progression)
    plans = _deal(interfaces, lambda interface, j: (interface.pk, j))
    events = sum(len(plan) for plan in plans)

    def work(item):
        interface = GamificationInterface.objects.get(pk=item[0])
        PointChange.objects.create(amount=10, interface=interface)
        badge = Badge.objects.select_related("progression").get(interface=interface, badge_definition=definition)
        was = badge.acquired
        badge.increment()
        badge.progression.save()
        if badge.acquired and not was:
            badge.award()
            badge.save()

    seconds, errors = _timed(plans, work, threads)
    ids = [i.pk for i in interfaces]
    out = {"rate": events / seconds, "events": events, "errors": errors[:3],
           "points": PointChange.objects.filter(interface_id__in=ids).aggregate(s=Sum("amount"))["s"] or 0,
           "badges": Badge.objects.filter(interface_id__in=ids, acquired=True).count(), "people": len(ids)}
    out["exact"] = not errors and out["points"] == 10 * events and out["badges"] == len(ids)
    return out


def _statements(fn) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    # Transaction control (BEGIN/COMMIT: record_event is one transaction; the peer runs in
    # autocommit) is counted apart from the statements that do the work.
    control = sum(1 for q in captured if q["sql"].split(" ", 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK"))
    return f"{len(captured) - control}" + (f" (+{control} BEGIN/COMMIT)" if control else "")


def statement_counts(people) -> dict:
    """SQL statements for one person's first event and for a later one, on each side."""
    from django_gamification.models import Badge, GamificationInterface, PointChange

    from games import services
    from games.services import record_event

    person = people[0]
    _ours_clean([person.pk])
    services._active_rules()  # rules and badges are cached per process: warm, as in use
    services._badge_definitions()
    ours_first = _statements(lambda: record_event(user=person, kind="lesson_completed", source=SOURCES[0],
                                                  course_key=COURSE_KEY))
    ours_later = _statements(lambda: record_event(user=person, kind="lesson_completed", source=SOURCES[1],
                                                  course_key=COURSE_KEY))
    definition = _their_definition()
    interface = GamificationInterface.objects.create()

    def award():
        i = GamificationInterface.objects.get(pk=interface.pk)
        PointChange.objects.create(amount=10, interface=i)
        badge = Badge.objects.select_related("progression").get(interface=i, badge_definition=definition)
        badge.increment()
        badge.progression.save()

    return {"ours": [ours_first, ours_later], "theirs": [_statements(award), _statements(award)]}


def main() -> None:
    import django

    django.setup()
    from django_gamification import signals  # noqa: F401  (connects its post_save receivers, as a project would)

    people = _people()
    result = {"pairs": [], "statements": statement_counts(people)}
    for mode, threads in (("1 connection", False), ("16 threads", True)):
        ours(people, threads)  # warm: rule cache, connections, plans
        theirs(people, threads)
        for n in range(PAIRS):
            order = (("ours", ours), ("theirs", theirs)) if n % 2 == 0 else (("theirs", theirs), ("ours", ours))
            pair = {"mode": mode}
            for name, fn in order:
                pair[name] = fn(people, threads)
            say(f"{mode} pair {n + 1}: ours {pair['ours']['rate']:.0f}/s, theirs {pair['theirs']['rate']:.0f}/s")
            result["pairs"].append(pair)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.games_settings")
    sys.exit(main())
