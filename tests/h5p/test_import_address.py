"""Import by address cannot reach inside the network (issue 15, item 3: trust boundaries).

Real listeners on loopback stand in for the inside network: the import must refuse them unless
their host is allow-listed (H5P_IMPORT_ALLOWED_HOSTS), check every redirect, connect to the address
it checked, and say the same thing for every failure. No test sends anything beyond loopback: the
few that name an outside address also make any connection attempt fail the test.
"""

import http.server
import socket
import threading
from contextlib import contextmanager
from functools import partial

import pytest

from courses import httpclient
from courses.h5p import services
from courses.h5p.models import H5PPackage
from courses.httpclient import DownloadError, is_public_address
from tests.h5p.conftest import good_package

pytestmark = pytest.mark.django_db

NEUTRAL = (
    "The file could not be downloaded from this address. Check the address, or download the file "
    "yourself and upload it."
)
ZIP = ("application/zip",)


class _Listener(http.server.BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.seen.append({"path": self.path, "host": self.headers.get("Host"),
                          "authorization": self.headers.get("Authorization")})
        status, headers, body = self.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"no"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def listener(routes: dict | None = None, *, family=socket.AF_INET, host="127.0.0.1"):
    """A server on loopback; yields (its port, the requests it received)."""
    seen: list = []
    handler = type("Handler", (_Listener,), {"routes": routes or {}, "seen": seen})
    server_class = type("Server", (http.server.ThreadingHTTPServer,), {"address_family": family})
    server = server_class((host, 0), handler)
    thread = threading.Thread(target=partial(server.serve_forever, poll_interval=0.05), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def package_routes():
    return {"/good.h5p": (200, {"Content-Type": "application/zip"}, good_package())}


def redirect(to: str):
    return (302, {"Location": to}, b"")


@pytest.fixture(autouse=True)
def _quick(settings, downloads):
    settings.SANGKAT_HTTP_TIMEOUT = (1.0, 1.0)
    settings.H5P_IMPORT_ALLOWED_HOSTS = []


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Whatever the code under test decides, nothing is sent beyond loopback."""
    real_get = httpclient._get
    connected = []

    def guarded(target):
        assert all(address in ("127.0.0.1", "::1") for address in target.addresses), target
        connected.append(target)
        return real_get(target)

    monkeypatch.setattr(httpclient, "_get", guarded)
    return connected


def fetch(url: str, *, allowed=()):
    return httpclient.download(url, max_bytes=10_000_000, allowed_content_types=ZIP, allowed_hosts=allowed)


def refused(url: str, *, allowed=()) -> str:
    with pytest.raises(DownloadError) as error:
        fetch(url, allowed=allowed)
    return error.value.message


def test_loopback_by_address_is_refused_and_never_contacted(loopback_only):
    with listener(package_routes()) as (port, seen):
        assert refused(f"http://127.0.0.1:{port}/good.h5p") == NEUTRAL
        assert refused("http://127.0.0.1/good.h5p") == NEUTRAL
    assert seen == [] and loopback_only == []


def test_localhost_is_refused(loopback_only):
    with listener(package_routes()) as (port, seen):
        assert refused(f"http://localhost:{port}/good.h5p") == NEUTRAL
        assert refused("http://localhost/good.h5p") == NEUTRAL
    assert seen == [] and loopback_only == []


def test_ipv6_loopback_is_refused(loopback_only):
    try:
        context = listener(package_routes(), family=socket.AF_INET6, host="::1")
        port, seen = context.__enter__()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        assert refused(f"http://[::1]:{port}/good.h5p") == NEUTRAL
        assert refused("http://[::1]/good.h5p") == NEUTRAL
        assert refused(f"http://[::ffff:127.0.0.1]:{port}/good.h5p") == NEUTRAL
    finally:
        context.__exit__(None, None, None)
    assert seen == [] and loopback_only == []


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://10.0.0.1/a.h5p", "http://192.168.1.1/a.h5p", "http://0.0.0.0/a.h5p",
    "http://2130706433/a.h5p",  # 127.0.0.1 written as one number
])
def test_cloud_metadata_and_private_addresses_are_refused_before_connecting(loopback_only, url):
    assert refused(url) == NEUTRAL
    assert loopback_only == []


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.10", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("240.0.0.1", False), ("255.255.255.255", False), ("::1", False), ("::", False),
    ("fe80::1", False), ("fc00::1", False), ("fec0::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False), ("::ffff:10.0.0.1", False),
    ("2002:7f00:1::", False), ("64:ff9b::a9fe:a9fe", False), ("::127.0.0.1", False),
    ("not an address", False),
])
def test_which_addresses_are_public(address, public):
    assert is_public_address(address) is public


def test_credentials_in_the_address_are_refused_even_for_an_allowed_host(loopback_only):
    with listener(package_routes()) as (port, seen):
        assert refused(f"http://user:pass@127.0.0.1:{port}/good.h5p", allowed=["127.0.0.1"]) == NEUTRAL
        assert refused(f"http://user@127.0.0.1:{port}/good.h5p", allowed=["127.0.0.1"]) == NEUTRAL
    assert seen == [] and loopback_only == []


def test_a_public_host_on_an_odd_port_is_refused_before_resolving(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("resolved"))
    assert refused("http://example.org:6379/a.h5p") == NEUTRAL


@pytest.mark.parametrize("scheme", ["file", "ftp", "gopher", "dict"])
def test_other_schemes_are_refused(loopback_only, scheme):
    assert refused(f"{scheme}://127.0.0.1/etc/passwd", allowed=["127.0.0.1"]) == NEUTRAL
    assert loopback_only == []


def test_a_redirect_to_an_inside_address_is_not_followed():
    """The allow-listed content server redirects to other inside addresses: each hop is checked."""
    with listener(package_routes()) as (inside_port, inside_seen):
        routes = {
            "/to-localhost": redirect(f"http://localhost:{inside_port}/good.h5p"),
            "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-credentials": redirect(f"http://user:pass@127.0.0.1:{inside_port}/good.h5p"),
            "/to-file": redirect("file:///etc/passwd"),
        }
        with listener(routes) as (port, seen):
            for path in routes:
                assert refused(f"http://127.0.0.1:{port}{path}", allowed=["127.0.0.1"]) == NEUTRAL
    assert [hit["path"] for hit in seen] == list(routes)
    assert inside_seen == []


def test_an_allowed_redirect_is_followed_and_redirects_are_bounded():
    with listener(package_routes()) as (inside_port, _inside_seen):
        routes = {"/moved": redirect(f"http://127.0.0.1:{inside_port}/good.h5p"), "/loop": redirect("/loop")}
        with listener(routes) as (port, seen):
            path = fetch(f"http://127.0.0.1:{port}/moved", allowed=["127.0.0.1"])
            path.unlink()
            assert refused(f"http://127.0.0.1:{port}/loop", allowed=["127.0.0.1"]) == NEUTRAL
    assert [hit["path"] for hit in seen].count("/loop") == httpclient.MAX_REDIRECTS + 1


def test_every_failure_to_fetch_reads_the_same(monkeypatch):
    """No status, type or reachability: the messages cannot map which ports answer what."""
    real = socket.getaddrinfo

    def no_such_host(host, *args, **kwargs):
        if host == "no-such-host.invalid":  # answered here: no DNS query leaves the machine
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    routes = {"/page": (200, {"Content-Type": "text/html"}, b"<html>"),
              "/secret": (403, {"Content-Type": "text/plain"}, b"no")}
    with listener() as (closed_port, _seen):
        pass  # nothing listens on this port any more
    with listener(routes) as (port, _seen):
        messages = {
            refused(f"http://127.0.0.1:{port}/missing", allowed=["127.0.0.1"]),
            refused(f"http://127.0.0.1:{port}/page", allowed=["127.0.0.1"]),
            refused(f"http://127.0.0.1:{port}/secret", allowed=["127.0.0.1"]),
            refused(f"http://127.0.0.1:{closed_port}/a.h5p", allowed=["127.0.0.1"]),
            refused(f"http://127.0.0.1:{port}/a.h5p"),  # not allowed
            refused("http://no-such-host.invalid/a.h5p"),
        }
    assert messages == {NEUTRAL}


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """DNS rebinding: the name is resolved once per hop; the request goes to that address with the
    name in its Host header, so a second answer (an inside address) is never used."""
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host == "content.city.test":
            lookups.append(host)
            host = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with listener(package_routes()) as (port, seen):
        path = fetch(f"http://content.city.test:{port}/good.h5p", allowed=["content.city.test"])
    path.unlink()
    assert lookups == ["content.city.test"]
    assert seen == [{"path": "/good.h5p", "host": f"content.city.test:{port}", "authorization": None}]


def test_an_allow_listed_content_server_on_loopback_is_imported(settings, django_capture_on_commit_callbacks):
    settings.H5P_IMPORT_ALLOWED_HOSTS = ["localhost"]
    with listener(package_routes()) as (port, seen):
        with django_capture_on_commit_callbacks(execute=True):
            package = services.add_package(url=f"http://localhost:{port}/good.h5p")
    package.refresh_from_db()
    assert (package.status, package.title) == (H5PPackage.Status.READY, "Strong passwords")
    assert [hit["path"] for hit in seen] == ["/good.h5p"]


def test_a_package_import_from_loopback_fails_with_the_neutral_message(django_capture_on_commit_callbacks):
    with listener(package_routes()) as (port, seen):
        with django_capture_on_commit_callbacks(execute=True):
            package = services.add_package(url=f"http://127.0.0.1:{port}/good.h5p")
    package.refresh_from_db()
    assert (package.status, package.error) == (H5PPackage.Status.FAILED, NEUTRAL)
    assert seen == []


def _certificates(tmp_path, name: str):
    """A throwaway CA and a server certificate for `name`, signed by it (files: ca.pem, server.pem)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sangkat test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, server_file = tmp_path / "ca.pem", tmp_path / "server.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_file, server_file


@pytest.mark.parametrize(("certificate_for", "works"), [("content.city.test", True), ("other.test", False)])
def test_https_to_the_checked_address_still_checks_the_hosts_certificate(
    monkeypatch, tmp_path, certificate_for, works,
):
    import ssl

    ca_file, server_file = _certificates(tmp_path, certificate_for)
    monkeypatch.setattr(httpclient.certifi, "where", lambda: str(ca_file))
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real(
        "127.0.0.1" if host == "content.city.test" else host, *a, **k))
    seen: list = []
    handler = type("Handler", (_Listener,), {"routes": package_routes(), "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=partial(server.serve_forever, poll_interval=0.05), daemon=True)
    thread.start()
    url = f"https://content.city.test:{server.server_address[1]}/good.h5p"
    try:
        if works:
            fetch(url, allowed=["content.city.test"]).unlink()
        else:
            assert refused(url, allowed=["content.city.test"]) == NEUTRAL
    finally:
        server.shutdown()
        server.server_close()
    assert [hit["host"] for hit in seen] == ([f"content.city.test:{server.server_address[1]}"] if works else [])
