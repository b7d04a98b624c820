"""On a registered center device: sessions end when idle and at closing time; signing out clears the browser."""

import time
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .selectors import cookie_name, device_from_cookie
from .services import touch_device

# Session keys (the session of a person signed in on a device).
DEVICE = "devices.device"        # the device's pk
SINCE = "devices.since"          # when the session began there (epoch seconds)
SEEN = "devices.seen"            # last activity (epoch seconds, refreshed at most once a minute)
PICTURES = "devices.pictures"    # signed in with a picture password: valid only on that device

# Not "storage": that would also empty the offline queues, which are kept per learner and sent only
# while she is signed in again (docs/security.md); devices/device.js clears the rest of storage.
CLEAR_SITE_DATA = '"cache"'
_SKIP_PREFIXES = ("/static/", "/media/")


def first_closing_after(started: float, closing) -> float:
    """Epoch seconds of the first `closing` time of day (local time) after `started`."""
    local = timezone.localtime(datetime.fromtimestamp(started, tz=timezone.get_current_timezone()))
    at = local.replace(hour=closing.hour, minute=closing.minute, second=0, microsecond=0)
    if at.timestamp() <= started:
        at = timezone.localtime(at + timedelta(days=1)).replace(hour=closing.hour, minute=closing.minute)
    return at.timestamp()


def begin_device_session(request, device, *, pictures: bool) -> None:
    """Mark the (just signed-in) session as one on `device`; it expires after the device's idle time."""
    now = time.time()
    request.session[DEVICE] = device.pk
    request.session[SINCE] = now
    request.session[SEEN] = now
    request.session[PICTURES] = pictures
    request.session.set_expiry(device.idle_minutes * 60)


class CenterDeviceMiddleware:
    """Reads the device cookie (request.center_device, request.center_device_refused) and applies its rules.

    Only requests that carry a valid device cookie get the idle timeout and closing time; a session
    begun with a picture password ends as soon as a request comes without its device's cookie (the
    device was revoked, or the session cookie was copied elsewhere).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(_SKIP_PREFIXES):
            return self.get_response(request)
        lookup = device_from_cookie(request.COOKIES.get(cookie_name()))
        device = request.center_device = lookup.device
        request.center_device_refused = lookup.refused
        was_signed_in = request.user.is_authenticated
        on_device_session = was_signed_in and request.session.get(DEVICE) is not None
        if device is not None:
            touch_device(device)
        ended = self._why_ended(request, device) if was_signed_in else None
        if ended:
            logout(request)
            messages.info(request, ended)
            response = self._signed_out(request)
        else:
            response = self.get_response(request)
        if device is not None or on_device_session:
            if was_signed_in and not request.user.is_authenticated:
                # Nothing of the last learner stays in this browser: its cache, localStorage,
                # IndexedDB and service workers go (not cookies: the device keeps its own).
                response["Clear-Site-Data"] = CLEAR_SITE_DATA
            # Nothing shown on a shared device is kept for the Back button or the next learner:
            # her pages, and the sign-in pages (which carry the pictures tapped so far).
            patch_cache_control(response, no_store=True, private=True)
        if lookup.refused:
            response.delete_cookie(cookie_name())
        return response

    def _why_ended(self, request, device) -> str | None:
        session = request.session
        started_on = session.get(DEVICE)
        if device is None:
            if started_on is not None and session.get(PICTURES):
                return _("This computer is no longer a device of your center, so you were signed out.")
            return None
        if started_on != device.pk:
            if session.get(PICTURES):
                return _("You signed in with pictures on another device, so you were signed out here.")
            # Signed in with a password on this device (or before it was registered): from now on
            # the device's rules apply.
            begin_device_session(request, device, pictures=False)
            return None
        now = time.time()
        seen = float(session.get(SEEN) or now)
        if now - seen > device.idle_minutes * 60:
            return _("You were signed out after %(minutes)s minutes without activity.") % {
                "minutes": device.idle_minutes}
        if device.closing_time is not None:
            since = float(session.get(SINCE) or now)
            if now >= first_closing_after(since, device.closing_time):
                return _("The center is closing: everyone was signed out of this device.")
        if now - seen >= 60:
            session[SEEN] = now
            session.set_expiry(device.idle_minutes * 60)
        return None

    def _signed_out(self, request):
        accepts_html = "text/html" in request.headers.get("Accept", "")
        if request.method == "GET" and accepts_html and request.center_device is not None:
            return redirect("devices:roster")
        # A form sent or a script's request: say so, never redirect (a script would take the
        # roster page for a success).
        return render(request, "devices/signed_out.html", status=401)
