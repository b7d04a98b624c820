"""courses/httpclient.py against a real HTTP server on loopback: caps, types, retries, timeouts.

Loopback is not public: these tests allow-list 127.0.0.1 as a city's own content server would be
(tests/h5p/test_import_address.py checks that it is refused otherwise).
"""

import tempfile
from pathlib import Path

import pytest

from courses import httpclient
from courses.httpclient import DownloadError
from tests.xapi.loopback import Script, serve

ZIP = {"application/zip", "application/octet-stream"}
NEUTRAL = "The file could not be downloaded from this address."


def download(url, **kwargs):
    return httpclient.download(url, allowed_hosts=["127.0.0.1"], **kwargs)


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("sangkat-download-*")}


@pytest.fixture(autouse=True)
def _private_tempdir(monkeypatch, tmp_path):
    # Downloads in other test processes must not show up as this test's leftovers.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.SANGKAT_HTTP_TIMEOUT = (1.0, 1.0)


def test_download_streams_the_file_to_a_temporary_path():
    data = b"PK\x03\x04" + b"x" * 200_000
    with serve(Script(("file", "application/zip", data, len(data)))) as base:
        path = download(base + "/a.h5p", max_bytes=1_000_000, allowed_content_types=ZIP)
    try:
        assert path.read_bytes() == data
    finally:
        path.unlink()


def test_a_declared_size_over_the_cap_is_refused_before_reading():
    before = _leftovers()
    with serve(Script(("file", "application/zip", b"x" * 5000, 5000))) as base:
        with pytest.raises(DownloadError) as error:
            download(base + "/a.h5p", max_bytes=1000, allowed_content_types=ZIP)
    assert "larger than" in error.value.message
    assert _leftovers() == before


def test_a_body_without_a_declared_size_stops_at_the_cap_and_leaves_no_file():
    before = _leftovers()
    with serve(Script(("file", "application/zip", b"x" * 300_000, None))) as base:
        with pytest.raises(DownloadError) as error:
            download(base + "/a.h5p", max_bytes=100_000, allowed_content_types=ZIP)
    assert "larger than" in error.value.message
    assert _leftovers() == before


def test_the_wrong_content_type_is_refused():
    with serve(Script(("file", "text/html; charset=utf-8", b"<html>", 6))) as base:
        with pytest.raises(DownloadError) as error:
            download(base + "/a.h5p", max_bytes=1000, allowed_content_types=ZIP)
    assert error.value.message.startswith(NEUTRAL) and "text/html" not in error.value.message


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.h5p", "javascript:alert(1)", ""])
def test_only_http_and_https_urls(url):
    with pytest.raises(DownloadError):
        download(url, max_bytes=1000, allowed_content_types=ZIP)


def test_an_error_status_is_reported_without_its_number():
    with serve(Script(("status", 404))) as base:
        with pytest.raises(DownloadError) as error:
            download(base + "/missing.h5p", max_bytes=1000, allowed_content_types=ZIP)
    assert error.value.message.startswith(NEUTRAL) and "404" not in error.value.message


def test_a_server_error_is_retried_until_it_works():
    script = Script(("status", 503), ("status", 500), ("file", "application/zip", b"PK", 2))
    with serve(script) as base:
        path = download(base + "/a.h5p", max_bytes=1000, allowed_content_types=ZIP)
    path.unlink()
    assert [r["status"] for r in script.requests] == [503, 500, 200]


def test_a_hanging_server_times_out():
    script = Script(("hang",))
    with serve(script) as base:
        with pytest.raises(DownloadError) as error:
            download(base + "/slow.h5p", max_bytes=1000, allowed_content_types=ZIP)
    assert error.value.message.startswith(NEUTRAL)


def test_nothing_listening_is_reported():
    with serve(Script()) as base:
        pass  # the server is gone: its port refuses connections
    with pytest.raises(DownloadError) as error:
        download(base + "/a.h5p", max_bytes=1000, allowed_content_types=ZIP)
    assert error.value.message.startswith(NEUTRAL)
