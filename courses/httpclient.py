"""Sangkat's outgoing HTTP: one requests session with timeouts, retries with backoff, capped downloads.

Used to import H5P packages from a URL (download: public addresses only, see below) and to
forward xAPI statements to the outside LRS the operator configured (request).
"""

import ipaddress
import logging
import os
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import certifi
import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

CHUNK = 64 * 1024
USER_AGENT = "Sangkat/1 (+https://github.com/sangkat)"
logger = logging.getLogger(__name__)


class DownloadError(Exception):
    """A download or request that failed; `message` is shown to the editor as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _retry() -> Retry:
    # Connection failures and overloaded servers are worth a few quick retries; every request
    # Sangkat sends is safe to repeat (downloads, and statement batches whose ids make re-sends
    # no-ops), so POST is retried too.
    return Retry(
        total=3, connect=3, read=1, status=3, other=0,
        backoff_factor=0.5, backoff_max=8,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None, raise_on_status=False, respect_retry_after_header=True,
    )


_session: requests.Session | None = None


def session() -> requests.Session:
    """The process's shared session (keeps connections alive between requests)."""
    global _session
    if _session is None:
        made = requests.Session()
        adapter = HTTPAdapter(max_retries=_retry(), pool_maxsize=4)
        made.mount("http://", adapter)
        made.mount("https://", adapter)
        made.headers["User-Agent"] = USER_AGENT
        _session = made
    return _session


def timeout() -> tuple[float, float]:
    return tuple(settings.SANGKAT_HTTP_TIMEOUT)


def _check_url(url: str) -> None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DownloadError(_("Only http:// and https:// addresses can be used."))


def _network_error(error: requests.RequestException) -> DownloadError:
    # After the last retry, urllib3 reports a timeout as a connection error wrapping it.
    reason = getattr(error.args[0], "reason", None) if error.args else None
    # (urllib3's NewConnectionError, a refused connection, subclasses its ConnectTimeoutError.)
    timed_out = isinstance(reason, ReadTimeoutError | ConnectTimeoutError) and not isinstance(
        reason, NewConnectionError
    )
    if isinstance(error, requests.Timeout) or timed_out:
        return DownloadError(_("The other server took too long to answer."))
    return DownloadError(_("The other server could not be reached."))


def request(method: str, url: str, **kwargs) -> requests.Response:
    """A request through the shared session; network failures become DownloadError."""
    _check_url(url)
    kwargs.setdefault("timeout", timeout())
    try:
        return session().request(method, url, **kwargs)
    except requests.RequestException as error:
        raise _network_error(error) from None


def _content_type(headers) -> str:
    return headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


# Import by URL (H5P packages): a member of staff pastes an address, and the server fetches it from
# inside the city's network. So the address must be public, checked after DNS resolution and on
# every redirect, the connection goes to the address that was checked (no second lookup for DNS
# rebinding to change), and every failure reads the same, so the import cannot map the network.
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Public servers are fetched on the web's ports only: a public address may still be this server's
# own, where a database or cache could listen. Allow-listed hosts may use any port.
PUBLIC_PORTS = frozenset({80, 443})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def fetch_failed() -> DownloadError:
    """The one message for every failure to fetch: it says nothing about what is at the address."""
    return DownloadError(_(
        "The file could not be downloaded from this address. Check the address, or download "
        "the file yourself and upload it."
    ))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or int(address) >> 32 == 0:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(text: str) -> bool:
    """Whether an IP address is on the public internet: not loopback, private, link-local (the
    cloud metadata address 169.254.169.254 included), shared, reserved, multicast or unspecified,
    also when wrapped in an IPv6 address."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(str(inner)):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_loopback or address.is_link_local or address.is_private or address.is_reserved
        or address.is_multicast or address.is_unspecified
    )


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _resolve(url: str, allowed_hosts: frozenset[str]) -> _Target:
    """Check an address and resolve its host; refuse it unless every address it resolves to may
    be fetched. Any refusal is the same DownloadError."""
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        raise _refused(url, "bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(url, "not an http(s) address")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refused(url, "credentials in the address")
    host = parts.hostname.rstrip(".").lower()
    allowed = host in allowed_hosts
    port = port or (443 if parts.scheme == "https" else 80)
    if not allowed and port not in PUBLIC_PORTS:
        raise _refused(url, f"port {port}")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise _refused(url, "name does not resolve") from None
    addresses = tuple(dict.fromkeys(info[4][0].split("%", 1)[0] for info in found))
    if not addresses:
        raise _refused(url, "no address")
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_unspecified or ip.is_multicast or not (allowed or is_public_address(address)):
            raise _refused(url, f"address {address} is not public")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return _Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=addresses)


def _refused(url: str, reason: str) -> DownloadError:
    # The editor sees the neutral message; the operator's log says why.
    logger.warning("download of %s refused or failed: %s", _without_credentials(url), reason)
    return fetch_failed()


def _without_credentials(url: str) -> str:
    parts = urlsplit(url or "")
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return parts.geturl()[:300]


def _pool(target: _Target, address: str) -> urllib3.HTTPConnectionPool:
    """A connection pool to the checked address itself; TLS still checks the certificate of the host."""
    connect, read = timeout()
    common = {"port": target.port, "timeout": urllib3.Timeout(connect=connect, read=read), "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
            server_hostname=target.host, assert_hostname=target.host, **common,
        )
    return urllib3.HTTPConnectionPool(address, **common)


def _get(target: _Target) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """GET the target from the first of its checked addresses that answers; no redirects followed."""
    # Redirects come back to download(), which checks the next address before following it.
    retry = _retry().new(redirect=0, raise_on_redirect=False)
    headers = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    for index, address in enumerate(target.addresses):
        pool = _pool(target, address)
        try:
            response = pool.urlopen(
                "GET", target.path, headers=headers, retries=retry, redirect=False,
                assert_same_host=False, preload_content=False,
            )
        except urllib3.exceptions.MaxRetryError as error:
            pool.close()
            last = index == len(target.addresses) - 1
            if not last and isinstance(error.reason, urllib3.exceptions.NewConnectionError):
                continue  # nothing listens on this address of the host: try its next one
            raise
        except BaseException:
            pool.close()
            raise
        return pool, response
    raise AssertionError("unreachable: a host always has an address")


def download(
    url: str, *, max_bytes: int,
    allowed_content_types: set[str] | frozenset[str] | tuple[str, ...],
    allowed_hosts: Iterable[str] = (),
) -> Path:
    """Stream `url` into a temporary file and return its path (the caller deletes it).

    Only public addresses are fetched (checked after DNS resolution and on every redirect, up to
    MAX_REDIRECTS), unless the host is one of `allowed_hosts` (a city's own content server on its
    network). Every failure to fetch raises the same DownloadError (fetch_failed); a file over
    `max_bytes` stops as soon as that many bytes arrive, whatever Content-Length claimed.
    """
    allowed = frozenset(host.strip().rstrip(".").lower() for host in allowed_hosts if host.strip())
    wanted = {kind.lower() for kind in allowed_content_types}
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = _resolve(current, allowed)
        try:
            pool, response = _get(target)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise _refused(current, f"network: {error!r}") from None
        try:
            if response.status in REDIRECT_STATUSES:
                location = response.headers.get("Location", "")
                if not location:
                    raise _refused(current, f"HTTP {response.status} without Location")
                current = urljoin(current, location.strip())
                continue
            if response.status != 200:
                raise _refused(current, f"HTTP {response.status}")
            content_type = _content_type(response.headers)
            if content_type not in wanted:
                raise _refused(current, f"content type {content_type!r}")
            return _save(response, current, max_bytes=max_bytes)
        finally:
            response.release_conn()
            pool.close()
    raise _refused(url, f"more than {MAX_REDIRECTS} redirects")


def _save(response: urllib3.BaseHTTPResponse, url: str, *, max_bytes: int) -> Path:
    # The size cap keeps its own message: it is about the file, which a permitted server sent.
    too_big = DownloadError(
        _("The file is larger than %(size)s MB.") % {"size": round(max_bytes / (1024 * 1024), 1)}
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    handle, name = tempfile.mkstemp(prefix="sangkat-download-")
    path = Path(name)
    received = 0
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in response.stream(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise too_big
                out.write(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as error:
        path.unlink(missing_ok=True)
        raise _refused(url, f"interrupted: {error!r}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
