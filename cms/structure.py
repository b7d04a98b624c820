"""The site's page structure remembered per process, dropped everywhere at once when it changes.

Serving a lesson read the same rows on every request: the page by its URL path and its specific
row (two queries, then the StreamField parsed again), the course's lesson list, the course's quiz
rules. They change only when an editor saves, publishes, unpublishes, moves or deletes a page (or
a site changes). Every such change writes a new *generation* to the shared cache (Redis in
production); each request reads it once (one cache GET instead of the queries) and a process whose
memo belongs to another generation empties it. Without a shared cache (one process, tests) the
generation lives in the local cache, and a memo is at most SECONDS old in any case.

Only what routing, the lesson outline and the page's fixed parts need is kept here: nothing
personal (progress, quiz results, the user). The view restrictions of a routed page are kept with
it: saving or deleting a restriction, or changing its groups, starts a new generation too, so a
page made private is private at once in every process that reads the shared generation.
"""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache

KEY = "sangkat:structure:generation"
SECONDS = 60
_memo: dict = {}
_state = {"generation": None, "since": 0.0}


def _generation(request) -> str:
    found = getattr(request, "_sangkat_structure", None) if request is not None else None
    if found is None and request is not None:
        # Read with the signed-in person's roles, in the same round trip, when she was loaded for this
        # request (cms.auth; Django keeps the user of a request as _cached_user).
        found = getattr(getattr(request, "_cached_user", None), "_sangkat_also", {}).get(KEY)
    if found is None:
        found = cache.get(KEY)
        if found is None:
            cache.add(KEY, uuid.uuid4().hex, timeout=None)
            found = cache.get(KEY) or ""
        if request is not None:
            request._sangkat_structure = found
    return found


def remembered(request, name: str, key, compute):
    """compute(), remembered in this process for the current generation (read once per request)."""
    generation = _generation(request)
    now = time.monotonic()
    if _state["generation"] != generation or now - _state["since"] > SECONDS or not generation:
        _memo.clear()
        _state["generation"], _state["since"] = generation, now
    entry = (name, key)
    try:
        return _memo[entry]
    except KeyError:
        value = _memo[entry] = compute()
        return value


def changed(**_kwargs) -> None:
    """The structure changed: every process forgets what it remembered."""
    _memo.clear()
    _state["generation"] = None
    cache.set(KEY, uuid.uuid4().hex, timeout=None)


_also: list = []


def also_structure(model) -> None:
    """A feature app's model whose rows are remembered here too (a center's name in page headers):
    saving or deleting one starts a new generation, as a page does."""
    if model not in _also:
        _also.append(model)


def changed_if_page_or_site(sender, **kwargs) -> None:
    """Connected to every model's post_save/post_delete: pages, sites, view restrictions (kept
    with the routed page), images (a course's cover rendition is remembered) and the models of
    also_structure() are structure."""
    from wagtail.images.models import AbstractImage
    from wagtail.models import BaseViewRestriction, Page, Site

    if isinstance(sender, type) and issubclass(sender, (Page, Site, BaseViewRestriction, AbstractImage, *_also)):
        changed()


def changed_if_restriction_groups(sender, **kwargs) -> None:
    """A restriction's groups changed (m2m_changed of PageViewRestriction.groups)."""
    if kwargs.get("action", "").startswith("post_"):
        changed()
