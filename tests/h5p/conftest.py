"""H5P test helpers: a private media folder per test and builders of good and bad `.h5p` zips."""

import http.server
import io
import json
import tempfile
import threading
import zipfile
from functools import partial

import pytest

from courses.h5p.packaging import choice_package


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def good_package(**overrides) -> bytes:
    spec = {
        "title": "Strong passwords", "question": "Which is strongest?",
        "answers": [{"text": "123456", "correct": False}, {"text": "mango river blue lantern", "correct": True}],
    }
    spec.update(overrides)
    return choice_package(**spec)


def rebuild(package: bytes, *, drop=(), replace=None, add=None) -> bytes:
    """The same zip with some files dropped, replaced or added (name → bytes)."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


def zip_of(files: dict, *, infos: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data if isinstance(data, bytes) else json.dumps(data))
        for info, data in infos:
            archive.writestr(info, data)
    return buffer.getvalue()


BLOCK_ID = "0b6e4f00-1111-4222-8333-444455556666"


def lesson_with_activity(site, package, *, block_id: str = BLOCK_ID, index: int = 0):
    """Put an H5P block playing `package` into one of the site's lessons (published)."""
    from tests.factories import text_block

    lesson = site["lessons"][index]
    lesson.body = json.dumps([
        text_block("Try it."),
        {"type": "h5p", "id": block_id, "value": {
            "package": package.pk, "title": "Strong passwords", "completion": "completed", "pass_mark": 60,
        }},
    ])
    lesson.save_revision().publish()
    return lesson


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body, content_type = self.routes.get(self.path, (b"missing", "text/plain"))
        self.send_response(200 if self.path in self.routes else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web(settings):
    """A real HTTP server on loopback serving a good package, a broken one, a too-big one and a web
    page; 127.0.0.1 is allow-listed for imports, as a city's own content server would be."""
    settings.H5P_IMPORT_ALLOWED_HOSTS = ["127.0.0.1"]
    routes = {
        "/good.h5p": (good_package(), "application/zip"),
        "/broken.h5p": (rebuild(good_package(), drop={"content/content.json"}), "application/zip"),
        "/big.h5p": (bytes(range(256)) * 4096, "application/octet-stream"),  # 1 MiB
        "/page.h5p": (b"<html>not a package</html>", "text/html"),
    }
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=partial(server.serve_forever, poll_interval=0.05), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def downloads(monkeypatch, tmp_path):
    """The folder downloads go to while they are checked (it must be empty again afterwards)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
