"""Issue 21: Sangkat side by side with the peers it replaced, as ratios of interleaved A/B runs.

- signed-in lesson page and anonymous course page (page cache off, then on), 32 clients: Sangkat against
  wagtail-lms 0.11.1 (a small production-like site, bench/peer_lms/, built in its own database);
- xAPI POSTs (single statements, batches of 50), 16 connections: Sangkat's /xapi/statements against
  Ralph 5.1's LRS with its file backend (bench/peer_ralph.py, with the append fix applied there). Each
  Ralph run is a fresh uvicorn from empty files (Ralph keeps a growing history in memory), warmed by
  8 single POSTs; each run of either side must store every statement it acknowledged (ids read from
  the 200 answers) or the row fails, as it does when a run answered nothing;
- awarding points for an event, 1 connection and 16 threads: record_event against django-gamification
  0.3.2's award path (bench/peers_games.py).

Each side is served the same way: gunicorn (uvicorn for Ralph, an ASGI app) with 2 workers on loopback
(ports from BENCH_PEER_PORT, 28500 by default), DEBUG off, PostgreSQL, the same Redis for cache and
sessions. One pair = a run of A then a run of B (the next pair B then A), PEERS_PAIRS pairs (5) of
PEERS_SECONDS seconds (5). A row gives the median of the paired ratios Sangkat / peer and their spread
(min-max): on a shared, loaded machine the absolute rates move from minute to minute, the ratio of two
runs a few seconds apart much less. Peer files (static, media, LRS files) go to var/peers/ (gitignored).
Alone: BENCH=peers .venv/bin/python bench/run.py; some parts only: PEERS_PARTS=xapi (a comma-separated
list of pages, xapi, events), e.g. PEERS_PARTS=xapi PEERS_PAIRS=5 BENCH=peers .venv/bin/python bench/run.py
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
from pathlib import Path

from bench.common import (
    PYTHON,
    ROOT,
    SERVER_PIDS,
    Row,
    bench_env,
    count_queries,
    database_url,
    django_setup,
    login_cookie,
    manage,
    process_tree_cpu,
    redis_url,
    server,
    wrk,
)

AREA = "peers"
PAIRS = int(os.environ.get("PEERS_PAIRS", "5"))
SECONDS = int(os.environ.get("PEERS_SECONDS", "5"))
# Below Linux's ephemeral range (32768-60999): no client socket (to PostgreSQL, Redis) is ever given one
# of these as its local port between the check below and the server binding it.
PORT = int(os.environ.get("BENCH_PEER_PORT", "28500"))
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
def _serve(command: list[str], env: dict, probe: str, log: Path):
    """Start a server process; yields once `probe` answers (any HTTP status), stops it after.

    Its output goes to `log`, never to a pipe: nobody reads a pipe while the server runs, and once its
    64 KB fill (uvicorn logs a traceback for every request wrk drops at the end of a run) the server
    blocks on its next log line and answers nothing more."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
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
                    raise RuntimeError(f"{command[2]} did not start: " + _tail(log)) from None
                time.sleep(0.3)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path, size: int = 1500) -> str:
    return log.read_bytes()[-size:].decode(errors="replace") if log.exists() else "(no log)"


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
    stalled = sum(1 for a, b in pairs if not (a and b))
    if stalled:  # a ratio from a run that answered nothing means nothing: say so instead of printing one
        return Row(AREA, benchmark, f"FAILED: in {stalled} of {len(pairs)} pairs one side answered no request "
                   "in its run", f">= {target:g}x", False)
    median, low, high = _ratio(pairs)
    ours = statistics.median(a for a, _ in pairs)
    theirs = statistics.median(b for _, b in pairs)
    value = (f"{median:.2f}x ({low:.2f}-{high:.2f}, {len(pairs)} pairs); Sangkat {ours:.0f} {unit}, "
             f"{peer} {theirs:.0f} {unit}" + (f"; {extra}" if extra else ""))
    return Row(AREA, benchmark, value, f">= {target:g}x", ok and median >= target)


def _failed(benchmark: str, target: float, error: Exception) -> Row:
    reason = " ".join(str(error).split())
    print(f"  [peers] {benchmark}: FAILED: {error}", flush=True)
    return Row(AREA, benchmark, "FAILED: " + (reason[:300] + " ..." if len(reason) > 300 else reason),
               f">= {target:g}x", False)


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
    with _serve(lms_command, _lms_env(), lms_base + "/static/wagtail_lms/css/course.css",
                VAR / "lms" / "server.log"), \
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
RALPH_DIR = VAR / "ralph"
RALPH_FILE = RALPH_DIR / "data" / "fs_lrs.jsonl"  # the file backend's DEFAULT_LRS_FILE
RALPH_BCRYPT_ROUNDS = 4
# Longer than a run: a request still unanswered when the run ends is not counted, on either side,
# rather than counted as an error (a loaded machine gave Ralph's batches of 50 over 10 s).
_TIMEOUT = 60


def _ralph_env() -> dict:
    """Ralph's settings (its env variables) and auth file: the file backend in var/peers/ralph/.

    The password hash uses bcrypt's lowest cost. Ralph checks a password once per worker and then
    caches it for an hour, so the cost only slows each worker's first requests, but there it held the
    GIL: 16 first requests at cost 12 meant ~8 s of bcrypt per run on a loaded 2-core machine."""
    import bcrypt

    RALPH_FILE.parent.mkdir(parents=True, exist_ok=True)
    auth = RALPH_DIR / "auth.json"
    if not auth.exists() or f"$2b${RALPH_BCRYPT_ROUNDS:02d}$" not in auth.read_text():
        # what `ralph auth` writes (its CLI needs the `cli` extra, not installed)
        salt = bcrypt.gensalt(rounds=RALPH_BCRYPT_ROUNDS)
        auth.write_text(json.dumps([{
            "username": RALPH_USER, "hash": bcrypt.hashpw(RALPH_PASSWORD.encode(), salt).decode(),
            "scopes": ["all"], "agent": {"mbox": "mailto:bench@example.org", "objectType": "Agent"},
            "target": None}]))
    return {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(RALPH_DIR),
            "RALPH_AUTH_FILE": str(auth), "RALPH_HISTORY_FILE": str(RALPH_DIR / "history.json"),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(RALPH_FILE.parent),
            "RALPH_LOGGING__LOGGERS__ralph__level": "ERROR"}


def _ralph_reset() -> None:
    """Empty Ralph's files (in place: a running server keeps using the same ones). Its file backend
    reads the whole statements file for every POST's duplicate check, and rewrites its whole history
    (two entries per POST) into history.json, so it slows as they grow."""
    RALPH_FILE.parent.mkdir(parents=True, exist_ok=True)
    RALPH_FILE.write_bytes(b"")
    (RALPH_DIR / "history.json").write_text("[]")


def _ralph_stored() -> tuple[int, int]:
    """(lines, distinct statement ids) in Ralph's statements file."""
    ids = [json.loads(line)["id"] for line in RALPH_FILE.read_bytes().splitlines() if line.strip()]
    return len(ids), len(set(ids))


def _post(url: str, body: bytes, user: str, password: str) -> int:
    import base64

    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3", "Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def _statements(actor: dict, per_request: int) -> bytes:
    from bench.bench_xapi import _template

    prefix, suffix = _template(actor, str(uuid.uuid4()))
    parts = [prefix + str(uuid.uuid4()) + suffix for _ in range(per_request)]
    return (parts[0] if per_request == 1 else "[" + ",".join(parts) + "]").encode()


# The peer's failed answers tolerated in a run (1 in 100 at most), counted out of its rate and shown:
# Ralph under uvicorn answers about 1 request in 500 with a 500 (starlette's ClientDisconnect while
# reading a body wrk sent whole). Sangkat's side tolerates none.
PEER_ERRORS_TOLERATED = 0.01


def _check_stored(side: str, result: dict, stored: int, distinct: int, per_request: int,
                  tolerated: float = 0.0) -> None:
    """Every acknowledged statement is stored; nothing is stored that was not sent."""
    if not result["requests"] or not result["acked"]:
        raise RuntimeError(f"{side} answered no request in a {result['seconds']:.0f} s run")
    if result["errors"] > tolerated * result["requests"]:
        raise RuntimeError(f"{side}: {result['errors']} errors of {result['requests']} requests "
                           f"({result['error_kinds']}; statuses {result.get('statuses') or 'none'}; "
                           f"p99 {result['p99']:.0f} ms)")
    if not result["acked"] <= distinct <= result["ids"]:
        raise RuntimeError(f"{side} stored {distinct} distinct statements, acknowledged {result['acked']} "
                           f"of {result['ids']} sent")


def _ralph_run(port: int, per_request: int, actor: dict, seconds: int, checks: list):
    """One Ralph run, on a fresh server: uvicorn keeps Ralph's history in memory (its reset above
    empties only the file), so a server that lives through several runs gets slower with each."""
    url = f"http://127.0.0.1:{port}/xAPI/statements"
    command = [PYTHON, "-m", "uvicorn", "bench.peer_ralph:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "2", "--log-level", "error", "--no-access-log"]
    log = RALPH_DIR / "server.log"

    def run() -> float:
        from bench.bench_xapi import _wrk

        _ralph_reset()
        with _serve(command, _ralph_env(), f"http://127.0.0.1:{port}/__lbheartbeat__", log) as process:
            # Warm both workers one request at a time (each checks the password once, loads what its
            # first statement needs): new connections, so both workers take some.
            for _ in range(8):
                _post(url, _statements(actor, per_request), RALPH_USER, RALPH_PASSWORD)
            _ralph_reset()
            cpu = process_tree_cpu(process.pid)
            result = _wrk(url, per_request=per_request, actor=actor, key=RALPH_USER, secret=RALPH_PASSWORD,
                          registration=str(uuid.uuid4()), seconds=seconds, timeout=_TIMEOUT)
            cpu = process_tree_cpu(process.pid) - cpu
        # Stopped: uvicorn finished every request it had taken, so the file holds all it will.
        lines, distinct = _ralph_stored()
        try:
            _check_stored("Ralph", result, distinct, distinct, per_request, tolerated=PEER_ERRORS_TOLERATED)
        except RuntimeError as error:
            raise RuntimeError(f"{error}; its log: {_tail(log, 600)}") from None
        checks.append({"acked": result["acked"], "stored": distinct, "duplicates": lines - distinct,
                       "cpu_ms": _cpu_ms(cpu, result, per_request), "errors": result["errors"],
                       "statuses": result.get("statuses", "")})
        # Failed answers are not throughput.
        return (result["requests"] - result["errors"]) * per_request / result["seconds"]
    return run


def _cpu_ms(cpu: float, result: dict, per_request: int) -> float:
    """Server CPU milliseconds per statement answered in a run (each answered request, retries too)."""
    return 1000 * cpu / max(1, result["requests"] * per_request)


def _sangkat_run(url: str, per_request: int, actor: dict, key: str, secret: str, seconds: int, checks: list,
                 pid: int):
    def run() -> float:
        from bench.bench_xapi import _stored, _wrk

        registration = str(uuid.uuid4())
        cpu = process_tree_cpu(pid)
        database_cpu = _database_cpu()
        result = _wrk(url, per_request=per_request, actor=actor, key=key, secret=secret,
                      registration=registration, seconds=seconds, timeout=_TIMEOUT)
        cpu = process_tree_cpu(pid) - cpu
        database_cpu = _database_cpu(database_cpu)
        # Requests wrk dropped at the end may still be committing: count once the number holds still.
        stored, deadline = -1, time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = _stored(registration)
            if now == stored:
                break
            stored = now
        _check_stored("Sangkat", result, stored, stored, per_request)
        checks.append({"acked": result["acked"], "stored": stored, "duplicates": 0,
                       "cpu_ms": _cpu_ms(cpu, result, per_request),
                       "database_cpu_ms": _cpu_ms(database_cpu, result, per_request)})
        return result["requests"] * per_request / result["seconds"]
    return run


def _database_cpu(before: dict[int, float] | None = None):
    """CPU seconds of the PostgreSQL backends serving the bench database, per backend pid; given the
    numbers taken before a run, the CPU they used since (a backend that appeared counts whole).
    Ralph's file backend works inside its own processes; Sangkat's database does not. {} / 0.0 when
    the bench database is not PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {} if before is None else 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        now = {pid: process_tree_cpu(pid) for (pid,) in cursor.fetchall()}
    if before is None:
        return now
    return sum(max(0.0, used - before.get(pid, 0.0)) for pid, used in now.items())


def _cpu_row(benchmark: str, ours: list, theirs: list) -> Row:
    """Server CPU per statement on each side (medians of the runs): what the ratio of rates comes to
    on a machine that is not shared. Redis' own CPU (one call per request) is not counted."""
    mine = statistics.median(c["cpu_ms"] for c in ours)
    database = statistics.median(c["database_cpu_ms"] for c in ours)
    peer = statistics.median(c["cpu_ms"] for c in theirs)
    both = mine + database
    value = (f"Sangkat {mine:.2f} ms (+ PostgreSQL {database:.2f} ms), Ralph {peer:.2f} ms: "
             f"{peer / mine if mine else 0:.2f}x less CPU ({peer / both if both else 0:.2f}x with PostgreSQL's)")
    return Row(AREA, benchmark, value, f">= {TARGET_XAPI:g}x", bool(mine) and peer / mine >= TARGET_XAPI)


def _stored_note(ours: list, theirs: list) -> str:
    def side(checks):
        return (f"{sum(c['stored'] for c in checks)} stored / {sum(c['acked'] for c in checks)} acknowledged")
    note = f"Sangkat {side(ours)}, Ralph {side(theirs)}"
    duplicates = sum(c["duplicates"] for c in theirs)
    if duplicates:
        note += f" (+{duplicates} duplicate lines: a retry racing its original)"
    errors = sum(c.get("errors", 0) for c in theirs)
    if errors:
        requests = sorted({code for c in theirs for code in c.get("statuses", "").split(",") if code})
        note += (f"; Ralph failed {errors} answers ({', '.join(requests) or 'no status'}; not counted as "
                 f"throughput, at most 1% tolerated)")
    return note


def xapi() -> list[Row]:
    from bench.bench_xapi import CONNECTIONS, _setup, _wrk

    django_setup()
    actor, key, secret = _setup()
    rows = []
    ralph_port = next(_PORT)  # the same port for every Ralph run (uvicorn reuses the address)
    with server(workers=2, port=next(_PORT)) as base:
        for label, per_request in (("single POSTs", 1), ("batches of 50", 50)):
            benchmark = f"xAPI {label}, {CONNECTIONS} connections: Sangkat / Ralph (file backend)"
            ours_checks: list = []
            their_checks: list = []
            ours = _sangkat_run(base + "/xapi/statements", per_request, actor, key, secret, SECONDS, ours_checks,
                                SERVER_PIDS[base])
            theirs = _ralph_run(ralph_port, per_request, actor, SECONDS, their_checks)
            try:
                # Warm Sangkat: each worker loads its validators on its first statement.
                _wrk(base + "/xapi/statements", per_request=per_request, actor=actor, key=key, secret=secret,
                     registration=str(uuid.uuid4()), seconds=3)
                pairs = _pairs(ours, theirs)
            except (RuntimeError, OSError) as error:
                rows.append(_failed(benchmark, TARGET_XAPI, error))
                continue
            rows.append(_row(benchmark, pairs, "Ralph", "statements/s", TARGET_XAPI,
                             _stored_note(ours_checks, their_checks)))
            rows.append(_cpu_row(f"xAPI {label}: server CPU per statement, Sangkat / Ralph (file backend)",
                                 ours_checks, their_checks))
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


PARTS = {"pages": pages, "xapi": xapi, "events": events}


def run() -> list[Row]:
    names = [n.strip() for n in os.environ.get("PEERS_PARTS", ",".join(PARTS)).split(",") if n.strip()]
    unknown = [n for n in names if n not in PARTS]
    if unknown:
        raise RuntimeError(f"PEERS_PARTS: unknown part(s) {', '.join(unknown)} (known: {', '.join(PARTS)})")
    rows = [Row(AREA, "machine load (1-min average) at start, cores", f"{os.getloadavg()[0]:.1f}, {os.cpu_count()}")]
    for name in names:
        print(f"  [peers] {name}", flush=True)
        rows.extend(PARTS[name]())
    rows.append(Row(AREA, "machine load (1-min average) at end", f"{os.getloadavg()[0]:.1f}"))
    return rows


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
