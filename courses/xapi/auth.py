"""Who is calling /xapi/statements: HTTP Basic for outside clients, the session for learners.

Also the per-requester rate limit (a counter per minute in the shared cache).
"""

import base64
import binascii

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware

from cms import ratelimit
from courses.xapi.services import Requester, client_for_credentials


class Unauthenticated(Exception):
    pass


# Narrow credentials that content launched by Sangkat uses instead of a session (a cmi5 AU's
# one-time token): (key, secret) -> Requester, or None when the key is not of that scheme.
_schemes: list = []


def register_scheme(resolver):
    """Add a credential scheme; `resolver(key, secret)` returns a Requester, None when the key is
    not its own, or raises Unauthenticated when it is its own and wrong."""
    if resolver not in _schemes:
        _schemes.append(resolver)
    return resolver


def _launched(key: str, secret: str) -> Requester | None:
    for resolver in _schemes:
        requester = resolver(key, secret)
        if requester is not None:
            return requester
    return None


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    return (key, secret) if colon else None


def requester_of(request) -> Requester:
    """The caller; raises Unauthenticated when credentials are missing or wrong.

    A request that sends an Authorization header is judged by it alone, even with a session.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        credentials = _basic_credentials(header)
        launched = _launched(*credentials) if credentials else None
        if launched is not None:
            return launched
        client = client_for_credentials(key=credentials[0], secret=credentials[1]) if credentials else None
        if client is None:
            raise Unauthenticated
        return Requester(client=client)
    if request.user.is_authenticated:
        return Requester(user=request.user)
    raise Unauthenticated


def csrf_failure(request) -> bool:
    """True when a session-authenticated write lacks a valid CSRF token (Basic needs none)."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None


def over_rate_limit(requester: Requester) -> int:
    """Seconds to wait when the requester used up this minute's requests, else 0."""
    if requester.client is not None:
        limit = requester.client.requests_per_minute
    else:
        limit = settings.SANGKAT_XAPI_LEARNER_REQUESTS_PER_MINUTE
    if ratelimit.hit("xapi", requester.rate_key, window=60) > limit:
        return ratelimit.seconds_left(60)
    return 0
