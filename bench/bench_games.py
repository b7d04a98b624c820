"""Issue 4: the gamification engine under load, and django-gamification 0.3.2 side by side.

1. record_event from 16 concurrent workers (threads, then processes), no double award.
2. leaderboards with 100,000 learners and 5,000,000 ledger rows: the page under wrk, and the selector.
3. creating a badge definition (model + validation, and the Wagtail admin form).
4. django-gamification 0.3.2 with 50,000 learners: new BadgeDefinition, registering a learner, points.

Runs against its own database (`<bench db>_games`, or BENCH_GAMES_DATABASE_URL) with the settings
bench.games_settings (the project's + "django_gamification"). The bulk data is made once with SQL
(bench/games_data.py, a minute or two) and reused while a marker row says it is there.
Alone: .venv/bin/python bench/bench_games.py   With the others: make bench (BENCH=games for this one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, Row, bench_env, database_url, manage, redis_url, server, wrk  # noqa: E402

AREA = "games"
TARGET_EVENTS_PER_S = 500
TARGET_P95_MS = 50
TARGET_DEFINITION_S = 1.0
PAGES = (("overall", "week"), ("center", "all"), ("overall", "all"), ("center", "week"))


def games_database_url() -> str:
    if os.environ.get("BENCH_GAMES_DATABASE_URL"):
        return os.environ["BENCH_GAMES_DATABASE_URL"]
    base, name = database_url().rsplit("/", 1)
    return f"{base}/{name}_games"


def games_redis_url() -> str:
    """Redis database 1 when it answers (BENCH_REDIS_URL overrides); none otherwise."""
    return redis_url("redis://127.0.0.1:6379/1")


def _env() -> dict:
    return {"DJANGO_SETTINGS_MODULE": "bench.games_settings", "DATABASE_URL": games_database_url(),
            "REDIS_URL": games_redis_url()}


def _step(name: str) -> dict:
    """Run one step of bench/games_data.py in its own process; show its progress, return its result."""
    process = subprocess.Popen([PYTHON, "-m", "bench.games_data", name], cwd=ROOT, env=bench_env(**_env()),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result, other = None, []
    for line in process.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        elif line.startswith("[games]"):
            print("  " + line.rstrip(), flush=True)
        else:
            other.append(line)
    if process.wait() != 0 or result is None:
        raise RuntimeError(f"bench.games_data {name} failed:\n{''.join(other[-60:])}")
    return result


def _ensure_database() -> None:
    url = games_database_url()
    if url.startswith("postgres"):
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]],
                       capture_output=True, check=False)
    manage("migrate", "--noinput", **_env())
    if not (ROOT / "var" / "static" / "staticfiles.json").exists():  # `make bench` has collected them already
        manage("collectstatic", "--noinput", "--clear", **_env())


def run() -> list[Row]:
    started = time.time()
    load_before = os.getloadavg()[0]
    print(f"  [games] database {games_database_url()}, redis {games_redis_url() or 'none'}", flush=True)
    _ensure_database()
    prep = _step("prepare")
    rows = []
    data = prep["data"]
    rows.append(Row(AREA, "data: learners / ledger rows / on this week's board",
                    f"{prep['learners']:,} / {prep['awards']:,} / {prep['this_week']:,}"
                    + (f" (made in {data['seconds']} s)" if data["generated"] else " (cached)")))

    # 2. Leaderboards: the page over HTTP (gunicorn, DEBUG off), then the selector alone.
    cookie = {"Cookie": prep["cookie"]}
    with server(**_env()) as base:
        for scope, period in PAGES:
            url = f"{base}/en/leaderboards/?scope={scope}&period={period}"
            wrk(url, connections=4, seconds=2, headers=cookie)  # warm every worker (templates, catalogs)
            for clients in (1, 16):
                r = wrk(url, connections=clients, seconds=6, headers=cookie)
                target = clients == 16 and (scope, period) in PAGES[:2]
                rows.append(Row(
                    AREA, f"leaderboard page {scope}/{period}, {clients} client{'s' if clients > 1 else ''}",
                    f"{r['rps']:.0f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, errors {r['errors']}",
                    f"p95 < {TARGET_P95_MS} ms" if target else "",
                    (r["p95"] < TARGET_P95_MS and r["errors"] == 0) if target else (r["errors"] == 0 or None)))
    for key, s in prep["selector"].items():
        rows.append(Row(AREA, f"leaderboard selector {key}, in-process, 100 viewers",
                        f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms", f"p95 < {TARGET_P95_MS} ms",
                        s["p95"] < TARGET_P95_MS))
    rows.append(Row(AREA, "leaderboard page SQL queries (overall/week, center/all)",
                    " / ".join(str(n) for n in prep["queries"].values())))

    # 1, 3, 4: writes, badge definitions, django-gamification.
    w = _step("writes")
    ev = w["record_event"]
    for mode in ("threads", "processes"):
        e = ev[mode]
        exact = (e["events"] == e["awards"] == e["expected"] == e["made"]
                 and e["badge_people"] and set(e["badge_people"].values()) == {e["people"]}
                 and e["badges"] == e["people"] * len(e["badge_people"])
                 and e["award_points"] == e["score_points"] == e["weekly_points"] == 10 * e["expected"]
                 and not e["errors"])
        rows.append(Row(
            AREA, f"record_event, 16 {mode} (distinct people/lessons)",
            f"{e['rate']} events/s; {e['expected']:,} events -> {e['awards']:,} awards, "
            f"points ledger {e['award_points']:,} = score {e['score_points']:,}, "
            f"badges {e['badges']:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(e['badge_people'].items()))})"
            + (f"; errors: {e['errors']}" if e["errors"] else ""),
            f">= {TARGET_EVENTS_PER_S}/s, awards = events", e["rate"] >= TARGET_EVENTS_PER_S and exact))
    r = ev["replay"]
    rows.append(Row(AREA, "record_event replayed by other workers (16 threads)",
                    f"{r['rate']} events/s; {r['made']} new awards; awards still {r['awards']:,}",
                    "0 new awards", r["made"] == 0 and r["awards"] == r["expected"] and not r["errors"]))

    bd = w["badge_definition"]
    learners = f"{w['learners']:,} learners"
    rows.append(Row(AREA, f"ours: create badge definition (model + validation), {learners}",
                    f"p50 {bd['model']['p50']:.1f} ms, max {bd['model']['max']:.1f} ms (5 runs)",
                    f"< {TARGET_DEFINITION_S:.0f} s", bd["model"]["max"] < TARGET_DEFINITION_S * 1000))
    form_ok = bd["form"]["made"] == 5 and all(s == 302 for s in bd["form"]["statuses"])
    rows.append(Row(AREA, f"ours: create badge definition (Wagtail admin form POST), {learners}",
                    f"p50 {bd['form']['p50']:.1f} ms, max {bd['form']['max']:.1f} ms (5 runs)"
                    + ("" if form_ok else f"; statuses {bd['form']['statuses']}, made {bd['form']['made']}"),
                    f"< {TARGET_DEFINITION_S:.0f} s", form_ok and bd["form"]["max"] < TARGET_DEFINITION_S * 1000))
    first = ev["first_event"]
    rows.append(Row(AREA, "ours: new learner = first record_event (no rows before it)",
                    f"p50 {first['p50']:.1f} ms, p95 {first['p95']:.1f} ms (50 people)"))
    sr = w["score_read"]
    rows.append(Row(AREA, "ours: a learner's points (Score row by key)",
                    f"p50 {sr['p50']:.2f} ms, p95 {sr['p95']:.2f} ms (1,000 reads)"))
    th = w.get("theirs")
    if th is None:
        rows.append(Row(AREA, "django-gamification 0.3.2", "not installed (pip install django-gamification==0.3.2)",
                        ok=False))
    else:
        n = f"{th['interfaces']:,} learners"
        rows.append(Row(AREA, f"django-gamification: create BadgeDefinition, {n}",
                        f"{th['definition_seconds']:.1f} s ({th['definition_badges']:,} Badge + Progression rows)"))
        rows.append(Row(AREA, "django-gamification: register a learner (interface + badges of 10 definitions)",
                        f"p50 {th['register']['p50']:.1f} ms, p95 {th['register']['p95']:.1f} ms "
                        f"({th['register_badges']} Badge rows each)"))
        rows.append(Row(AREA, f"django-gamification: a learner's points (SUM of 50 of {th['point_changes']:,} rows)",
                        f"p50 {th['points']['p50']:.2f} ms, p95 {th['points']['p95']:.2f} ms (1,000 reads)"))
        rows.append(Row(AREA, "django-gamification: top 20 by points (GROUP BY over every PointChange)",
                        f"p50 {th['top20']['p50']:.0f} ms (3 runs)"))
    rows.append(Row(AREA, "machine load (1-min average) at start / end, cores",
                    f"{load_before:.1f} / {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores",
                    "quiet machine", None))
    print(f"  [games] done in {time.time() - started:.0f} s", flush=True)
    return rows


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
