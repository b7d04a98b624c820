"""Pages of center devices: facilitators register devices and set picture passwords; learners sign in on them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import learners_for
from labs.classes.selectors import class_for, sign_in_kind_for
from labs.selectors import centers_for

from . import selectors, services
from .forms import PicturePasswordForm, RegisterDeviceForm
from .middleware import CLEAR_SITE_DATA, begin_device_session
from .models import PictureKind
from .pictures import PICTURES, SEQUENCE_LENGTH, grid

COOKIE_MAX_AGE = 400 * 24 * 60 * 60  # the longest browsers keep a cookie


# --- facilitators ---------------------------------------------------------------------------------

def _require_center_staff(user):
    if not has_role(user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied


def _center_or_404(request, center_id: int):
    _require_center_staff(request.user)
    center = centers_for(request.user).filter(pk=center_id).first()
    if center is None:
        raise Http404(_("This center is not available."))
    return center


@login_required
def center_devices(request, center_id: int):
    center = _center_or_404(request, center_id)
    form = RegisterDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.register_device(actor=request.user, center=center, **form.cleaned_data)
        except services.DeviceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("This browser is now %(device)s, a device of %(center)s.")
                             % {"device": device.name, "center": center.local_name})
            response = redirect("devices:center_devices", center_id=center.pk)
            response.set_cookie(selectors.cookie_name(), selectors.cookie_value(device), max_age=COOKIE_MAX_AGE,
                                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
            return response
    return render(request, "devices/center_devices.html", {
        "center": center, "form": form, "devices": selectors.devices_of(center),
        "this_device": request.center_device,
    })


@login_required
@require_POST
def revoke_device(request, center_id: int, device_id: int):
    center = _center_or_404(request, center_id)
    device = selectors.device_of(viewer=request.user, center=center, device_id=device_id)
    if device is None:
        raise Http404(_("This device is not one of this center's."))
    services.revoke_device(actor=request.user, device=device)
    messages.success(request, _("%(device)s is revoked: it can no longer be used for picture sign-in.")
                     % {"device": device.name})
    return redirect("devices:center_devices", center_id=center.pk)


def _learner_or_404(request, center_id: int, learner_id: int):
    _require_center_staff(request.user)
    center = _center_or_404(request, center_id)
    learner = learners_for(viewer=request.user, center_id=center.pk).filter(pk=learner_id).first()
    if learner is None:
        raise Http404(_("This learner is not in your centers."))
    return center, learner


@login_required
def learner_picture_password(request, center_id: int, learner_id: int):
    center, learner = _learner_or_404(request, center_id, learner_id)
    klass = _back_to_class(request, center)
    # The facilitator chooses per class (labs.classes): the form starts on her class's kind.
    form = PicturePasswordForm(request.POST or None, kind=selectors.default_kind(learner=learner, center=center))
    if request.method == "POST" and form.is_valid():
        services.set_picture_password(actor=request.user, learner=learner, kind=form.cleaned_data["kind"],
                                      value=form.cleaned_data["value"], hint=form.cleaned_data["hint"],
                                      center=center)
        messages.success(request, _("%(name)s can now sign in on this center's devices.") % {"name": learner.nickname})
        if klass is not None:
            return redirect("devices:class_pictures", class_id=klass.pk)
        return redirect("devices:learner_picture_password", center_id=center.pk, learner_id=learner.pk)
    return render(request, "devices/picture_password.html", {
        "center": center, "learner": learner, "form": form, "pictures": grid(), "klass": klass,
        "credential": selectors.picture_password_of(learner),
    })


def _back_to_class(request, center):
    """The class page this form was opened from (?class=), if the viewer may see it and it is at `center`."""

    klass = class_for(viewer=request.user, class_id=request.GET.get("class"))
    return klass if klass is not None and klass.center_id == center.pk else None


@login_required
def class_pictures(request, class_id: int):
    """The picture passwords of one class: who has one, who is locked; each links to her form."""

    _require_center_staff(request.user)
    klass = class_for(viewer=request.user, class_id=class_id)
    if klass is None:
        raise Http404(_("No such class."))
    return render(request, "devices/class_pictures.html", {
        "klass": klass, "rows": selectors.class_pictures(klass=klass)})


@login_required
@require_POST
def unlock_picture_password(request, center_id: int, learner_id: int):
    center, learner = _learner_or_404(request, center_id, learner_id)
    services.unlock_picture_password(actor=request.user, learner=learner)
    messages.success(request, _("%(name)s can sign in with pictures again.") % {"name": learner.nickname})
    return redirect("devices:learner_picture_password", center_id=center.pk, learner_id=learner.pk)


@login_required
@require_POST
def remove_picture_password(request, center_id: int, learner_id: int):
    center, learner = _learner_or_404(request, center_id, learner_id)
    services.remove_picture_password(actor=request.user, learner=learner)
    messages.success(request, _("%(name)s's picture password is removed.") % {"name": learner.nickname})
    return redirect("devices:learner_picture_password", center_id=center.pk, learner_id=learner.pk)


def help_page(request):
    return render(request, "devices/help.html", {"tries": services.max_tries()})


# --- a learner right after her login card -------------------------------------------------------------

@login_required
def choose_own(request):
    """After a login card of a picture or PIN class: she chooses her three pictures (a tap per request, as
    on the sign-in page) or her PIN; then she goes on learning. A password stays optional."""
    if not selectors.may_choose_own(request):
        raise Http404(_("There is nothing to choose here."))

    user = request.user
    kind = sign_in_kind_for(learner=user, center=user.home_center)
    kind = kind if kind in PictureKind.values else PictureKind.PICTURES
    picks: list[str] = []
    error = ""
    if request.method == "POST":
        value = None
        if kind == PictureKind.PICTURES:
            picks = [p for p in (request.POST.get("picks") or "").split(",") if p in PICTURES][:SEQUENCE_LENGTH]
            pick = request.POST.get("pick", "")
            if pick in PICTURES and len(picks) < SEQUENCE_LENGTH:
                picks.append(pick)
            if request.POST.get("save") and len(picks) == SEQUENCE_LENGTH:
                value = picks
        else:
            pin, again = (request.POST.get("pin") or "").strip()[:12], (request.POST.get("pin2") or "").strip()[:12]
            if pin != again:
                error = _("The two PINs are not the same. Type it again.")
            else:
                value = pin
        if value is not None:
            try:
                services.choose_own_picture_password(learner=user, kind=kind, value=value)
            except services.DeviceError as problem:
                error, picks = problem.message, []
            else:
                request.session.pop(selectors.AFTER_CARD, None)
                messages.success(request, _("Saved. At the center, find your name on the computer and use them "
                                            "to sign in."))
                return redirect("my_learning")
    chosen = [next(p for p in grid() if p["key"] == key) for key in picks]
    return render(request, "devices/choose_own.html", {
        "kind": kind, "pictures": grid(), "picks": ",".join(picks), "chosen": chosen,
        "full": len(picks) == SEQUENCE_LENGTH, "to_pick": range(SEQUENCE_LENGTH - len(picks)), "error": error,
    }, status=400 if error else 200)


# --- learners on a device -------------------------------------------------------------------------

def _device_or_refuse(request):
    """The device this browser is; a clear page otherwise (403 for a revoked or forged key, else 404)."""
    if request.center_device is not None:
        return request.center_device, None
    if request.center_device_refused:
        return None, render(request, "devices/not_a_device.html", {"revoked": True}, status=403)
    return None, render(request, "devices/not_a_device.html", {"revoked": False}, status=404)


def roster(request):
    device, refusal = _device_or_refuse(request)
    if refusal:
        return refusal
    data = selectors.roster(device=device, query=request.GET.get("q") or "",
                            everyone=request.GET.get("everyone") == "1", page=request.GET.get("page") or 1)
    return render(request, "devices/roster.html", {"device": device, **data})


def _picks(raw: str) -> list[str] | None:
    picks = [p for p in (raw or "").split(",") if p][:SEQUENCE_LENGTH + 1]
    return picks if all(p in PICTURES for p in picks) and len(picks) < SEQUENCE_LENGTH else None


def sign_in(request, learner_id: int):
    device, refusal = _device_or_refuse(request)
    if refusal:
        return refusal
    learner = selectors.roster_learner(device=device, learner_id=learner_id)
    if learner is None:
        # Not on this center's roster (another center's learner, a forged id): nothing to try.
        raise Http404(_("This learner is not on this center's list."))
    credential = learner.picture_password
    entry = selectors.roster_entry(learner)
    picks: list[str] = []
    error = ""
    status = 200
    if request.method == "POST":
        if credential.kind == PictureKind.PICTURES:
            picks = _picks(request.POST.get("picks", "")) or []
            pick = request.POST.get("pick", "")
            if pick in PICTURES:
                picks.append(pick)
            value = picks if len(picks) == SEQUENCE_LENGTH else None
        else:
            value = (request.POST.get("pin") or "").strip()[:12]
        if value is not None:
            result = services.sign_in(device=device, learner_id=learner.pk, kind=credential.kind, value=value)
            if result is None:
                raise Http404(_("This learner is not on this center's list."))
            if result.ok:
                if request.user.is_authenticated:
                    logout(request)
                login(request, result.user, backend="cms.auth.UsernameOrPhoneBackend")
                begin_device_session(request, device, pictures=True)
                return redirect(reverse("my_learning"))
            picks, status = [], 400
            error = _error_text(result, credential.kind)
            if result.error in ("locked", "device_paused"):
                status = 429 if result.error == "device_paused" else 423
    return render(request, "devices/sign_in.html", {
        "device": device, "learner": entry, "kind": credential.kind, "pictures": grid(),
        "picks": ",".join(picks), "picked": range(len(picks)), "to_pick": range(SEQUENCE_LENGTH - len(picks)),
        "error": error, "locked": entry.locked or status == 423,
    }, status=status)


def _error_text(result, kind: str) -> str:
    if result.error == "locked":
        return _("Your picture sign-in is locked after too many wrong tries. Your facilitator has been told "
                 "and can unlock it.")
    if result.error == "device_paused":
        return _("Too many wrong tries on this computer. Picture sign-in is paused for a while; please ask "
                 "your facilitator.")
    if kind == PictureKind.PIN:
        return _("This PIN is not right. Tries left: %(n)s.") % {"n": result.tries_left}
    return _("These are not your pictures. Tries left: %(n)s.") % {"n": result.tries_left}


@require_POST
def switch_learner(request):
    """"Not you? Switch learner": one tap signs out and clears what this browser keeps of her."""
    logout(request)
    messages.info(request, _("Signed out. The next learner can find her name."))
    response = redirect("devices:roster") if request.center_device is not None else redirect("/")
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


