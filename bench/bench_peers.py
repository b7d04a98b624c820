"""Issue 21: Sangkat side by side with the peers it replaced, as ratios of interleaved A/B runs.

- signed-in lesson page and anonymous course page (page cache off, then on), 32 clients: Sangkat against
  wagtail-lms 0.11.1 (a small production-like site, bench/peer_lms/, built in its own database);
- xAPI POSTs (single statements, batches of 50), 16 connections: Sangkat's /xapi/statements against
  Ralph 5.1's LRS with its file backend (bench/peer_ralph.py, with the append fix applied there);
- awarding points for an event, 1 connection and 16 threads: record_event against django-gamification
  0.3.2's award path (bench/peers_games.py).

Each side is served the same way: gunicorn (uvicorn for Ralph, an ASGI app) with 2 workers on loopback
(ports from BENCH_PEER_PORT, 47500 by default), DEBUG off, PostgreSQL, the same Redis for cache and
sessions. One pair = a run of A then a run of B (the next pair B then A), PEERS_PAIRS pairs (5) of
PEERS_SECONDS seconds (5). A row gives the median of the paired ratios Sangkat / peer and their spread
(min-max): on a shared, loaded machine the absolute rates move from minute to minute, the ratio of two
runs a few seconds apart much less. Peer files (static, media, LRS files) go to var/peers/ (gitignored).
Alone: BENCH=peers .venv/bin/python bench/run.py
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager

from bench.common import (
    PYTHON,
    ROOT,
    Row,
    bench_env,
    count_queries,
    database_url,
    django_setup,
    login_cookie,
    manage,
    redis_url,
    server,
    wrk,
)

AREA = "peers"
PAIRS = int(os.environ.get("PEERS_PAIRS", "5"))
SECONDS = int(os.environ.get("PEERS_SECONDS", "5"))
PORT = int(os.environ.get("BENCH_PEER_PORT", "47500"))
VAR = ROOT / "var" / "peers"
LMS_DATABASE = os.environ.get("BENCH_LMS_DATABASE", "bench_wagtail_lms")  # own name: helpers share one server
TARGET_PAGE = 2.0
TARGET_XAPI = 2.0
TARGET_EVENTS = 1.5
TARGET_EVENTS_PER_S = 500


def _ports():
    """PORT, PORT+1, ...: each one free when handed out (a client socket of an earlier run, to the
    database or Redis, can hold a port of the range as its own local port)."""
    port = PORT
    while True:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                port += 1
                continue
        yield port
        port += 1


_PORT = _ports()


@contextmanager
def _serve(command: list[str], env: dict, probe: str):
    """Start a server process; yields once `probe` answers (any HTTP status), stops it after."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(probe, timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[2]} did not start: " + process.stderr.read().decode()) from None
                time.sleep(0.3)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _pairs(ours, theirs) -> list[tuple[float, float]]:
    """PAIRS interleaved runs: ours then theirs, then theirs then ours; each callable returns a rate."""
    out = []
    for n in range(PAIRS):
        if n % 2 == 0:
            a = ours()
            b = theirs()
        else:
            b = theirs()
            a = ours()
        out.append((a, b))
    return out


def _ratio(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    ratios = [a / b for a, b in pairs if a and b]
    if not ratios:
        return 0.0, 0.0, 0.0
    return statistics.median(ratios), min(ratios), max(ratios)


def _row(benchmark: str, pairs, peer: str, unit: str, target: float, extra: str = "", ok: bool = True) -> Row:
    median, low, high = _ratio(pairs)
    ours = statistics.median(a for a, _ in pairs)
    theirs = statistics.median(b for _, b in pairs)
    stalled = sum(1 for a, b in pairs if not (a and b))
    ok = ok and not stalled
    if stalled:
        extra = f"{stalled} pair(s) where one side answered no request in its run" + (f"; {extra}" if extra else "")
    value = (f"{median:.2f}x ({low:.2f}-{high:.2f}, {len(pairs)} pairs); Sangkat {ours:.0f} {unit}, "
             f"{peer} {theirs:.0f} {unit}" + (f"; {extra}" if extra else ""))
    return Row(AREA, benchmark, value, f">= {target:g}x", ok and median >= target)


def _check_page(url: str, cookie: str, needle: str) -> None:
    """wrk counts a redirect as a success: the page must answer 200 with its content, signed in or not."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=10) as response:
        body = response.read().decode()
        if response.status != 200 or needle not in body:
            raise RuntimeError(f"{url} answered {response.status} without {needle!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _rate(url: str, cookie: str = "", clients: int = 32):
    def run() -> float:
        result = wrk(url, connections=clients, seconds=SECONDS, headers={"Cookie": cookie} if cookie else None)
        if result["errors"]:
            raise RuntimeError(f"{url}: {result['errors']} errors")
        return result["rps"]
    return run


# --- pages: wagtail-lms ------------------------------------------------------------------------------

def _lms_env() -> dict:
    base = database_url().rsplit("/", 1)[0]
    return bench_env(DJANGO_SETTINGS_MODULE="bench.peer_lms.settings", PEER_DATABASE_URL=f"{base}/{LMS_DATABASE}",
                     REDIS_URL=redis_url("redis://127.0.0.1:6379/3"))


def _lms_setup(lesson_slug: str) -> dict:
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", LMS_DATABASE], capture_output=True, check=False)
    result = subprocess.run([PYTHON, "-m", "bench.peer_lms.setup", lesson_slug], cwd=ROOT, env=_lms_env(),
                            capture_output=True, text=True, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if result.returncode or line is None:
        raise RuntimeError("wagtail-lms site set-up failed:\n" + result.stdout[-2000:] + result.stderr[-4000:])
    return json.loads(line[7:])


def pages() -> list[Row]:
    from bench.bench_courses import _learner_and_pages

    manage("seed_demo")
    django_setup()
    learner, course, lesson = _learner_and_pages()
    cookie = login_cookie(learner)
    lms = _lms_setup(lesson.slug)
    ours_q = {"lesson": count_queries(lesson.url, cookie), "course": count_queries(course.url)}
    rows = []
    lms_port = next(_PORT)
    lms_base = f"http://127.0.0.1:{lms_port}"
    lms_command = [PYTHON, "-m", "gunicorn", "bench.peer_lms.wsgi:application", "-b", f"127.0.0.1:{lms_port}",
                   "-w", "2", "--threads", "1", "--log-level", "error"]
    with _serve(lms_command, _lms_env(), lms_base + "/static/wagtail_lms/css/course.css"), \
            server(workers=2, port=next(_PORT), ANONYMOUS_PAGE_CACHE_SECONDS="0") as base:
        _check_page(base + lesson.url, cookie, lesson.title)
        _check_page(lms_base + lms["lesson"], lms["cookie"], "lms-lesson__title")
        _check_page(base + course.url, "", course.title)
        _check_page(lms_base + lms["course"], "", "lms-")
        for run in (_rate(base + lesson.url, cookie), _rate(lms_base + lms["lesson"], lms["cookie"])):
            run()  # warm every worker
        pairs = _pairs(_rate(base + lesson.url, cookie), _rate(lms_base + lms["lesson"], lms["cookie"]))
        rows.append(_row("signed-in lesson page, 32 clients: Sangkat / wagtail-lms", pairs, "wagtail-lms", "req/s",
                         TARGET_PAGE, f"SQL per page {ours_q['lesson']} / {lms['queries']['lesson']}"))
        pairs = _pairs(_rate(base + course.url), _rate(lms_base + lms["course"]))
        rows.append(_row("anonymous course page, page cache OFF, 32 clients: Sangkat / wagtail-lms", pairs,
                         "wagtail-lms", "req/s", TARGET_PAGE,
                         f"SQL per page {ours_q['course']} / {lms['queries']['course']}"))
        with server(workers=2, port=next(_PORT)) as cached:
            _rate(cached + course.url)()
            pairs = _pairs(_rate(cached + course.url), _rate(lms_base + lms["course"]))
            rows.append(_row("anonymous course page, page cache ON, 32 clients: Sangkat / wagtail-lms", pairs,
                             "wagtail-lms", "req/s", TARGET_PAGE))
    return rows


# --- xAPI: Ralph -----------------------------------------------------------------------------------

RALPH_USER, RALPH_PASSWORD = "bench", "bench-ralph-password"


def _ralph_env() -> dict:
    import bcrypt

    VAR.joinpath("ralph", "data").mkdir(parents=True, exist_ok=True)
    auth = VAR / "ralph" / "auth.json"
    if not auth.exists():  # what `ralph auth` writes (its CLI needs the `cli` extra, not installed)
        auth.write_text(json.dumps([{
            "username": RALPH_USER, "hash": bcrypt.hashpw(RALPH_PASSWORD.encode(), bcrypt.gensalt()).decode(),
            "scopes": ["all"], "agent": {"mbox": "mailto:bench@example.org", "objectType": "Agent"},
            "target": None}]))
    return {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(VAR / "ralph"),
            "RALPH_AUTH_FILE": str(auth), "RALPH_HISTORY_FILE": str(VAR / "ralph" / "history.json"),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(VAR / "ralph" / "data"),
            "RALPH_LOGGING__LOGGERS__ralph__level": "ERROR"}


def _ralph_reset() -> None:
    """Each Ralph run starts from empty files: its file backend reads the whole file for every POST's
    duplicate check and rewrites its history file, so it slows as they grow."""
    data = VAR / "ralph" / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in ("fs_lrs.jsonl",):  # emptied in place: the running server keeps using the same files
        (data / name).write_bytes(b"")
    (VAR / "ralph" / "history.json").write_text("[]")


def _xapi_rate(url: str, per_request: int, actor: dict, key: str, secret: str, seconds: int = SECONDS):
    from bench.bench_xapi import _wrk

    def run() -> float:
        result = _wrk(url, per_request=per_request, actor=actor, key=key, secret=secret,
                      registration=str(uuid.uuid4()), seconds=seconds)
        if result["errors"]:
            raise RuntimeError(f"{url}: {result['errors']} errors of {result['requests']}")
        return result["requests"] * per_request / result["seconds"]
    return run


def _few_connections(run) -> None:
    from bench import bench_xapi

    saved, bench_xapi.CONNECTIONS = bench_xapi.CONNECTIONS, 2
    try:
        run()
    finally:
        bench_xapi.CONNECTIONS = saved


def xapi() -> list[Row]:
    from bench.bench_xapi import CONNECTIONS, _setup

    django_setup()
    actor, key, secret = _setup()
    port = next(_PORT)
    ralph = f"http://127.0.0.1:{port}"
    command = [PYTHON, "-m", "uvicorn", "bench.peer_ralph:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "2", "--log-level", "error", "--no-access-log"]
    env = _ralph_env()
    _ralph_reset()
    rows = []
    with _serve(command, env, ralph + "/__lbheartbeat__"), server(workers=2, port=next(_PORT)) as base:
        for label, per_request in (("single POSTs", 1), ("batches of 50", 50)):
            # 10 s runs (as bench_xapi): Ralph's first answers to 16 new connections can take seconds.
            seconds = max(SECONDS, 10)
            ours = _xapi_rate(base + "/xapi/statements", per_request, actor, key, secret, seconds=seconds)
            peer = _xapi_rate(ralph + "/xAPI/statements", per_request, actor, RALPH_USER, RALPH_PASSWORD,
                              seconds=seconds)

            def theirs(peer=peer):
                _ralph_reset()
                return peer()

            # Warm: each worker loads its validators on its first statement, and Ralph checks the
            # password (bcrypt) once per worker before its cache answers: first over 2 connections
            # (16 first requests would run 16 bcrypt checks at once and time out on a loaded machine).
            _few_connections(_xapi_rate(ralph + "/xAPI/statements", per_request, actor, RALPH_USER,
                                        RALPH_PASSWORD, seconds=max(SECONDS, 8)))
            _xapi_rate(base + "/xapi/statements", per_request, actor, key, secret, seconds=max(SECONDS, 8))()
            _xapi_rate(ralph + "/xAPI/statements", per_request, actor, RALPH_USER, RALPH_PASSWORD,
                       seconds=max(SECONDS, 8))()
            pairs = _pairs(ours, theirs)
            rows.append(_row(f"xAPI {label}, {CONNECTIONS} connections: Sangkat / Ralph (file backend)", pairs,
                             "Ralph", "statements/s", TARGET_XAPI))
    return rows


# --- awarding points: django-gamification ------------------------------------------------------------

def events() -> list[Row]:
    base, name = database_url().rsplit("/", 1)
    url = os.environ.get("BENCH_PEERS_DATABASE_URL", f"{base}/{name}_peers")
    env = {"DJANGO_SETTINGS_MODULE": "bench.games_settings", "DATABASE_URL": url,
           "REDIS_URL": redis_url("redis://127.0.0.1:6379/1")}
    if url.startswith("postgres"):
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", url.rsplit("/", 1)[1]],
                       capture_output=True, check=False)
    manage("migrate", "--noinput", **env)
    process = subprocess.Popen([PYTHON, "-m", "bench.peers_games"], cwd=ROOT, env=bench_env(**env),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result, other = None, []
    for line in process.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        elif line.startswith("[peers]"):
            print("  " + line.rstrip(), flush=True)
        else:
            other.append(line)
    if process.wait() != 0 or result is None:
        raise RuntimeError("bench.peers_games failed:\n" + "".join(other[-60:]))
    rows = []
    st = result["statements"]
    for mode in ("1 connection", "16 threads"):
        runs = [p for p in result["pairs"] if p["mode"] == mode]
        pairs = [(p["ours"]["rate"], p["theirs"]["rate"]) for p in runs]
        ours_exact = all(p["ours"]["exact"] for p in runs)
        their_badges = [p["theirs"]["badges"] for p in runs]
        people = runs[0]["theirs"]["people"]
        rate = statistics.median(a for a, _ in pairs)
        extra = (f"Sangkat exact in {sum(p['ours']['exact'] for p in runs)}/{len(runs)} runs; "
                 f"django-gamification badges {min(their_badges)}-{max(their_badges)} of {people}")
        if mode == "16 threads":
            extra += f"; Sangkat {rate:.0f}/s vs goal {TARGET_EVENTS_PER_S}/s"
        rows.append(_row(f"award points for an event, PostgreSQL, {mode}: record_event / django-gamification",
                         pairs, "django-gamification", "events/s", TARGET_EVENTS, extra,
                         ours_exact and (mode != "16 threads" or rate >= TARGET_EVENTS_PER_S)))
    rows.append(Row(AREA, "SQL statements per event, first / later: Sangkat / django-gamification",
                    f"{st['ours'][0]} / {st['ours'][1]}; {st['theirs'][0]} / {st['theirs'][1]}"))
    return rows


def run() -> list[Row]:
    rows = [Row(AREA, "machine load (1-min average) at start, cores", f"{os.getloadavg()[0]:.1f}, {os.cpu_count()}")]
    # PEERS_PARTS=pages,xapi runs only the parts named (comma-separated); all of them by default.
    wanted = {name.strip() for name in os.environ.get("PEERS_PARTS", "").split(",") if name.strip()}
    for part in (pages, xapi, events):
        if wanted and part.__name__ not in wanted:
            continue
        print(f"  [peers] {part.__name__}", flush=True)
        rows.extend(part())
    rows.append(Row(AREA, "machine load (1-min average) at end", f"{os.getloadavg()[0]:.1f}"))
    return rows


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
