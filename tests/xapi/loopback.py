"""A real HTTP server on 127.0.0.1 for tests, answering from a script of planned replies."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    """What the server answers, in order; the last plan repeats. Records what it received."""

    def __init__(self, *plans):
        self.plans = list(plans) or [("ok",)]
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def next_plan(self):
        with self.lock:
            return self.plans.pop(0) if len(self.plans) > 1 else self.plans[0]

    def accepted_ids(self) -> list[str]:
        return [s["id"] for r in self.requests if r["status"] == 200 and isinstance(r["json"], list) for s in r["json"]]


def _handler(script: Script):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self, body: bytes = b""):
            plan = script.next_plan()
            kind = plan[0]
            record = {"method": self.command, "path": self.path, "headers": dict(self.headers),
                      "json": None, "status": None}
            if body:
                try:
                    record["json"] = json.loads(body)
                except ValueError:
                    pass
            if kind == "hang":
                record["status"] = "hang"
                script.requests.append(record)
                script.release.wait(30)
                return
            if kind == "status":
                record["status"] = plan[1]
                script.requests.append(record)
                self.send_response(plan[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if kind == "file":  # ("file", content_type, data, declared_length or None)
                _kind, content_type, data, declared = plan
                record["status"] = 200
                script.requests.append(record)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                if declared is not None:
                    self.send_header("Content-Length", str(declared))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass
                return
            ids = [s.get("id") for s in record["json"]] if isinstance(record["json"], list) else []
            payload = json.dumps(ids).encode()
            record["status"] = 200
            script.requests.append(record)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._answer()

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length))

    return Handler


@contextmanager
def serve(script: Script):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        script.release.set()
        server.shutdown()
        server.server_close()
