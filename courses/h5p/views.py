"""The H5P player page (framed by lessons, under its own strict CSP) and the files it loads."""

import mimetypes
import re
from functools import wraps
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from courses.h5p import selectors
from courses.xapi import selectors as xapi_selectors
from courses.xapi import services as xapi_services
from courses.xapi.auth import over_rate_limit
from courses.xapi.identity import activity_iri


# The player runs third-party H5P code. `sandbox allow-scripts` gives its document an opaque origin
# even when the URL is opened on its own: no cookie, storage or CSRF token of the site, no access to
# a page of the site, and every request it makes is cross-site (so carries no session). It may load
# scripts only from here, and only our own pages may frame it. H5P sets inline styles.
def player_policy(*, sandbox: str = "allow-scripts", ancestors: str = "'self'", workers: bool = False,
                  scripts: str = "'self'", base: str = "'none'") -> str:
    """The Content-Security-Policy of a page running a stranger's package: the H5P player; on a
    package's own origin (courses.h5p.package_host) it keeps that origin, may run our service worker
    and is framed by the lesson's origin; a SCORM SCO's pages (courses.scorm.views) with their own
    inline scripts and base."""
    return "; ".join([
        f"sandbox {sandbox}",
        "default-src 'none'",
        f"script-src {scripts}",
        *(["worker-src 'self'"] if workers else []),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "frame-src 'self'",
        f"frame-ancestors {ancestors}",
        f"base-uri {base}",
        "form-action 'none'",
        "object-src 'none'",
    ])


PLAYER_CSP = player_policy()
# A file from a package opened on its own (an SVG, say) runs in an opaque origin with no script.
FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self'; media-src 'self'; sandbox"
# Package files run only in the sandboxed player, whose requests are cross-site. A page of the site
# itself (same origin or site, per Fetch Metadata) never gets one as code or style to run.
_EXECUTABLE_DESTINATIONS = frozenset({
    "script", "style", "worker", "sharedworker", "serviceworker", "audioworklet", "paintworklet",
    "xslt", "json", "manifest", "embed", "object",
})
_WORKER_DESTINATIONS = frozenset({"worker", "sharedworker", "serviceworker"})


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
        # How often H5P saves the learner's answers (also 3 s after progress or completion).
        "saveSeconds": settings.SANGKAT_H5P_SAVE_SECONDS,
    }
    return {"config": config, "signed_in": request.user.is_authenticated}


def _refuse_to_run_in_our_pages(request) -> None:
    site = request.headers.get("Sec-Fetch-Site", "")
    destination = request.headers.get("Sec-Fetch-Dest", "")
    if site in ("same-origin", "same-site") and destination in _EXECUTABLE_DESTINATIONS:
        raise PermissionDenied(_("Files of H5P activities only run inside the activity player."))


def _serve(request, name: str | None, *, cache: str, own_origin: bool = False) -> FileResponse:
    """A package's file. On the site's origin, never as code of a page of the site; on the package's
    own origin (H5P_PACKAGE_ORIGIN, courses/h5p/package_host.py) its player loads it as a script of
    that origin. Never, anywhere, as a worker: a package may not install one (only our own
    h5p/package-sw.js is served as a service worker, at /h5p/sw.js of the package's origin)."""
    if request.headers.get("Sec-Fetch-Dest", "") in _WORKER_DESTINATIONS:
        raise PermissionDenied(_("Files of H5P activities never run as a worker."))
    if not own_origin:
        _refuse_to_run_in_our_pages(request)
    if name is None:
        raise Http404(_("This file is not part of the activity."))
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream")
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = cache
    if not own_origin:
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


# ---- Saved answers (H5P content user data), relayed by the lesson page (h5p/frames.js) ----------

_SUB_CONTENT = re.compile(r"0|[A-Za-z0-9-]{1,64}")
_DATA_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# One document (at most MAX_STATE_BYTES of JSON, each byte escaped at most 6 times as a JSON string)
# and the names around it.
_MAX_USER_DATA_BODY = xapi_services.MAX_STATE_BYTES * 6 + 1024


def _json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _answers_in_json(view):
    """Every answer of this endpoint stays JSON: LocaleMiddleware would turn a 404 on this unprefixed
    path into a redirect to /en/... (Wagtail's catch-all matches there); judge it by our URLconf."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        request.urlconf = "courses.h5p.urls"
        return response

    return wrapped


@never_cache
@_answers_in_json
@require_http_methods(["GET", "POST"])
def user_data(request, lesson_key: UUID, block_id: str):
    """GET: the signed-in learner's saved answers for one H5P block of a lesson she may read.
    POST {"subContentId", "dataType", "data"}: save one (data is H5P's JSON text; null forgets it).
    CSRF is checked by the middleware (this view is not exempt)."""
    if not request.user.is_authenticated:
        return _json_error(403, _("Log in to save your answers."))
    activity = selectors.activity_for_player(
        lesson_key=lesson_key, block_id=block_id, language=get_language() or settings.LANGUAGE_CODE)
    if activity is None or not selectors.may_view(request=request, lesson=activity.lesson):
        return _json_error(404, _("This activity is not available."))
    base = activity_iri(lesson_key=lesson_key, block_id=activity.block_id)
    if over_rate_limit(xapi_services.Requester(user=request.user)):
        return _json_error(429, _("Too many requests. Please wait a minute and try again."))
    if request.method == "GET":
        states: dict[str, dict[str, str]] = {}
        for activity_id, state_id, document in xapi_selectors.states_of(user=request.user, activity_id=base):
            sub = "0" if activity_id == base else activity_id.partition("?subContentId=")[2]
            if _SUB_CONTENT.fullmatch(sub) and _DATA_TYPE.fullmatch(state_id):
                states.setdefault(sub, {})[state_id] = document
        return JsonResponse({"states": states})
    try:
        sub, data_type, document = _parse_user_data(request)
    except ValueError as problem:
        return _json_error(400, str(problem))
    activity_id = base if sub == "0" else f"{base}?subContentId={sub}"
    if document is None:
        xapi_services.delete_state(user=request.user, activity_id=activity_id, state_id=data_type)
        return HttpResponse(status=204)
    try:
        xapi_services.save_state(user=request.user, activity_id=activity_id, state_id=data_type,
                                 document=document)
    except xapi_services.InvalidState as problem:
        return _json_error(400, problem.message)
    return HttpResponse(status=204)


def _parse_user_data(request) -> tuple[str, str, str | None]:
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise ValueError(_("Send the saved answers as application/json."))
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not (declared.isascii() and declared.isdigit()) or int(declared) > _MAX_USER_DATA_BODY:
        raise ValueError(_("The saved answers are too large (at most %(size)s KB).")
                         % {"size": xapi_services.MAX_STATE_BYTES // 1024})
    try:
        body = loads_bounded(request.body, max_bytes=_MAX_USER_DATA_BODY, max_depth=2)
    except UntrustedJSONError:
        raise ValueError(_("The request body is not valid JSON.")) from None
    if not isinstance(body, dict) or set(body) != {"subContentId", "dataType", "data"}:
        raise ValueError(_("Send subContentId, dataType and data, and nothing else."))
    sub, data_type, document = body["subContentId"], body["dataType"], body["data"]
    if not isinstance(sub, str) or not _SUB_CONTENT.fullmatch(sub):
        raise ValueError(_("“subContentId” is not a part of an H5P activity."))
    if not isinstance(data_type, str) or not _DATA_TYPE.fullmatch(data_type):
        raise ValueError(_("“dataType” must be a short name: a letter, then letters, digits, - or _."))
    if document is not None and not isinstance(document, str):
        raise ValueError(_("“data” must be the saved answers as JSON text, or null."))
    return sub, data_type, document


# Shared with SCORM packages (courses/scorm/views.py): the same Fetch-Metadata refusal and file CSP.
refuse_to_run_in_our_pages = _refuse_to_run_in_our_pages
serve_package_file = _serve
