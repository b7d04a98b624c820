"""Sangkat's outgoing HTTP: one requests session with timeouts, retries with backoff, capped downloads.

Used to import H5P packages from a URL and to forward xAPI statements to an outside LRS.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

CHUNK = 64 * 1024
USER_AGENT = "Sangkat/1 (+https://github.com/sangkat)"


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


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def download(url: str, *, max_bytes: int, allowed_content_types: set[str] | frozenset[str] | tuple[str, ...]) -> Path:
    """Stream `url` into a temporary file and return its path (the caller deletes it).

    Stops as soon as more than `max_bytes` arrive, whatever Content-Length claimed.
    """
    _check_url(url)
    try:
        response = session().get(url, stream=True, timeout=timeout())
    except requests.RequestException as error:
        raise _network_error(error) from None
    with response:
        if response.status_code != 200:
            raise DownloadError(
                _("The other server answered with an error (HTTP %(status)s).") % {"status": response.status_code}
            )
        content_type = _content_type(response)
        if content_type not in {kind.lower() for kind in allowed_content_types}:
            raise DownloadError(
                _("The file at this address is of the wrong type (%(type)s).")
                % {"type": content_type or _("unknown")}
            )
        too_big = DownloadError(
            _("The file is larger than %(size)s MB.") % {"size": round(max_bytes / (1024 * 1024), 1)}
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_big
        handle, name = tempfile.mkstemp(prefix="sangkat-download-")
        path = Path(name)
        received = 0
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    received += len(chunk)
                    if received > max_bytes:
                        raise too_big
                    out.write(chunk)
        except requests.RequestException:
            path.unlink(missing_ok=True)
            raise DownloadError(_("The download was interrupted. Please try again.")) from None
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return path
