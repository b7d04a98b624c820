"""SCORM playback: the package's files (its HTML pages with the runtime put in front of the SCO's
own code, in an opaque-origin sandbox) and the commits the lesson page relays for the learner."""

import re
import secrets
from functools import wraps
from urllib.parse import quote, urlsplit
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.html import escape, json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from courses.h5p.selectors import may_view
from courses.h5p.views import player_policy, refuse_to_run_in_our_pages, serve_package_file
from courses.scorm import selectors, services
from courses.xapi import services as xapi_services
from courses.xapi.auth import over_rate_limit

# The SCO is a stranger's code, like an H5P package: `sandbox allow-scripts` gives it an opaque
# origin (no cookie, storage or page of the site), and it may talk to nothing but this site. Unlike
# the H5P player, a SCO's own pages carry inline scripts (every authoring tool writes them), so
# they are allowed here: the sandbox, not script-src, is what keeps the package away from the site.
SCO_CSP = player_policy(scripts="'self' 'unsafe-inline' 'unsafe-eval'", base="'self'")
_HTML = re.compile(r"\.x?html?$", re.IGNORECASE)
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<html(\s[^>]*)?>", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!doctype[^>]*>", re.IGNORECASE)
MAX_HTML_BYTES = 5 * 1024 * 1024
# One commit: a SCORM 2004 suspend_data (64,000 characters, each escaped up to 6 times as JSON) and
# interactions beside it.
MAX_COMMIT_BODY = 1024 * 1024


@require_GET
def play(request, lesson_key: UUID, block_id: str, path: str):
    """A file of the block's package. An HTML page (the SCO) gets the runtime and, for a signed-in
    learner, her saved runtime data for this SCO; other files are served like H5P's."""
    language = request.GET.get("lang") or get_language() or settings.LANGUAGE_CODE
    activity = selectors.activity_for_player(lesson_key=lesson_key, block_id=block_id, language=language)
    if activity is None or not activity.package.is_ready:
        raise Http404(_("This package is not available."))
    name = selectors.package_file(package=activity.package, path=path)
    if name is None:
        raise Http404(_("This file is not part of the package."))
    if not _HTML.search(path):
        return serve_package_file(request, name, cache="public, max-age=3600")
    refuse_to_run_in_our_pages(request)
    if not may_view(request=request, lesson=activity.lesson):
        raise PermissionDenied(_("You cannot see this lesson."))
    item = selectors.item_for_path(package=activity.package, path=path, wanted=request.GET.get("sangkat-sco", ""))
    with default_storage.open(name, "rb") as handle:
        page = handle.read(MAX_HTML_BYTES + 1)
    if item is None or len(page) > MAX_HTML_BYTES:
        response = HttpResponse(page[:MAX_HTML_BYTES], content_type="text/html")
    else:
        response = HttpResponse(_with_runtime(request, activity, item, page), content_type="text/html")
    response["Content-Security-Policy"] = SCO_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def _with_runtime(request, activity, item: dict, page: bytes) -> bytes:
    """The SCO's page with scorm-again and Sangkat's runtime first in <head>, so the API object is on
    the SCO's own window before any of its scripts look for it. Holds no session, token or name:
    only this SCO's runtime data for the learner, which the SCO may read anyway."""
    user = request.user
    signed_in = user.is_authenticated
    attempt = selectors.attempt_of(user=user, lesson_key=activity.lesson.translation_key, block_id=activity.block_id)
    config = {
        "block": activity.block_id,
        "sco": item["identifier"],
        "version": activity.package.version,
        "save": bool(signed_in and attempt is not None),
        "cmi": selectors.initial_cmi(user=user, attempt=attempt, package=activity.package, sco=item["identifier"]),
        # Each launch is a session: its time adds to the total once the next one starts.
        "session": secrets.token_hex(16),
    }
    library = "scorm-again/scorm12.min.js" if activity.package.version == "1.2" else "scorm-again/scorm2004.min.js"
    injected = (
        str(json_script(config, "sangkat-scorm-runtime-config"))
        + f'<script src="{escape(static(library))}"></script>'
        + f'<script src="{escape(static("scorm/runtime.js"))}"></script>'
    ).encode()
    # Right after <head>, else after <html> or the doctype (before it would put the page in quirks mode).
    match = _HEAD.search(page) or _HTML_TAG.search(page) or _DOCTYPE.search(page)
    if match:
        return page[:match.end()] + injected + page[match.end():]
    return injected + page


# ---- Commits, relayed by the lesson page (scorm/frames.js) with the learner's session ----------


def _json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _answers_in_json(view):
    """A 404 of this unprefixed path stays JSON (LocaleMiddleware would redirect it to /en/...)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        request.urlconf = "courses.scorm.urls"
        return response

    return wrapped


@never_cache
@_answers_in_json
@require_POST
def commit(request, attempt_id: int):
    """POST {"sco", "commitId", "session", "cmi"}: one commit of the learner's own attempt. CSRF is
    checked by the middleware. A retried commit (same commitId) is acknowledged, not applied again."""
    if not request.user.is_authenticated:
        return _json_error(403, _("Log in to save your progress."))
    if not selectors.owns_attempt(user=request.user, attempt_id=attempt_id):
        return _json_error(404, _("This attempt is not yours, or it does not exist. Nothing was saved."))
    if over_rate_limit(xapi_services.Requester(user=request.user)):
        return _json_error(429, _("Too many requests. Please wait a minute and try again."))
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return _json_error(400, _("Send the progress as application/json."))
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not (declared.isascii() and declared.isdigit()) or int(declared) > MAX_COMMIT_BODY:
        return _json_error(413, _("The progress data is too large."))
    try:
        body = loads_bounded(request.body, max_bytes=MAX_COMMIT_BODY, max_depth=12)
    except UntrustedJSONError:
        return _json_error(400, _("The request body is not valid JSON."))
    if not isinstance(body, dict) or set(body) != {"sco", "commitId", "session", "cmi"} \
            or not isinstance(body["sco"], str):
        return _json_error(400, _("Send sco, commitId, session and cmi, and nothing else."))
    try:
        attempt = services.record_commit(
            user=request.user, attempt_id=attempt_id, sco=body["sco"], commit_id=body["commitId"],
            session_key=body["session"], cmi=body["cmi"],
        )
    except services.Attempt.DoesNotExist:
        return _json_error(404, _("This attempt is not yours, or it does not exist. Nothing was saved."))
    except services.CommitRefused as refused:
        return _json_error(400, refused.message)
    return JsonResponse({"completed": attempt.completed, "passed": attempt.passed})


def launch_url(*, lesson_key, block_id: str, item: dict, language: str) -> str:
    """Where the lesson frames one SCO: its launch file under the block's play URL, with its parameters."""
    from django.urls import reverse

    parts = urlsplit(item["href"])
    base = reverse("scorm_play", kwargs={"lesson_key": lesson_key, "block_id": block_id, "path": parts.path})
    query = "&".join(part for part in (parts.query, f"sangkat-sco={quote(item['identifier'], safe='')}", f"lang={language}") if part)
    return f"{base}?{query}"
