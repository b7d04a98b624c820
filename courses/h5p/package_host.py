"""Each H5P package on an origin of its own (H5P_PACKAGE_ORIGIN; docs/decisions.md, "H5P packages on
origins of their own").

A request to a host under the package domain never reaches the site: this middleware (after only
the security headers and gzip in settings.MIDDLEWARE) answers it from courses.h5p.package_urls alone, with no session, user, CSRF or
message work, and only with what belongs to that host's package: its player, its files, the files
of the libraries it plays, our player scripts and our small service worker. Anything else there,
another package's file included, is a 404. The lesson frames the player with
`sandbox="allow-scripts allow-same-origin"`: the origin itself is the boundary (another site, no
cookie of ours, nothing of the learner), and keeping it lets the player have a service worker, so
a saved course plays its activities offline.
"""

import mimetypes
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotFound
from django.http.request import validate_host
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cms import package_origin
from courses.h5p import selectors, views

_GRANT_SALT = "sangkat.h5p.package-grant"
# Our scripts and styles the player loads, served on package hosts under /h5p/static/ (script-src
# 'self' there). Nothing else of the site's static files answers on a package host.
_STATIC_PREFIXES = ("h5p/", "h5p-standalone/")
_STATIC_SKIP = (".d.ts", ".LICENSE.txt", ".map")
# Kept for offline use with the player, but not H5P's text fonts (1.1 MB; without them the text
# falls back to the phone's own fonts, which also have Khmer): H5P's icon fonts are kept.
_NOT_KEPT = ("h5p-standalone/fonts/inter/", "h5p-standalone/fonts/open-sans/")
_WORKER = "h5p/package-sw.js"
_WORKER_DESTINATIONS = frozenset({"worker", "sharedworker", "serviceworker"})


def player_csp(lesson_origin: str) -> str:
    """The player's policy on its own origin: our scripts and the package's files from here only,
    framed only by the lesson's origin. The sandbox keeps the origin (it is the package's own) but
    still bars pop-ups, forms and navigating the lesson."""
    return views.player_policy(sandbox="allow-scripts allow-same-origin", ancestors=lesson_origin, workers=True)


# ---- what the lesson puts in its frame ---------------------------------------------------------

def frame_urls(*, request, package_id: int, lesson_key: UUID, block_id: str, language: str) -> dict | None:
    """The player's and warm-up page's URLs at the package's origin, for a lesson block, or None when
    packages play in the opaque sandbox (no H5P_PACKAGE_ORIGIN)."""
    origins = package_origin.configured()
    if origins is None or request is None:
        return None
    user = getattr(request, "user", None)
    grant = signing.dumps({"l": str(lesson_key), "b": block_id,
                           "u": bool(user is not None and user.is_authenticated)},
                          salt=_GRANT_SALT, compress=True)
    query = urlencode({"lang": language, "parent": f"{request.scheme}://{request.get_host()}", "grant": grant})
    origin = origins.origin(package_id)
    kwargs = {"lesson_key": lesson_key, "block_id": block_id}
    return {
        "origin": origin,
        "player": f"{origin}{reverse('h5p_play', kwargs=kwargs)}?{query}",
        "warm": f"{origin}/h5p/warm/{lesson_key}/{block_id}/?{query}",
    }


# ---- the middleware ----------------------------------------------------------------------------

class PackageHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origins = package_origin.configured()
        if origins is None:
            return self.get_response(request)
        host = request.get_host()  # an unknown host is refused here already (ALLOWED_HOSTS)
        if not origins.is_package_domain(host):
            return self.get_response(request)
        package_id = origins.package_of(host)
        response = _answer(request, package_id) if package_id else _not_found()
        response["X-Content-Type-Options"] = "nosniff"
        response["Referrer-Policy"] = "no-referrer"
        # Only this origin reads what it serves (other package hosts are the same site as this one).
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response


def _not_found(message: str = "") -> HttpResponse:
    return HttpResponseNotFound(message or _("Not found"), content_type="text/plain; charset=utf-8")


def _answer(request, package_id: int) -> HttpResponse:
    try:
        match = resolve(request.path_info, urlconf="courses.h5p.package_urls")
    except Resolver404:
        return _not_found()
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    # Nothing of the site's session here: the visitor is anonymous, whoever she is on the site.
    request.user = AnonymousUser()
    request.session = {}
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return match.func(request, package_id=package_id, **match.kwargs)
    except Http404 as problem:
        return _not_found(str(problem))
    except PermissionDenied as problem:
        return HttpResponse(str(problem) or _("Forbidden."), status=403, content_type="text/plain; charset=utf-8")


# ---- the views on a package host ---------------------------------------------------------------

def _lesson_origin(value: str) -> str:
    """The lesson's origin named by the frame's URL, if it is one of the site's (ALLOWED_HOSTS)."""
    origins = package_origin.configured()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise Http404(_("This activity is not available.")) from None
    host = parts.netloc.lower()
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query
            or parts.fragment or parts.username or parts.password or "*" in host or origins.is_package_domain(host)
            or not validate_host(parts.hostname, [h for h in settings.ALLOWED_HOSTS if h != origins.allowed_host])):
        raise Http404(_("This activity is not available."))
    return f"{parts.scheme}://{parts.hostname}{f':{port}' if port else ''}"


def _granted_activity(request, package_id: int, lesson_key: UUID, block_id: str):
    language = request.GET.get("lang") or settings.LANGUAGE_CODE
    activity = selectors.activity_for_player(lesson_key=lesson_key, block_id=block_id, language=language)
    if activity is None or activity.package.pk != package_id:
        raise Http404(_("This activity is not available."))
    grant = {}
    try:
        grant = signing.loads(request.GET.get("grant", ""), salt=_GRANT_SALT,
                              max_age=settings.H5P_PACKAGE_GRANT_SECONDS)
    except signing.BadSignature:
        grant = {}
    granted = isinstance(grant, dict) and grant.get("l") == str(lesson_key) and grant.get("b") == block_id
    # A lesson open to everyone plays without a grant; a restricted one only from the lesson's frame.
    if not granted and not selectors.may_view(request=request, lesson=activity.lesson):
        raise PermissionDenied(_("Open this activity from its lesson."))
    return activity, bool(granted and grant.get("u"))


def _static_prefix() -> str:
    # The player's scripts come from this origin: "/static/h5p/x.js" is "/h5p/static/h5p/x.js" here.
    return "/h5p"


def play(request, package_id: int, lesson_key: UUID, block_id: str):
    lesson_origin = _lesson_origin(request.GET.get("parent", ""))
    activity, signed_in = _granted_activity(request, package_id, lesson_key, block_id)
    with translation.override(activity.lesson.locale.language_code):
        unavailable = selectors.unavailable_message(package=activity.package)
        context = {"activity": activity, "unavailable": unavailable, "static_prefix": _static_prefix()}
        if not unavailable:
            options = selectors.player_options(package=activity.package, block_id=activity.block_id)
            for key in ("frameJs", "frameCss"):
                options[key] = _static_prefix() + options[key]
            context.update({
                "config": {"h5p": options, "block": activity.block_id, "saveSeconds": settings.SANGKAT_H5P_SAVE_SECONDS,
                           "lessonOrigin": lesson_origin, "worker": "/h5p/sw.js"},
                "signed_in": signed_in,
            })
        response = render(request, "h5p/player.html", context)
    response["Content-Security-Policy"] = player_csp(lesson_origin)
    response["Cache-Control"] = "private, no-store"
    return response


def warm(request, package_id: int, lesson_key: UUID, block_id: str):
    """A page our course-saving script (cms/offline.js) frames at the package's origin: it registers
    the package's worker and keeps the player and every file it loads, then tells the lesson's page."""
    lesson_origin = _lesson_origin(request.GET.get("parent", ""))
    activity, _signed_in = _granted_activity(request, package_id, lesson_key, block_id)
    if selectors.unavailable_message(package=activity.package):
        raise Http404(_("This activity is not available."))
    player = reverse("h5p_play", kwargs={"lesson_key": lesson_key, "block_id": block_id})
    files = [f"{player}?{request.GET.urlencode()}"]
    files += [_static_prefix() + static(name) for name in _player_static()]
    files += selectors.package_file_urls(package=activity.package)
    config = {"files": files, "worker": "/h5p/sw.js", "lessonOrigin": lesson_origin, "block": block_id}
    response = render(request, "h5p/warm.html", {"config": config, "static_prefix": _static_prefix()})
    response["Content-Security-Policy"] = player_csp(lesson_origin)
    response["Cache-Control"] = "private, no-store"
    return response


def _player_static() -> list[str]:
    names = ["h5p/player.css", "h5p/sandbox.js", "h5p/player.js"]
    root = finders.find("h5p-standalone/main.bundle.js")
    if root:
        dist = Path(root).parent
        kept = (f"h5p-standalone/{path.relative_to(dist).as_posix()}" for path in dist.rglob("*")
                if path.is_file() and not path.name.endswith((*_STATIC_SKIP, ".txt")))
        names += sorted(name for name in kept if not name.startswith(_NOT_KEPT))
    return names


def _static_file(name: str) -> str | None:
    if not name.startswith(_STATIC_PREFIXES) or not selectors.safe_relative(name) or name.endswith(_STATIC_SKIP):
        return None
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except NotImplementedError:  # static files in a bucket: this host serves none
        return None
    return finders.find(name)


def static_file(request, package_id: int, path: str):
    _refuse_as_worker(request)
    found = _static_file(path)
    if not found:
        raise Http404(_("This file is not part of the activity."))
    content_type, _encoding = mimetypes.guess_type(found)
    response = FileResponse(open(found, "rb"), content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def worker(request, package_id: int):
    """Our service worker of the package's origin (h5p/package-sw.js), the only script served here as one."""
    if request.headers.get("Sec-Fetch-Dest", "serviceworker") != "serviceworker":
        raise Http404(_("This file is not part of the activity."))
    found = _static_file(_WORKER)
    if not found:
        raise Http404(_("This file is not part of the activity."))
    with open(found, "rb") as source:
        response = HttpResponse(source.read(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _refuse_as_worker(request) -> None:
    if request.headers.get("Sec-Fetch-Dest", "") in _WORKER_DESTINATIONS:
        raise PermissionDenied(_("Files of H5P activities never run as a worker."))


def content_file(request, package_id: int, path_package_id: int, path: str):
    if path_package_id != package_id:
        raise Http404(_("This file is not part of the activity."))
    _refuse_as_worker(request)
    return views.serve_package_file(request, selectors.content_file(package_id=package_id, path=path),
                                    cache="public, max-age=3600", own_origin=True)


def library_file(request, package_id: int, folder: str, path: str):
    _refuse_as_worker(request)
    name = selectors.library_file(folder=folder, path=path, package_id=package_id)
    return views.serve_package_file(request, name, cache="public, max-age=86400", own_origin=True)
