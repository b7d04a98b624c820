"""The site header, rendered once per set of values it shows and then reused.

Every page draws the header: about a dozen URL reversals and translations, 2.5 ms of CPU per
signed-in page. What it shows depends only on the language, whether someone is signed in, their
role flags, the name they go by and their unread count, so the rendering is kept (per process, a
bounded LRU) under exactly those values: a new role, name or notification is a new entry, never a
stale header. The two per-request parts, the address the language links come back to and the
logout form's CSRF token, are filled in afterwards.
"""

from functools import lru_cache

from django import template
from django.middleware.csrf import get_token
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from cms.selectors import navigation_flags, unread_notification_count

register = template.Library()

# Placeholders that survive HTML escaping and URL quoting unchanged.
_NEXT = "SANGKATNEXTPATH0"
_CSRF = "SANGKATCSRFVALUE0"


@lru_cache(maxsize=1024)
def _header(language: str, signed_in: bool, flags: tuple, display_name: str, unread: int) -> str:
    return render_to_string("cms/includes/header.html", {
        "signed_in": signed_in, "nav": dict(flags), "display_name": display_name, "unread": unread,
        "next_path": _NEXT, "csrf_value": _CSRF,
    })


def forget() -> None:
    _header.cache_clear()


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    if signed_in:
        flags = tuple(sorted(navigation_flags(user=user).items()))
        html = _header(get_language(), True, flags, user.nickname or user.username,
                       unread_notification_count(user=user))
        html = html.replace(_CSRF, escape(get_token(request)))
    else:
        html = _header(get_language(), False, (), "", 0)
    path = request.get_full_path() if request is not None else "/"
    return mark_safe(html.replace(_NEXT, escape(urlencode(path))))  # noqa: S308 (our template)
