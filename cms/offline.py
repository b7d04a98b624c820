"""The installable web app: the service worker at the site's root, the web manifest and the offline page.

The worker is a template (cms/templates/cms/sw.js) so it names the static files by their deployed
(hashed) URLs; its version is a hash of what it renders to, so a new style sheet or offline page
installs a new worker. It lives at /sw.js because a worker controls only the paths below its own.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What the worker keeps at install (the shell): small, and the same for every visitor.
SHELL_STATIC = ("cms/site.css", "cms/icon.svg", "cms/offline.js")


def offline_pages() -> dict[str, str]:
    pages = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            pages[code] = reverse("offline")
    return pages


def shell_urls() -> list[str]:
    return [*offline_pages().values(), *(static(name) for name in SHELL_STATIC)]


@lru_cache(maxsize=1)
def _worker_source() -> str:
    context = {
        "shell_urls": json.dumps(shell_urls()),
        "offline_pages": json.dumps(offline_pages()),
        "version": "",
    }
    draft = render_to_string("cms/sw.js", context)
    context["version"] = hashlib.blake2b(draft.encode(), digest_size=8).hexdigest()
    return render_to_string("cms/sw.js", context)


@require_GET
def service_worker(request):
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    # Browsers look for a new worker at most once a day anyway; no-cache makes them ask each time.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=86400)
def web_manifest(request):
    return render(request, "cms/manifest.webmanifest", content_type="application/manifest+json")


@require_GET
def offline(request):
    """The page the worker shows for a page that is neither online nor saved (kept at install)."""
    return render(request, "cms/offline.html")
