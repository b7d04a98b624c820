"""The H5P player page (framed by lessons, under its own strict CSP) and the files it loads."""

import mimetypes
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.h5p import selectors

# The player runs third-party H5P code. `sandbox allow-scripts` gives its document an opaque origin
# even when the URL is opened on its own: no cookie, storage or CSRF token of the site, no access to
# a page of the site, and every request it makes is cross-site (so carries no session). It may load
# scripts only from here, and only our own pages may frame it. H5P sets inline styles.
PLAYER_CSP = "; ".join([
    "sandbox allow-scripts",
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
])
# A file from a package opened on its own (an SVG, say) runs in an opaque origin with no script.
FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self'; media-src 'self'; sandbox"
# Package files run only in the sandboxed player, whose requests are cross-site. A page of the site
# itself (same origin or site, per Fetch Metadata) never gets one as code or style to run.
_EXECUTABLE_DESTINATIONS = frozenset({
    "script", "style", "worker", "sharedworker", "serviceworker", "audioworklet", "paintworklet",
    "xslt", "json", "manifest", "embed", "object",
})


@require_GET
def play(request, lesson_key: UUID, block_id: str):
    language = request.GET.get("lang") or get_language() or settings.LANGUAGE_CODE
    activity = selectors.activity_for_player(lesson_key=lesson_key, block_id=block_id, language=language)
    if activity is None:
        raise Http404(_("This activity is not available."))
    lesson = activity.lesson
    if not selectors.may_view(request=request, lesson=lesson):
        raise PermissionDenied(_("You cannot see this lesson."))
    with translation.override(lesson.locale.language_code):
        unavailable = selectors.unavailable_message(package=activity.package)
        context = {"activity": activity, "unavailable": unavailable}
        if not unavailable:
            context.update(_player_context(request, activity))
        response = render(request, "h5p/player.html", context)
    response["Content-Security-Policy"] = PLAYER_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def _player_context(request, activity: selectors.Activity) -> dict:
    # No actor, CSRF token or statement URL: package code reads everything this page holds. The
    # lesson page names the learner when it relays the statements (h5p/frames.js).
    config = {
        "h5p": selectors.player_options(package=activity.package, block_id=activity.block_id),
        "block": activity.block_id,
    }
    return {"config": config, "signed_in": request.user.is_authenticated}


def _refuse_to_run_in_our_pages(request) -> None:
    site = request.headers.get("Sec-Fetch-Site", "")
    destination = request.headers.get("Sec-Fetch-Dest", "")
    if site in ("same-origin", "same-site") and destination in _EXECUTABLE_DESTINATIONS:
        raise PermissionDenied(_("Files of H5P activities only run inside the activity player."))


def _serve(request, name: str | None, *, cache: str) -> FileResponse:
    _refuse_to_run_in_our_pages(request)
    if name is None:
        raise Http404(_("This file is not part of the activity."))
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream")
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = cache
    # Public files of published activities, read by the player's opaque origin without credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Sec-Fetch-Site, Sec-Fetch-Dest"
    return response


@require_GET
def content_file(request, package_id: int, path: str):
    return _serve(request, selectors.content_file(package_id=package_id, path=path), cache="public, max-age=3600")


@require_GET
def library_file(request, folder: str, path: str):
    # A new patch of a library is stored under a new folder, but its URL stays: cache for a day only.
    return _serve(request, selectors.library_file(folder=folder, path=path), cache="public, max-age=86400")
