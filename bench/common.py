"""Shared tools for `make bench`: a production-style server on loopback, wrk load runs, the table.

Each bench/bench_<area>.py defines `run() -> list[Row]`; bench/run.py runs them all and prints
one table. Benchmarks use PostgreSQL (BENCH_DATABASE_URL, by default a `sangkat_bench`
database on 127.0.0.1) because that is what production runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sangkat_bench"


@dataclass
class Row:
    area: str
    benchmark: str
    value: str
    target: str = ""
    ok: bool | None = None


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url(default: str = "redis://127.0.0.1:6379/2") -> str:
    """Production runs with Redis: use the local one when it answers (BENCH_REDIS_URL overrides)."""
    url = os.environ.get("BENCH_REDIS_URL", default)
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return url
    except OSError:
        return ""


def bench_env(**extra) -> dict:
    env = dict(os.environ)
    env["REDIS_URL"] = redis_url()
    env.update({
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "cms.settings",
        "LOG_LEVEL": "ERROR",
        # Plain HTTP on loopback: the TLS proxy of a real deployment is not in the picture.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(*args: str, **env) -> str:
    """Run a manage.py command against the bench database and return its output."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=bench_env(**env),
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_database() -> None:
    """Create the bench database if needed, migrate it and collect static files."""
    url = database_url()
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, check=False)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput", "--clear")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The gunicorn master of each running server() by base URL (its workers are its children).
SERVER_PIDS: dict[str, int] = {}


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the process `pid` and its living descendants, from
    /proc: load-independent, unlike a rate measured on a shared machine. 0.0 where /proc is missing."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # the fields after the command name (which may hold spaces): state ppid ... utime stime
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    wanted, total, changed = {pid}, 0, True
    while changed:
        changed = False
        for child, (parent, _used) in stats.items():
            if parent in wanted and child not in wanted:
                wanted.add(child)
                changed = True
    for member in wanted:
        total += stats.get(member, (0, 0))[1]
    return total / ticks


@contextmanager
def server(workers: int | None = None, port: int | None = None, **env):
    """gunicorn with DEBUG off on a loopback port (a free one unless given); yields the base URL."""
    port = port or free_port()
    workers = workers or (os.cpu_count() or 2) * 2
    # Its log goes to a file: a pipe nobody reads while it runs blocks the server once 64 KB fill it.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "cms.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--threads", "1", "--log-level", "error"],
        cwd=ROOT, env=bench_env(**env), stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    SERVER_PIDS[base] = process.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/static/cms/site.css", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start: " + log.read()[-4000:].decode(errors="replace")) from None
                time.sleep(0.3)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        SERVER_PIDS.pop(base, None)


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("SANGKAT %d %d %d %f %f %f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("SANGKAT_ERRORS status %d connect %d read %d write %d timeout %d\\n", summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  if sangkat_extra ~= nil then io.write("SANGKAT_EXTRA " .. sangkat_extra() .. "\\n") end
end
"""


def wrk(url: str, *, connections: int, seconds: int = 10, headers: dict | None = None,
        script: str | None = None, timeout: int = 10) -> dict:
    """Load a URL with wrk (one thread per core); returns rps, errors, p50/p95/p99 in ms.

    A `script` may define `sangkat_extra()` (a string), returned as "extra"."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs it)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write((script or "") + _WRK_SCRIPT)
        lua = handle.name
    threads = max(1, min(connections, os.cpu_count() or 2))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", lua, "--timeout", f"{timeout}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    try:
        output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(lua)
    match = re.search(r"SANGKAT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", output)
    if not match:
        raise RuntimeError("unexpected wrk output:\n" + output)
    requests, errors, duration_us, p50, p95, p99 = match.groups()
    extra = re.search(r"SANGKAT_EXTRA (.*)", output)
    kinds = re.search(r"SANGKAT_ERRORS (.*)", output)
    return {
        "rps": int(requests) / (int(duration_us) / 1e6), "requests": int(requests),
        "seconds": int(duration_us) / 1e6,
        # wrk's own "Non-2xx or 3xx responses" line is errors.status again (answers of 400 or more),
        # already in this sum: adding it counted each failed answer twice.
        "errors": int(errors),
        "p50": float(p50), "p95": float(p95), "p99": float(p99),
        "extra": extra.group(1).strip() if extra else None,
        # The errors by kind ("status" counts answers of 400 or more), for a failure's message.
        "error_kinds": kinds.group(1).strip() if kinds else "",
    }


def print_table(rows: list[Row]) -> None:
    headers = ("area", "benchmark", "value", "target", "")
    cells = [(r.area, r.benchmark, r.value, r.target, {True: "ok", False: "MISSED", None: ""}[r.ok]) for r in rows]
    widths = [max(len(str(c[i])) for c in [headers, *cells]) for i in range(len(headers))]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    print("|".join(f" {h:<{w}} " for h, w in zip(headers, widths, strict=True)))
    print(line)
    for c in cells:
        print("|".join(f" {str(v):<{w}} " for v, w in zip(c, widths, strict=True)))
    print(line)


_django_ready = False


def django_setup() -> None:
    """Use Django in this process against the bench database (for data set-up and query counts)."""
    global _django_ready
    if _django_ready:
        return
    for name, value in bench_env().items():
        if name in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "LOG_LEVEL",
                    "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "REDIS_URL"):
            os.environ[name] = value
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    _django_ready = True


def login_cookie(user) -> str:
    """A real session for `user`, as the Cookie header a browser would send."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(path: str, cookie: str = "") -> int:
    """SQL queries Django runs to render `path` (warm caches, as the second view of a page)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(captured)
