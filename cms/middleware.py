"""Request-level rules: accounts, who acts (for the audit log), and the Content-Security-Policy."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.module_loading import import_string

from cms import package_origin
from cms.services import acting_as

_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/media/", "/i18n/")
# URL names of pages where a learner who must choose a password may choose another sign-in instead
# (registered by apps above cms in their AppConfig.ready(): labs.devices' own pictures or PIN page).
_ALSO_ALLOWED_URL_NAMES: list[str] = []


def allow_during_password_change(url_name: str) -> None:
    if url_name not in _ALSO_ALLOWED_URL_NAMES:
        _ALSO_ALLOWED_URL_NAMES.append(url_name)


class PasswordChangeRequiredMiddleware:
    """After a staff reset, the learner chooses a new password before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # Not in a session begun with a picture password on a center device (labs.devices): the
        # password she must change was not used there.
        if (user is not None and user.is_authenticated and user.must_change_password
                and not request.session.get("devices.pictures")):
            allowed = {reverse(name) for name in ["choose_password", "logout", *_ALSO_ALLOWED_URL_NAMES]}
            if request.path not in allowed and not request.path.startswith(_ALWAYS_ALLOWED_PREFIXES):
                return redirect("choose_password")
        return self.get_response(request)


class SiteLookupCacheMiddleware:
    """Remember which Wagtail Site answers a host name, instead of asking the database each request.

    Sites change almost never; the memo is cleared in every process when one is saved or deleted
    (cms.apps) and is at most a minute old in others.
    """

    seconds = 60
    _memo: dict[tuple[str, str], tuple[float, object]] = {}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from wagtail.models import Site

        key = (request.get_host(), request.get_port())
        found = self._memo.get(key)
        now = time.monotonic()
        if found is None or now - found[0] > self.seconds:
            found = (now, Site._find_for_request(request))
            self._memo[key] = found
        request._wagtail_site = found[1]
        return self.get_response(request)

    @classmethod
    def forget(cls, **_kwargs):
        cls._memo.clear()


class AuditActorMiddleware:
    """Remember who is acting during this request, for audit entries written by signal receivers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(lambda: getattr(request, "user", None)):
            return self.get_response(request)


class SangkatCSPMiddleware(CSPMiddleware):
    """django-csp's header, with Wagtail's own (looser) policy under /admin/.

    A response that already carries a Content-Security-Policy (the H5P player and its files)
    keeps it: django-csp never overwrites one.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and request.path_info.startswith("/admin/"):
            parts.config = settings.SANGKAT_ADMIN_CSP
        elif not report_only and parts.config is None and (origins := package_origin.configured()):
            # Lessons frame H5P players at their packages' own origins (H5P_PACKAGE_ORIGIN).
            update = dict(parts.update or {})
            update["frame-src"] = [*update.get("frame-src", []), origins.csp_source]
            parts.update = update
        return parts


class CredentialedAPIMiddleware:
    """Requests to an API path that carry their own credentials (an Authorization header) skip the
    middleware that only serves a browser session; they go through settings.SANGKAT_API_MIDDLEWARE.

    Such a request is judged by its header alone (the xAPI store never reads the session when one is
    sent), so sessions, authentication, CSRF, messages, the center-device rules, the password-change
    redirect, Wagtail's site and redirects, the audit actor and Axes have nothing to do for it: they
    cost about a third of a statement POST's CPU. What shapes the answer stays: the language of
    error messages (LocaleMiddleware), CommonMiddleware, X-Frame-Options and the CSP header; the
    middleware above this one (security headers, gzip) runs for every request. request.user is the
    anonymous user, request.session absent.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.SANGKAT_API_PATHS)
        self.lean = _MiddlewareChain(settings.SANGKAT_API_MIDDLEWARE)

    def __call__(self, request):
        if "HTTP_AUTHORIZATION" in request.META and request.path_info.startswith(self.prefixes):
            request.user = AnonymousUser()
            return self.lean(request)
        return self.get_response(request)


class _MiddlewareChain(BaseHandler):
    """A chain of middleware ending in URL resolution and the view, as Django's handler builds it from
    settings.MIDDLEWARE (synchronous: gunicorn's sync workers), from another list."""

    def __init__(self, paths):
        super().__init__()
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def __call__(self, request):
        return self._middleware_chain(request)
