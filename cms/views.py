"""Account pages: sign up, log in and out, profile, new password, language switch."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cms import services
from cms.auth import client_ip
from cms.forms import LoginForm, NewPasswordForm, ProfileForm, SignUpForm, lockout_message
from cms.selectors import inbox, service_health


def _in_language(path: str, language: str) -> str:
    """The same page in another language: /en/learn/ → /km/learn/; anything else → that language's home."""
    from urllib.parse import urlsplit

    # translate_url resolves the path in the active language: resolve it in the path's own.
    with translation.override(translation.get_language_from_path(urlsplit(path).path) or language):
        translated = translate_url(path, language)
    if translated == path and not path.startswith(f"/{language}/"):
        return f"/{language}/"
    return translated


def _safe_next(request) -> str:
    """The `next` link of a form or a query, if it stays on this site; otherwise empty."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: "abc" would be taken by redirect() for a URL name (a 500).
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return next_url
    return ""


def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        # A URL, never a view name: redirect("abc") would try to reverse "abc" (a 500).
        return HttpResponseRedirect(next_url or "/")
    form = SignUpForm(request.POST or None)
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid() and not services.take_signup_slot(address=client_ip(request)):
        form.add_error(None, _("Too many new accounts from this place in the last hour. Please wait a little, "
                               "or ask a facilitator to help."))
        return render(request, "cms/signup.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.register_learner(
            username=data["username"], password=data["password1"], nickname=data["nickname"],
            display_name=data["display_name"], phone=data["phone"], home_center=data["home_center"],
            preferred_language=data["preferred_language"], age_band=data["age_band"], gender=data["gender"],
        )
        login(request, user, backend="cms.auth.UsernameOrPhoneBackend")
        # The welcome is written in the language she chose on the form, the one the next page is in.
        with translation.override(user.preferred_language):
            messages.success(request, _("Welcome to Sangkat, %(name)s! Pick a course to start.")
                             % {"name": user.nickname})
        # From the check-in QR, `next` is the session's check-in page: she lands there, in her language.
        return _redirect_in_language(request, next_url or "/", user.preferred_language)
    return render(request, "cms/signup.html", context)


class LoginView(auth_views.LoginView):
    template_name = "cms/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.must_change_password:
            target = _in_language(reverse("choose_password"), user.preferred_language)
            next_url = response.url if response.url != resolve_url(settings.LOGIN_REDIRECT_URL) else ""
            return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
        return _redirect_in_language(self.request, response.url, user.preferred_language)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the login form already says why, with 429."""
    from django.http import HttpResponse

    if original_response is None or original_response.status_code != 200:
        return HttpResponse(lockout_message(request), status=429, content_type="text/plain; charset=utf-8")
    original_response.status_code = 429
    return original_response


def _redirect_in_language(request, path: str, language: str):
    target = _in_language(path, language)  # resolved in the current language, then switched
    translation.activate(language)
    response = HttpResponseRedirect(target)
    response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("Your profile is saved."))
        return _redirect_in_language(request, request.path, request.user.preferred_language)
    return render(request, "cms/profile.html", {"form": form})


@login_required
def choose_password(request):
    form = NewPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_own_password(user=request.user, password=form.cleaned_data["password1"])
        update_session_auth_hash(request, request.user)
        language = request.user.preferred_language
        with translation.override(language):
            messages.success(request, _("Your new password is saved."))
        return _redirect_in_language(request, _safe_next(request) or "/", language)
    return render(request, "cms/choose_password.html", {"form": form, "next": _safe_next(request)})


def set_language(request):
    """Switch language with a plain link (no JavaScript, no form) and remember it on the profile.

    A GET on purpose: pages for anonymous visitors then carry no CSRF token and can be shared
    from the cache. The only effect is the language preference.
    """
    data = request.POST if request.method == "POST" else request.GET
    language = data.get("language", "")
    if language not in dict(translation.trans_real.get_languages()):
        messages.error(request, _("That language is not available."))
        return redirect("/")
    next_url = data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    services.set_preferred_language(user=request.user, language=language)
    return _redirect_in_language(request, next_url, language)


@login_required
def notifications(request):
    if request.method == "POST":
        services.mark_notifications_read(user=request.user)
        return redirect("notifications")
    items = inbox(user=request.user)
    return render(request, "cms/notifications.html", {"items": items})


def health(request):
    """For load balancers and monitoring: 200 when the database and the cache answer, else 503."""
    from django.http import JsonResponse

    checks = service_health()
    return JsonResponse(checks, status=200 if all(checks.values()) else 503)
