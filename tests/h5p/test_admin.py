"""Editors add an H5P activity in the admin: upload a .h5p, or import one from an address."""

import http.server
import threading
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.h5p.models import H5PLibrary, H5PPackage
from tests.factories import UserFactory
from tests.h5p.conftest import good_package, rebuild, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    editor = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(editor)
    return client


ADD = "wagtailsnippets_h5p_h5ppackage:add"


def upload(client, data: bytes, **fields):
    payload = {"title": "", "package_url": ""}
    payload.update(fields)
    if data is not None:
        payload["package_file"] = SimpleUploadedFile("activity.h5p", data, content_type="application/zip")
    return client.post(reverse(ADD), payload)


def test_the_add_form_takes_a_file(editor_client):
    html = editor_client.get(reverse(ADD)).content.decode()
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html


def test_an_editor_uploads_a_package(editor_client, media):
    response = upload(editor_client, good_package())
    assert response.status_code == 302
    package = H5PPackage.objects.get()
    assert package.title == "Strong passwords"
    assert package.uploaded_by is not None
    assert f"h5p/content/{package.pk}/h5p.json" in stored_files(media)


def test_the_editor_can_name_the_activity(editor_client, media):
    upload(editor_client, good_package(), title="Passwords, week 2")
    assert H5PPackage.objects.get().title == "Passwords, week 2"


def test_a_rejected_upload_says_why_and_writes_nothing(editor_client, media):
    response = upload(editor_client, rebuild(good_package(), drop={"content/content.json"}))
    assert response.status_code == 200
    assert "The package has no content/content.json file." in response.content.decode()
    assert H5PPackage.objects.count() == 0 and H5PLibrary.objects.count() == 0
    assert stored_files(media) == []


def test_neither_file_nor_address(editor_client, media):
    response = upload(editor_client, None)
    assert "Choose a .h5p file, or give the address of one" in response.content.decode()
    assert H5PPackage.objects.count() == 0


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
def web():
    """A real HTTP server on loopback serving a good package, a too-big one and a web page."""
    routes = {
        "/good.h5p": (good_package(), "application/zip"),
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


def test_an_editor_imports_a_package_from_an_address(editor_client, media, web):
    response = upload(editor_client, None, package_url=f"{web}/good.h5p")
    assert response.status_code == 302
    assert H5PPackage.objects.get().title == "Strong passwords"


def test_an_import_that_is_too_big_is_refused(editor_client, media, web, settings):
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 512 * 1024
    response = upload(editor_client, None, package_url=f"{web}/big.h5p")
    assert response.status_code == 200
    assert H5PPackage.objects.count() == 0 and stored_files(media) == []


def test_an_import_of_a_web_page_is_refused(editor_client, media, web):
    response = upload(editor_client, None, package_url=f"{web}/page.h5p")
    assert response.status_code == 200
    assert H5PPackage.objects.count() == 0 and stored_files(media) == []


def test_the_service_imports_from_an_address(media, web):
    from courses.h5p.services import import_package_from_url

    package = import_package_from_url(url=f"{web}/good.h5p")
    assert package.libraries.count() == 1
