"""`make conformance`: the ADL xAPI 1.0.3 LRS conformance suite against Sangkat on loopback.

Copies the suite (read-only in CI) to var/lrs-suite, installs its npm dependencies there once,
migrates a fresh SQLite database in a temporary folder, creates an LRS client that may read every
statement with a rate limit the suite cannot reach, serves Sangkat with gunicorn on a free loopback
port, runs `node bin/console_runner.js ... -x 1.0.3` and prints the suite's summary.

Run: `python -m courses.xapi.conformance [--port N]` (from the project root; a free port when none
is given). Exit status 0 when every test passed. The last line is the summary
("xAPI 1.0.3 conformance: N of 1365 passed ..."); the failing tests, with the error each got, are
listed in var/lrs-suite/logs/failures.txt. Nothing here runs in production.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

def _default_source() -> Path:
    """The read-only copy beside the checkout (/work/shared/tools/...), also from a worktree."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "tools" / "lrs-conformance-test-suite"
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "tools" / "lrs-conformance-test-suite"


SUITE_SOURCE = Path(os.environ.get("LRS_SUITE") or _default_source())
SUITE = ROOT / "var" / "lrs-suite"
PYTHON = sys.executable


def _suite() -> None:
    if not (SUITE / "bin" / "console_runner.js").exists():
        if not SUITE_SOURCE.exists():
            sys.exit(f"The conformance suite is not at {SUITE_SOURCE}: set LRS_SUITE to its folder.")
        shutil.copytree(SUITE_SOURCE, SUITE, ignore=shutil.ignore_patterns("node_modules", "logs"))
    if not (SUITE / "node_modules" / "mocha").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=SUITE, check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db: Path, port: int) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{db}",
        "STATIC_ROOT": str(db.parent / "static"),  # DEBUG=0 pages (a 404) need the manifest
        "DEBUG": "0",
        "SECRET_KEY": "conformance-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "cms.settings",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "SECURE_COOKIES": "0",
        "TRUSTED_PROXY_COUNT": "0",
    })
    return env


_CREATE_CLIENT = """
from courses.xapi.models import LRSClient
from courses.xapi.services import create_client
client = LRSClient(name="conformance", may_read_all=True, requests_per_minute=100_000_000)
secret = create_client(client=client)
print(client.key + ":" + secret)
"""


def _summary(output: str) -> dict | None:
    """The last JSON summary line the runner printed ({"total": ..., "passed": ..., "failed": ...})."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"passed"' in line:
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def _failures(run_log: Path) -> list[str]:
    """Every failing test of a run log (the runner's JSON tree), as 'suite > ... > test: error'."""
    try:
        tree = json.loads(run_log.read_text())["log"]
    except (OSError, ValueError, KeyError):
        return []
    found = []

    def walk(node, trail):
        children = node.get("tests") or []
        title = node.get("title") or ""
        if not children:
            if node.get("status") == "failed":
                error = " ".join(str(node.get("error") or "").split())[:400]
                found.append(" > ".join([*trail, title]) + "\n    " + error)
            return
        for child in children:
            walk(child, [*trail, title] if title else trail)

    walk(tree, [])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the ADL xAPI LRS conformance suite against Sangkat.")
    parser.add_argument("--port", type=int, default=0, help="loopback port for Sangkat (default: a free one)")
    args = parser.parse_args(argv)
    _suite()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sangkat-conformance-") as folder:
        port = args.port or _free_port()
        env = _env(Path(folder) / "db.sqlite3", port)
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        created = subprocess.run([*manage, "shell", "-c", _CREATE_CLIENT], cwd=ROOT, env=env,
                                 check=True, capture_output=True, text=True)
        key, secret = created.stdout.strip().splitlines()[-1].split(":", 1)
        (SUITE / "logs").mkdir(exist_ok=True)
        server_log = (SUITE / "logs" / "server.txt").open("w")
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "cms.wsgi:application", "-b", f"127.0.0.1:{port}",
             "-w", "1", "--threads", "4", "--log-level", "error"], cwd=ROOT, env=env,
            stdout=server_log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/health/", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("Sangkat did not start.")
                    time.sleep(0.3)
            run = subprocess.run(
                ["node", "bin/console_runner.js", "-e", base + "/xapi", "-a", "-u", key, "-p", secret,
                 "-x", "1.0.3"],
                cwd=SUITE, capture_output=True, text=True,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            server_log.close()
    log = SUITE / "logs" / "last-run.txt"
    log.write_text(run.stdout + run.stderr)
    summary = _summary(run.stdout)
    if summary is None:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
        print("The suite printed no summary.")
        return 1
    run_logs = sorted((SUITE / "logs").glob("*-*-*-*-*.log"), key=lambda path: path.stat().st_mtime)
    failures = _failures(run_logs[-1]) if run_logs else []
    failures_file = SUITE / "logs" / "failures.txt"
    failures_file.write_text("\n".join(failures) + "\n")
    print(f"Suite output: {log}\nServer log: {SUITE / 'logs' / 'server.txt'}\n"
          f"Failing tests ({len(failures)}): {failures_file}\n"
          f"Took {time.monotonic() - started:.0f} s.")
    print(f"xAPI 1.0.3 conformance: {summary.get('passed')} of {summary.get('total')} passed, "
          f"{summary.get('failed')} failed.")
    return 0 if summary.get("failed") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
