"""One rendering of a page shared by anonymous visitors, for pages with nothing personal in them.

Only an anonymous GET with no messages waiting is shared, and only a plain 200 that set no cookie
and used no CSRF token. The caller's key says which rendering it is (a page revision, or a hash of
every value a list shows), so a new revision or a changed row is a new key, never a stale page.
"""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe


def shareable(request) -> bool:
    # Not on a registered center device (labs.devices): its pages carry the device's sign-in bar.
    return (request.method == "GET" and not request.user.is_authenticated
            and getattr(request, "center_device", None) is None
            and not len(messages.get_messages(request)))


def digest(*parts) -> str:
    """A short stable key for values that decide what a page shows."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def shared_render(request, key: str, seconds: int, make_response) -> HttpResponse:
    if not seconds:
        return make_response()
    cached = cache.get(key)
    if cached is not None:
        return HttpResponse(cached, content_type="text/html; charset=utf-8")
    response = make_response()
    if hasattr(response, "render"):
        response.render()
    if (response.status_code == 200 and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")):
        cache.set(key, response.content, seconds)
    return response


def shared_fragment(key: str, seconds: int, make_html) -> SafeString:
    """A piece of a page with nothing personal in it, rendered once per key for everyone."""
    if not seconds:
        return make_html()
    html = cache.get(key)
    if html is None:
        html = make_html()
        cache.set(key, str(html), seconds)
    return mark_safe(html)  # noqa: S308 (our own template's output, stored as rendered)
