"""Issue 8: 200 simulated learners for five minutes (the load run), then again with an app server and
the task worker killed mid-run (the fault run).

The learners (Locust, as a library, in a child process) log in and do the real mix: browse
courses and the call, read lessons, play the H5P activity (its statements go to /xapi/statements
with the session and CSRF token, as the player sends them), answer quizzes, support a proposal
(sometimes withdrawing again) and check in to a session with its QR code. They alternate between
two gunicorn servers (DEBUG off, PostgreSQL, Redis) and retry on the other one when a connection
fails. The production task worker forwards every statement to an outside LRS (a small fake one in
this process). The learners arrive over the first minute (LOAD_ARRIVAL), as a centre's classes
and visitors do, not all in the same second.

The load run measures throughput, p95 and errors against the target. In the fault run one app
server (master and workers) and the worker get SIGKILL and come back after a few seconds. In both
runs every write is logged by the client before it is sent and when it is acknowledged; at the
end PostgreSQL is compared with that log: each acknowledged statement, quiz attempt, support and
check-in stored exactly once, nothing lost or doubled. A write that was sent but never
acknowledged (none, unless a request fails for good) is reported and left out of the count.

LOAD_USERS (200), LOAD_SECONDS (300), LOAD_THINK ("5,15": seconds a learner reads between
actions), LOAD_ARRIVAL (60: seconds over which the learners arrive), LOAD_WORKERS (3 gunicorn
workers per server), LOAD_RUNS ("load,faults": which runs) and LOAD_PRELOAD=0 (gunicorn without
--preload, as docs/deploy.md starts it) change the runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.common import PYTHON, ROOT, Row, bench_env, free_port, manage, wrk

TARGET_P95_MS = 300
SETTINGS = "cms.settings"  # the production settings, password hashing included


def _settings() -> dict:
    return {
        "users": int(os.environ.get("LOAD_USERS", "200")),
        "seconds": int(os.environ.get("LOAD_SECONDS", "300")),
        "think": [float(x) for x in os.environ.get("LOAD_THINK", "5,15").split(",")],
        "workers": int(os.environ.get("LOAD_WORKERS", "3")),
        "arrival": float(os.environ.get("LOAD_ARRIVAL", "60")),
        "runs": [r.strip() for r in os.environ.get("LOAD_RUNS", "load,faults").split(",") if r.strip()],
        "preload": os.environ.get("LOAD_PRELOAD", "1") != "0",
    }


# --- the fake outside LRS that receives forwarded statements -----------------------------------

class _OutsideLRS:
    def __init__(self):
        self.received: list[str] = []
        lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    statements = json.loads(body)
                    ids = [s["id"] for s in (statements if isinstance(statements, list) else [statements])]
                except (ValueError, KeyError, TypeError):
                    self.send_response(400)
                    self.end_headers()
                    return
                with lock:
                    owner.received.extend(ids)
                reply = json.dumps(ids).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/statements"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


# --- processes: two app servers and the worker, each killable ----------------------------------

class _Process:
    """A child in its own process group, so SIGKILL takes the gunicorn master and its workers at once."""

    def __init__(self, name: str, command: list[str], env: dict, ready_url: str | None = None):
        self.name, self.command, self.env, self.ready_url = name, command, env, ready_url
        self.process: subprocess.Popen | None = None
        self.stderr = tempfile.TemporaryFile()
        self.cpu_used = 0.0  # CPU seconds spent serving, over all the lives of this process
        self._cpu_mark = 0.0

    def cpu(self) -> float:
        """CPU seconds of every process in the group so far (Linux /proc)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid:  # the process group id
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / os.sysconf("SC_CLK_TCK")

    def mark(self) -> None:
        """From now on count CPU as work (after start-up, which is not the load's cost)."""
        self._cpu_mark = self.cpu()

    def settle(self) -> None:
        self.cpu_used += self.cpu() - self._cpu_mark
        self._cpu_mark = self.cpu()

    def start(self) -> float:
        started = time.monotonic()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=self.stderr, start_new_session=True)
        if self.ready_url:
            deadline = started + 180
            while True:
                try:  # a generous timeout: the other server's clients may already queue here
                    urllib.request.urlopen(self.ready_url, timeout=15)
                    break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        self.stderr.seek(0)
                        raise RuntimeError(f"{self.name} did not start: {self.stderr.read().decode()[-2000:]}") from None
                    time.sleep(0.2)
        return time.monotonic() - started

    def kill(self) -> None:
        self.settle()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._cpu_mark = 0.0

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _app_server(port: int, workers: int, env: dict, preload: bool) -> _Process:
    # --preload loads Django before gunicorn binds its port: a restarted server refuses connections
    # (clients go to the other one at once) until it can answer. Without it the port accepts
    # connections while the workers still import Django, and those requests wait for them.
    return _Process(
        f"gunicorn :{port}",
        [PYTHON, "-m", "gunicorn", "cms.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--threads", "1", "--log-level", "error", *(["--preload"] if preload else [])],
        env, ready_url=f"http://127.0.0.1:{port}/health/",
    )


def _worker(env: dict) -> _Process:
    return _Process("sangkat_worker", [PYTHON, str(ROOT / "manage.py"), "sangkat_worker", "--interval", "0.5",
                                  "--no-startup-delay"], env)


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


# --- counting what PostgreSQL holds against the client's log ----------------------------------

_COUNT = r"""
import json, sys
from collections import Counter
from django.contrib.auth import get_user_model
from django.db.models import Count
from courses.models import QuizAttempt
from courses.xapi.models import Statement
from labs.models import Attendance
from labs.participation.models import Proposal, Support
from django_tasks_db.models import DBTaskResult
q = json.load(open(%(query)r))
users = dict(get_user_model().objects.filter(username__in=q["users"]).values_list("username", "pk"))
ids = q["statements"]
stored = Counter()
for chunk in range(0, len(ids), 5000):
    stored.update(str(i) for i in Statement.objects.filter(id__in=ids[chunk:chunk + 5000]).values_list("id", flat=True))
tokens = q["quiz"]
attempts = Counter()
for chunk in range(0, len(tokens), 5000):
    attempts.update(str(t) for t in QuizAttempt.objects.filter(token__in=tokens[chunk:chunk + 5000]).values_list("token", flat=True))
supports = Counter((u, p) for u, p in Support.objects.filter(proposal__call_id=q["call_id"]).values_list("user_id", "proposal_id"))
counters = {pk: n for pk, n in Proposal.objects.filter(call_id=q["call_id"]).values_list("pk", "support_count")}
real = Counter(p for _u, p in supports.elements())
attendance = Counter((u, s) for u, s in Attendance.objects.filter(session_id__in=q["sessions"]).values_list("user_id", "session_id"))
forward = {str(i): state for i, state in Statement.objects.filter(id__in=ids).values_list("id", "forward_state")}
# Gamification: each person's running total against her ledger, and one live support event per support.
from django.db.models import Sum
from games.models import Award, Event, Score
uids = list(users.values())
ledger = dict(Award.objects.filter(user_id__in=uids, revoked_at__isnull=True).values("user_id")
              .annotate(total=Sum("points")).values_list("user_id", "total"))
totals = dict(Score.objects.filter(user_id__in=uids).values_list("user_id", "points"))
events = Event.objects.filter(user_id__in=uids, kind="proposal_supported", revoked_at__isnull=True,
                              source__in=[f"labs.proposal:{p}" for p in counters]).values_list("user_id", "source")
print("COUNTED " + json.dumps({
    "users": users,
    "statements": dict(stored), "quiz": dict(attempts),
    "supports": [[u, p, n] for (u, p), n in supports.items()],
    "counter_mismatch": sum(abs(counters[p] - real.get(p, 0)) for p in counters),
    "attendance": [[u, s, n] for (u, s), n in attendance.items()],
    "forward": forward,
    "score_mismatch": sum(1 for u in uids if totals.get(u, 0) != ledger.get(u, 0)),
    "support_events": [[u, int(source.rsplit(":", 1)[1])] for u, source in events],
    "tasks_running": DBTaskResult.objects.filter(status="RUNNING").count(),
    "tasks_ready": DBTaskResult.objects.filter(status="READY").count(),
}))
"""


def _read_log(path: Path) -> dict:
    """Acknowledged writes and writes sent without an answer, from the client's log."""
    begun, acked = {}, {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        (acked if entry.pop("k") == "ack" else begun)[entry["seq"]] = entry
    unanswered = [begun[s] for s in begun if s not in acked]
    statements = [i for e in acked.values() if e["op"] == "statement" for i in e["ids"]]
    quiz = [e["token"] for e in acked.values() if e["op"] == "quiz"]
    checkins = {(e["user"], e["session"]) for e in acked.values() if e["op"] == "checkin"}
    # Supports: the last acknowledged action per person and proposal is what must be stored.
    supports: dict[tuple, bool] = {}
    for seq in sorted(acked):
        e = acked[seq]
        if e["op"] in ("support", "withdraw"):
            supports[(e["user"], e["proposal"])] = e["op"] == "support"
    unsure_supports = {(e["user"], e["proposal"]) for e in unanswered if e["op"] in ("support", "withdraw")}
    unsure_checkins = {(e["user"], e["session"]) for e in unanswered if e["op"] == "checkin"}
    return {"statements": statements, "quiz": quiz, "checkins": checkins, "supports": supports,
            "unsure_supports": unsure_supports, "unsure_checkins": unsure_checkins,
            "unanswered": len(unanswered), "acked": len(acked)}


def _count(config: dict, log: dict, env: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"users": config["users"], "statements": log["statements"], "quiz": log["quiz"],
                   "call_id": config["call_id"], "sessions": [s["id"] for s in config["sessions"]]}, handle)
        query = handle.name
    try:
        out = manage("shell", "-c", _COUNT % {"query": query}, **env)
    finally:
        os.unlink(query)
    return json.loads(out.split("COUNTED ", 1)[1])


def _check(area: str, config: dict, log: dict, db: dict, received: list[str]) -> list[Row]:
    users = db["users"]
    rows = []

    def row(what: str, acked: int, lost: int, doubled: int, note: str = ""):
        rows.append(Row(area, f"{what}: acknowledged vs stored{note}",
                        f"{acked} acknowledged, {lost} lost, {doubled} doubled", "0 lost, 0 doubled",
                        lost == 0 and doubled == 0))

    stored = db["statements"]
    row("xAPI statements", len(set(log["statements"])),
        sum(1 for i in set(log["statements"]) if stored.get(i, 0) == 0),
        sum(n - 1 for n in stored.values() if n > 1))
    attempts = db["quiz"]
    row("quiz attempts", len(set(log["quiz"])), sum(1 for t in set(log["quiz"]) if attempts.get(t, 0) == 0),
        sum(n - 1 for n in attempts.values() if n > 1))

    held = {(u, p): n for u, p, n in db["supports"]}
    want = {(users[name], p): on for (name, p), on in log["supports"].items()}
    unsure = {(users[name], p) for name, p in log["unsure_supports"]}
    lost = sum(1 for key, on in want.items() if on and key not in unsure and not held.get(key))
    extra = sum(1 for key in held if key not in unsure and not want.get(key))  # stored but withdrawn/never acked
    doubled = extra + sum(n - 1 for n in held.values() if n > 1) + db["counter_mismatch"]
    row("supports", sum(1 for on in want.values() if on), lost, doubled,
        " (support count on the proposal included)")

    # The gamification event a support records (in the support's own transaction) and the points.
    live = {(u, p) for u, p, n in db["supports"] if n}
    events = {(u, p) for u, p in db["support_events"]}
    rows.append(Row(area, "support events for points: supports stored vs events recorded",
                    f"{len(live)} supports, {len(live - events)} without an event, "
                    f"{len(events - live)} events without a support", "0 / 0", live == events))
    rows.append(Row(area, "points: learners whose total differs from their ledger", str(db["score_mismatch"]),
                    "0", db["score_mismatch"] == 0))

    present = {(u, s): n for u, s, n in db["attendance"]}
    wanted = {(users[name], s) for name, s in log["checkins"]}
    unsure = {(users[name], s) for name, s in log["unsure_checkins"]}
    row("QR check-ins", len(wanted), sum(1 for key in wanted if key not in present),
        sum(1 for key in present if key not in wanted and key not in unsure) + sum(n - 1 for n in present.values() if n > 1))

    # The worker's job: a copy of every statement at the outside LRS. Statements a killed worker had
    # claimed wait for the claim to expire (5 minutes) and are then sent again.
    acked_ids = set(log["statements"])
    got = set(received)
    forward = db["forward"]
    sent_not_received = sum(1 for i in acked_ids if forward.get(i) == "sent" and i not in got)
    pending = sum(1 for i in acked_ids if forward.get(i) == "pending")
    resent = len(received) - len(got)
    rows.append(Row(area, "forwarded to the outside LRS by the worker (marked sent but never received = lost)",
                    f"{len(acked_ids & got)} of {len(acked_ids)} received, {sent_not_received} lost, "
                    f"{pending} still pending, {resent} sent twice (harmless: same id)",
                    "0 lost", sent_not_received == 0))
    rows.append(Row(area, "task results left RUNNING by the killed worker / READY at the end",
                    f"{db['tasks_running']} / {db['tasks_ready']}"))
    if log["unanswered"]:
        rows.append(Row(area, "writes sent but never answered (left out of the counts above)",
                        str(log["unanswered"]), "0", False))
    return rows


# --- the run ------------------------------------------------------------------------------------

def run() -> list[Row]:
    settings = _settings()
    rows: list[Row] = []
    for kind in settings["runs"]:
        if kind not in ("load", "faults"):
            raise RuntimeError(f"LOAD_RUNS: unknown run {kind!r} (load, faults)")
        rows += _run_once(settings, faults=kind == "faults")
    return rows


def _run_once(settings: dict, *, faults: bool) -> list[Row]:
    area = "faults" if faults else "load"
    outside = _OutsideLRS()
    env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "SANGKAT_XAPI_FORWARD_URL": outside.url}
    tag = time.strftime("%Y%m%d-%H%M%S")
    out = manage("shell", "-c", f"import bench.load_data as d; d.main(users={settings['users']}, run={tag!r})", **env)
    config = json.loads(out.split("LOADCONFIG ", 1)[1].splitlines()[0])
    process_env = bench_env(**env)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    servers = [_app_server(port, settings["workers"], process_env, settings["preload"]) for port in ports]
    worker = _worker(process_env)
    events: list[str] = []
    windows: list[tuple[float, float]] = []  # wall-clock spans from a kill until 10 s after the restart
    workdir = Path(tempfile.mkdtemp(prefix="sangkat-load-"))
    log_path, result_path = workdir / "writes.jsonl", workdir / "result.json"
    config.update(bases=[f"http://127.0.0.1:{p}" for p in ports], seconds=settings["seconds"],
                  think=settings["think"], spawn_rate=settings["users"] / max(settings["arrival"], 0.1),
                  log=str(log_path), result=str(result_path))
    (workdir / "config.json").write_text(json.dumps(config))
    print(f"  [{area}] {settings['users']} learners for {settings['seconds']} s against {config['bases']}, "
          f"log in {workdir}", flush=True)
    client = None
    try:
        for server in servers:
            server.start()
        worker.start()
        # Warm each gunicorn worker (first requests import the xAPI validators and templates).
        for base in config["bases"]:
            for _ in range(settings["workers"] * 2):
                urllib.request.urlopen(base + config["courses"][0], timeout=30).read()
        # How fast this machine is right now (the same yardstick as the other benches): machines
        # of the same kind have differed threefold, and every latency below moves with it.
        yardstick = wrk(config["bases"][0] + "/health/", connections=16, seconds=5)
        for server in servers:
            server.mark()
        # gevent must patch the standard library before anything imports it: a fresh interpreter.
        client = subprocess.Popen(
            [PYTHON, "-c", "from gevent import monkey; monkey.patch_all(); import sys, bench.bench_load as b; "
                           "sys.exit(b._client(sys.argv[1]))", str(workdir / "config.json")],
            cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        started = time.monotonic()
        machine_before = _cpu_times()
        if faults:
            plan = [(0.35, servers[0]), (0.55, worker)]
            for fraction, victim in plan:
                time.sleep(max(0.0, started + 10 + fraction * settings["seconds"] - time.monotonic()))
                if client.poll() is not None:
                    break
                killed_at = time.time()
                victim.kill()
                events.append(f"{victim.name} killed at {time.monotonic() - started:.0f} s")
                time.sleep(3)
                try:
                    took = victim.start()
                except RuntimeError as problem:  # the run goes on with one server; the counts still hold
                    events.append(f"NOT back: {str(problem)[:200]}")
                    windows.append((killed_at, float("inf")))
                    continue
                victim.mark()
                windows.append((killed_at, time.time() + 10))
                events.append(f"back at {time.monotonic() - started:.0f} s (start took {took:.1f} s)")
        client.wait(timeout=settings["seconds"] + 180)
        machine_after = _cpu_times()
        busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
        for server in servers:
            server.settle()
        cpu = sum(server.cpu_used for server in servers)
        # Let the worker forward what is due before counting.
        time.sleep(10)
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        for process in (*servers, worker):
            process.stop()
        outside.close()
    if client.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"the load client failed (exit {client.returncode}), see above")
    result = json.loads(result_path.read_text())
    log = _read_log(log_path)
    counted = _count(config, log, env)
    return (_rows(area, settings, result, events, cpu, busy, windows, yardstick)
            + _check(area, config, log, counted, outside.received))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _rows(area: str, settings: dict, result: dict, events: list[str], cpu: float, busy: float,
          windows: list[tuple[float, float]], yardstick: dict) -> list[Row]:
    total = result["total"]
    low, high = settings["think"]
    per_request = cpu * 1000 / max(total["requests"], 1)
    rows = [
        Row(area, f"{settings['users']} learners, {result['seconds']:.0f} s, think {low:g}-{high:g} s, "
                    f"2 app servers x {settings['workers']} workers + sangkat_worker, {os.cpu_count()} cores",
            f"{total['requests'] / result['seconds']:.1f} req/s, {result['tasks'] / result['seconds']:.1f} "
            f"actions/s ({total['requests']} requests)"),
        Row(area, "this machine's speed before the run: /health/ on one app server, 16 clients",
            f"{yardstick['rps']:.0f} req/s, p95 {yardstick['p95']:.0f} ms"),
        Row(area, "machine load average (1 min) before / after the run; gunicorn --preload",
            f"{result['load'][0]:.1f} / {result['load'][1]:.1f}; {'yes' if settings['preload'] else 'no'}"),
        # Independent of how busy the shared machine is: what 2 cores could serve of this mix.
        Row(area, "app servers' CPU per request of the mix (gunicorn workers; PostgreSQL not included)",
            f"{per_request:.1f} ms, so at most {2000 / max(per_request, 0.1):.0f} req/s on 2 cores"),
        # The machine may be shared: how much of it this run had (app servers, the client) and all used.
        Row(area, "CPU during the run: app servers / load client / whole machine busy",
            f"{100 * cpu / result['seconds'] / (os.cpu_count() or 1):.0f}% / "
            f"{100 * result['client_cpu'] / result['seconds'] / (os.cpu_count() or 1):.0f}% / {100 * busy:.0f}% "
            f"of {os.cpu_count()} cores"),
    ]
    # The load run is held to the latency target. The fault run is held to zero errors (a killed
    # server's requests are retried on the other) and, in _check, zero loss; its latencies, which
    # include the seconds a server is down and the restart, are shown for information.
    timed = area == "load"
    rows.append(Row(area, "all requests: p50 / p95 / p99, errors",
                    f"{total['p50']:.0f} / {total['p95']:.0f} / {total['p99']:.0f} ms, {total['failures']} errors",
                    f"p95 < {TARGET_P95_MS} ms, 0 errors" if timed else "0 errors",
                    (total["p95"] < TARGET_P95_MS or not timed) and total["failures"] == 0))
    # The same requests after everyone arrived (10 s after the last arrival), and in the fault run
    # also without the fault windows (a kill until 10 s after the restart).
    ramp_end = result["started_at"] + settings["arrival"] + 10
    steady = [ms for at, ms in result["samples"] if at >= ramp_end]
    spans = [("after everyone arrived", steady)]
    if windows:
        spans.append(("after arrival, outside the fault windows",
                      [ms for at, ms in result["samples"]
                       if at >= ramp_end and not any(start <= at <= end for start, end in windows)]))
    for label, values in spans:
        rows.append(Row(area, f"  {label}: {len(values)} requests, p50 / p95 / p99",
                        f"{_percentile(values, 0.5):.0f} / {_percentile(values, 0.95):.0f} / "
                        f"{_percentile(values, 0.99):.0f} ms"))
    for name, entry in sorted(result["entries"].items()):
        rows.append(Row(area, f"  {name}: {entry['requests']} requests, p50 / p95",
                        f"{entry['p50']:.0f} / {entry['p95']:.0f} ms, {entry['failures']} errors"))
    rows.append(Row(area, "connection errors retried on the other server (failovers)", str(result["failovers"])))
    if events:
        rows.append(Row(area, "faults (SIGKILL, then restart)", "; ".join(events)))
    for message, count in result["errors"][:5]:
        rows.append(Row(area, f"  error x{count}", message[:120], "", False))
    return rows


# --- the Locust client (a child process: gevent patches everything it imports) ----------------

def _client(config_path: str) -> int:  # noqa: C901 (one place for the whole simulated learner)
    """The simulated learners; run in a fresh interpreter after gevent's monkey.patch_all()."""
    import itertools
    import random
    import re
    import resource

    import gevent
    import requests
    from locust import User, between, events, task
    from locust.env import Environment

    config = json.loads(Path(config_path).read_text())
    bases = config["bases"]
    log = open(config["log"], "a", buffering=1)  # noqa: SIM115 (open for the whole run)
    seqs = itertools.count(1)
    numbers = itertools.count()
    failovers = [0]
    tasks_done = [0]
    samples: list[tuple[float, float]] = []  # (wall-clock start, ms) of every request
    player_config = re.compile(r'<script id="h5p-config" type="application/json">(.*?)</script>', re.S)

    def write(kind: str, seq: int, **entry):
        log.write(json.dumps({"k": kind, "seq": seq, **entry}) + "\n")

    class Failed(Exception):
        pass

    class Learner(User):
        wait_time = between(*config["think"])

        def on_start(self):
            self.number = next(numbers)
            self.username = config["users"][self.number % len(config["users"])]
            self.http = requests.Session()
            self.turn = self.number
            self.checked_in: set[int] = set()
            self.logged_in = False
            self.run_task(lambda: None)

        # One request, on the next server in turn; on a connection error, the same request on the
        # other server (every write here is safe to repeat: ids, tokens, set semantics).
        def call(self, name: str, method: str, path: str, expect=(200,), **kwargs):
            kwargs.setdefault("allow_redirects", False)
            kwargs.setdefault("timeout", 60)
            if method == "POST":
                kwargs.setdefault("headers", {})["X-CSRFToken"] = self.http.cookies.get("csrftoken", "")
            self.turn += 1
            started = time.perf_counter()
            response, problem = None, None
            for attempt in range(8):
                try:
                    response = self.http.request(method, bases[(self.turn + attempt) % 2] + path, **kwargs)
                    break
                except requests.ConnectionError as error:
                    failovers[0] += 1
                    problem = error
                    gevent.sleep(min(0.25 * attempt, 2))
            elapsed = (time.perf_counter() - started) * 1000
            samples.append((round(time.time() - elapsed / 1000, 3), round(elapsed, 1)))
            if response is not None and response.status_code not in expect:
                problem = Failed(f"{method} {name}: HTTP {response.status_code}")
            elif response is not None:
                problem = None
            events.request.fire(request_type=method, name=name, response_time=elapsed,
                                response_length=len(response.content) if response is not None else 0,
                                exception=problem, context={})
            if problem is not None:
                raise Failed(str(problem))
            return response

        def login(self):
            self.call("login page", "GET", "/en/accounts/login/")
            response = self.call("login", "POST", "/en/accounts/login/", expect=(302,), data={
                "username": self.username, "password": config["password"],
                "csrfmiddlewaretoken": self.http.cookies.get("csrftoken", "")})
            if "/accounts/login/" in response.headers.get("Location", ""):
                raise Failed("login refused")

        def run_task(self, work):
            try:
                if not self.logged_in:
                    self.login()
                    self.logged_in = True
                work()
            except Failed:
                pass  # already counted as a failed request
            tasks_done[0] += 1

        @task(4)
        def browse(self):
            def work():
                path = random.choice([*config["courses"], "/en/", "/en/learn/", "/en/participate/",
                                      f"/en/participate/calls/{config['call_id']}/"])
                self.call("browse", "GET", path)
            self.run_task(work)

        @task(4)
        def lesson(self):
            self.run_task(lambda: self.call("lesson", "GET", random.choice(config["lessons"])))

        @task(2)
        def h5p(self):
            def work():
                activity = random.choice(config["h5p"])
                page = self.call("h5p player", "GET", f"/h5p/play/{activity['lesson_key']}/{activity['block_id']}/")
                player = json.loads(player_config.search(page.text).group(1))
                registration = str(uuid.uuid4())
                for verb in ("attempted", "answered", "completed"):
                    statement = {
                        "id": str(uuid.uuid4()), "actor": player["actor"],
                        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
                        "object": {"objectType": "Activity", "id": player["activity"]},
                        "context": {"registration": registration,
                                    "contextActivities": {"parent": [{"id": player["lesson"], "objectType": "Activity"}]}},
                        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                    }
                    if verb != "attempted":
                        right = random.random() < 0.7
                        statement["result"] = {"score": {"scaled": 1.0 if right else 0.0, "raw": int(right), "min": 0,
                                                         "max": 1}, "success": right, "completion": True}
                    seq = next(seqs)
                    write("begin", seq, op="statement", ids=[statement["id"]])
                    self.call("xapi statement", "POST", "/xapi/statements", json=statement, headers={
                        "X-Experience-API-Version": "1.0.3"})
                    write("ack", seq, op="statement", ids=[statement["id"]])
                    gevent.sleep(random.uniform(0.5, 2))
            self.run_task(work)

        @task(2)
        def quiz(self):
            def work():
                quiz = random.choice(config["quizzes"])
                self.call("lesson", "GET", quiz["lesson_url"])
                gevent.sleep(random.uniform(1, 3))
                data = {"token": str(uuid.uuid4())}
                for number, question in enumerate(quiz["questions"]):
                    if random.random() < 0.7:
                        chosen = question["correct"]
                    else:
                        chosen = [random.randrange(question["options"])]
                    data[f"q{number}"] = [str(i) for i in chosen]
                seq = next(seqs)
                write("begin", seq, op="quiz", token=data["token"])
                response = self.call("quiz submit", "POST",
                                     f"/en/learn/lessons/{quiz['lesson_id']}/quiz/{quiz['quiz_id']}/",
                                     expect=(302,), data=data)
                if "attempt=" not in response.headers.get("Location", ""):
                    raise Failed("quiz answer refused")
                write("ack", seq, op="quiz", token=data["token"])
            self.run_task(work)

        @task(2)
        def support(self):
            def work():
                proposal = random.choice(config["proposals"])
                page = self.call("proposal", "GET", f"/en/participate/proposals/{proposal}/")
                ops = ["withdraw" if f"/proposals/{proposal}/withdraw/" in page.text else "support"]
                if ops[0] == "support" and random.random() < 0.3:
                    ops.append("withdraw")  # changes their mind
                for op in ops:
                    gevent.sleep(random.uniform(0.5, 2))
                    seq = next(seqs)
                    write("begin", seq, op=op, user=self.username, proposal=proposal)
                    self.call(op, "POST", f"/en/participate/proposals/{proposal}/{op}/", expect=(302,))
                    # The browser follows the redirect; the page shows which button is now offered.
                    page = self.call("proposal", "GET", f"/en/participate/proposals/{proposal}/")
                    offered = "withdraw" if f"/proposals/{proposal}/withdraw/" in page.text else "support"
                    if offered == op:
                        raise Failed(f"{op} not taken")
                    write("ack", seq, op=op, user=self.username, proposal=proposal)
            self.run_task(work)

        @task(1)
        def check_in(self):
            def work():
                left = [s for s in config["sessions"] if s["id"] not in self.checked_in]
                if not left:
                    self.call("browse", "GET", "/en/sessions/")
                    return
                session = random.choice(left)
                path = f"/en/sessions/{session['id']}/check-in/"
                self.call("check-in page", "GET", f"{path}?code={session['code']}")
                seq = next(seqs)
                write("begin", seq, op="checkin", user=self.username, session=session["id"])
                page = self.call("check-in", "POST", path, data={"code": session["code"]})
                # "You are checked in." or, after a retry on the other server, "already checked in".
                if "checked in" not in page.text:
                    raise Failed("check-in refused")
                self.checked_in.add(session["id"])
                write("ack", seq, op="checkin", user=self.username, session=session["id"])
            self.run_task(work)

    environment = Environment(user_classes=[Learner], events=events, stop_timeout=60)
    runner = environment.create_local_runner()
    started = time.monotonic()
    started_at = time.time()
    load_before = os.getloadavg()[0]
    runner.start(len(config["users"]), spawn_rate=config["spawn_rate"])
    gevent.spawn_later(config["seconds"], runner.quit)
    runner.greenlet.join()
    seconds = time.monotonic() - started
    stats = environment.stats

    def summary(entry) -> dict:
        return {"requests": entry.num_requests, "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5) or 0,
                "p95": entry.get_response_time_percentile(0.95) or 0,
                "p99": entry.get_response_time_percentile(0.99) or 0}

    result = {
        "seconds": seconds, "tasks": tasks_done[0], "load": [load_before, os.getloadavg()[0]],
        "client_cpu": (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)), "failovers": failovers[0], "total": summary(stats.total),
        "entries": {name: summary(entry) for (name, _method), entry in stats.entries.items()},
        "errors": sorted(((str(e.error), e.occurrences) for e in stats.errors.values()), key=lambda x: -x[1]),
        "started_at": started_at, "samples": samples,
    }
    Path(config["result"]).write_text(json.dumps(result))
    log.close()
    return 0

