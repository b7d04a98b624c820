"""cmi5 launches from a lesson page, the fetch URL the AU gets its token from, and the AU's files.

The AU's files run in the same opaque-origin sandbox as H5P (CSP sandbox allow-scripts): no cookie
of the site, so the AU talks to the LRS only with the token its fetch URL hands out once."""

import json
import mimetypes
from functools import wraps
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.cmi5 import selectors, services
from courses.h5p.views import FILE_CSP, PLAYER_CSP, _refuse_to_run_in_our_pages
from courses.xapi.identity import agent_for


def _json(view):
    """Answers stay JSON: LocaleMiddleware would redirect a 404 on this unprefixed path to /en/..."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        request.urlconf = "courses.cmi5.urls"
        return response

    return wrapped


@never_cache
@_json
@require_POST
def launch(request, lesson_key: UUID, block_id: str, au_index: int):
    """Start (or resume) one AU for the signed-in learner; answers the URL to open in the sandbox."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Log in to start this course.")}, status=403)
    block = selectors.block_in(lesson_key=lesson_key, block_id=block_id,
                               language=get_language() or settings.LANGUAGE_CODE)
    if block is None or not selectors.may_view(request=request, lesson=block.lesson):
        return JsonResponse({"error": _("This course is not available.")}, status=404)
    course = block.course
    if not course.is_ready or not 0 <= au_index < len(course.aus):
        return JsonResponse({"error": _("This course is not available.")}, status=404)
    started = services.launch(user=request.user, lesson=block.lesson, block_id=block_id, course=course,
                              au_index=au_index, return_url=request.build_absolute_uri(reverse("cmi5_returned")))
    au = course.aus[au_index]
    path, _sep, own_query = au["url"].partition("?")
    parameters = urlencode({
        "endpoint": request.build_absolute_uri("/xapi/"),
        "fetch": request.build_absolute_uri(reverse("cmi5_fetch", kwargs={"launch_id": started.session.session_id})),
        "actor": json.dumps(agent_for(request.user), separators=(",", ":")),
        "registration": str(started.registration.registration),
        "activityId": started.activity_id,
    })
    file_url = reverse("cmi5_file", kwargs={"cmi5_course_id": course.pk, "path": path})
    return JsonResponse({"url": f"{file_url}?{own_query + '&' if own_query else ''}{parameters}"})


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt  # called by the AU from its opaque origin, with nothing of the learner's session
@never_cache
@_json
@require_http_methods(["POST", "OPTIONS"])
def fetch(request, launch_id: UUID):
    """cmi5 section 8.2.3: {"auth-token": ...} once; later requests get error-code 1 (in use) or 2."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    try:
        token = services.fetch_token(session_id=launch_id)
    except services.TokenRefused as refused:
        return _cors(JsonResponse({"error-code": refused.code, "error-text": refused.message}))
    return _cors(JsonResponse({"auth-token": token}))


@require_GET
def returned(request):
    """The returnURL: where an AU goes when the learner exits it (inside the lesson's frame)."""
    message = escape(_("You have left this part of the course. Your progress is saved."))
    response = HttpResponse(f"<!doctype html><meta charset=utf-8><p style='font-family:sans-serif'>{message}</p>")
    response["Content-Security-Policy"] = FILE_CSP
    return response


@require_GET
def course_file(request, cmi5_course_id: int, path: str):
    _refuse_to_run_in_our_pages(request)
    name = selectors.course_file(course_id=cmi5_course_id, path=path)
    if name is None:
        raise Http404(_("This file is not part of the course."))
    content_type, _encoding = mimetypes.guess_type(name)
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream")
    # An AU's page runs its scripts in an opaque origin; any other file opened on its own runs nothing.
    is_page = (content_type or "") in ("text/html", "application/xhtml+xml")
    response["Content-Security-Policy"] = PLAYER_CSP if is_page else FILE_CSP
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Sec-Fetch-Site, Sec-Fetch-Dest"
    return response
