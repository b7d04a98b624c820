"""Wagtail's page serving, with the site's home page in the visitor's language remembered per process.

For every page, Wagtail first finds the active Locale, then the home page in that language, then
its specific type: three queries before it starts looking for the page asked for. Which page is
the home page in a language changes almost never, so it is remembered (per site and language,
for at most a minute; cleared in this process whenever a page is saved, moved or deleted) and
used only to route: the home page itself is always served from a fresh read (one query, as
Wagtail's own routing spends on it).
"""

import time

from django.http import Http404
from django.utils.translation import get_language
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from cms import structure

SECONDS = 60
_roots: dict[tuple[int, str], tuple[float, object]] = {}


def _localized_root(site):
    key = (site.pk, get_language() or "")
    now = time.monotonic()
    found = _roots.get(key)
    if found is None or now - found[0] > SECONDS:
        # Read from the database, not from the (remembered) site's own copy of its root page.
        found = (now, Page.objects.get(pk=site.root_page_id).localized.specific)
        _roots[key] = found
    return found[1]


def forget(**_kwargs) -> None:
    _roots.clear()


def forget_if_page_or_site(sender, **_kwargs) -> None:
    if issubclass(sender, (Page, Site)):
        _roots.clear()


def serve(request, path):
    components = [component for component in path.split("/") if component]
    site = Site.find_for_request(request)
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        # Every page link asks Wagtail for the sites' root paths (a cache GET per request): they
        # are structure, remembered per process until a page or site changes (cms.structure).
        request._wagtail_cached_site_root_paths = structure.remembered(
            request, "site_root_paths", None, Site.get_site_root_paths)
    if site is not None and not hasattr(request, "_wagtail_route_for_request"):
        # Wagtail's own route_for_request reads this attribute first, so everything after
        # (hooks, the userbar, page.serve) sees the same route.
        root = _localized_root(site)
        if not components:  # the home page itself: served from a fresh read
            root = type(root).objects.get(pk=root.pk)
        try:
            request._wagtail_route_for_request = root.route(request, components)
        except Http404:
            request._wagtail_route_for_request = None
    return wagtail_views.serve(request, path)
