"""Changes for center devices: register and revoke a device, set and check a learner's picture password."""

import time as _clock
from dataclasses import dataclass
from datetime import time

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import services as cms_services
from cms.models import AuditAction
from cms.selectors import can_help, plain_learners
from labs.classes.services import set_picture_hint

from .models import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, CenterDevice, PictureKind, PicturePassword
from .pictures import PICTURES, SEQUENCE_LENGTH
from .selectors import may_manage_devices, roster_learner


class DeviceError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def max_tries() -> int:
    """Wrong picture passwords in a row before the learner's picture sign-in locks."""
    return getattr(settings, "SANGKAT_PICTURE_MAX_TRIES", 5)


def device_limit() -> tuple[int, int]:
    """Wrong tries on one device (any learner) per window of seconds before it pauses picture sign-in."""
    return getattr(settings, "SANGKAT_DEVICE_MAX_FAILURES", 15), getattr(settings, "SANGKAT_DEVICE_WINDOW", 15 * 60)


# PINs anyone would try first: refused when a facilitator sets one.
_OBVIOUS_PINS = {"1234", "12345", "123456", "4321", "654321", "1212", "2580", "0852", "1122"}


# --- devices --------------------------------------------------------------------------------------

@transaction.atomic
def register_device(*, actor, center, name: str, idle_minutes: int = 15, closing_time: time | None = None
                    ) -> CenterDevice:
    if not may_manage_devices(actor, center):
        raise PermissionDenied("not a facilitator of this center")
    name = name.strip()[:60]
    if not name:
        raise DeviceError(_("Give the device a name."))
    if not MIN_IDLE_MINUTES <= idle_minutes <= MAX_IDLE_MINUTES:
        raise DeviceError(_("Minutes without activity must be between %(low)s and %(high)s.")
                          % {"low": MIN_IDLE_MINUTES, "high": MAX_IDLE_MINUTES})
    device = CenterDevice(center=center, name=name, idle_minutes=idle_minutes, closing_time=closing_time,
                          registered_by=actor)
    device.full_clean()
    device.save()
    cms_services.audit(actor=actor, action=AuditAction.DEVICE_REGISTER, target=device,
                       center=center.pk, idle_minutes=idle_minutes)
    return device


@transaction.atomic
def revoke_device(*, actor, device: CenterDevice) -> None:
    """From now on the device's cookie is refused (wherever it was copied) and its picture sign-ins end."""
    device = CenterDevice.objects.select_for_update().get(pk=device.pk)
    if not may_manage_devices(actor, device.center):
        raise PermissionDenied("not a facilitator of this center")
    if device.revoked_at is not None:
        return
    device.revoked_at = timezone.now()
    device.revoked_by = actor
    device.save(update_fields=["revoked_at", "revoked_by"])
    cms_services.audit(actor=actor, action=AuditAction.DEVICE_REVOKE, target=device, center=device.center_id)


def touch_device(device: CenterDevice) -> None:
    """Remember when a device was last used, at most once a minute (no write per request)."""
    now = timezone.now()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
        CenterDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


# --- picture passwords ----------------------------------------------------------------------------

def _encode(kind: str, value) -> str:
    if kind == PictureKind.PICTURES:
        return "pictures:" + "-".join(value)
    return f"pin:{value}"


def clean_secret(kind: str, value) -> str | list[str]:
    """Validate a new picture password; DeviceError with the reason in the user's language."""
    if kind == PictureKind.PICTURES:
        if (not isinstance(value, (list, tuple)) or len(value) != SEQUENCE_LENGTH
                or any(v not in PICTURES for v in value)):
            raise DeviceError(_("Choose three pictures."))
        if len(set(value)) == 1:
            raise DeviceError(_("Choose at least two different pictures."))
        return list(value)
    if kind == PictureKind.PIN:
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or not 4 <= len(value) <= 6:
            raise DeviceError(_("A PIN has 4 to 6 digits."))
        if len(set(value)) == 1 or value in _OBVIOUS_PINS:
            raise DeviceError(_("This PIN is too easy to guess. Choose another one."))
        return value
    raise DeviceError(_("Choose pictures or a PIN."))


def _helped(actor, learner):
    """The learner locked for this transaction, once `actor` may help her (cms rules: plain learner of her centers)."""
    from django.contrib.auth import get_user_model


    locked = get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
    if locked is None or actor is None or not can_help(actor=actor, learner=locked):
        raise PermissionDenied("not a learner this person may help")
    return locked


def _picture_names() -> set[str]:
    """Every picture's key and name in every language, case-folded: what a hint may not contain."""
    from django.utils import translation

    names = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.update(str(name).casefold() for name in PICTURES.values())
    names.update(PICTURES)
    return names


def clean_hint(hint: str) -> str:
    """A card's hint is the facilitator's own words: it may not name a picture (in any language) nor hold a
    digit, so a lost card never gives a picture password or a PIN away, even in part."""
    hint = " ".join((hint or "").split())[:120]
    folded = hint.casefold()
    if any(ch.isdigit() for ch in hint) or any(name in folded for name in _picture_names()):
        raise DeviceError(_("A hint may not name a picture or hold a digit: a lost card would give it away. "
                            "Write something only she understands."))
    return hint


@transaction.atomic
def set_picture_password(*, actor, learner, kind: str, value, hint: str | None = None, center=None
                         ) -> PicturePassword:
    """Set or reset a learner's picture password or PIN (also unlocks it); audited, never the secret itself.

    `hint` (with `center`): the line printed on her next login card in her classes at that center
    (labs.classes); None leaves it as it is, "" clears it.
    """
    learner = _helped(actor, learner)
    value = clean_secret(kind, value)
    if hint is not None:
        hint = clean_hint(hint)
    existing = PicturePassword.objects.select_for_update().filter(user=learner).first()
    secret = make_password(_encode(kind, value))
    if existing is None:
        PicturePassword.objects.create(user=learner, kind=kind, secret=secret, set_by=actor)
        action = AuditAction.PICTURE_PASSWORD_SET
    else:
        existing.kind, existing.secret, existing.set_by = kind, secret, actor
        existing.failed_attempts, existing.locked_at, existing.set_at = 0, None, timezone.now()
        existing.save()
        action = AuditAction.PICTURE_PASSWORD_RESET
    if hint is not None and center is not None:

        set_picture_hint(by=actor, learner=learner, hint=hint, center=center)
    cms_services.audit(actor=actor, action=action, target=learner, kind=kind)
    return learner.picture_password


@transaction.atomic
def choose_own_picture_password(*, learner, kind: str, value) -> PicturePassword:
    """Right after her login card (the view checks selectors.may_choose_own), a learner of a picture or
    PIN class chooses her own; she is then no longer sent to choose a password. Audited as hers."""
    from django.contrib.auth import get_user_model


    learner = get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
    if learner is None or not plain_learners().filter(pk=learner.pk).exists():
        raise PermissionDenied("only a plain learner chooses her own picture password")
    value = clean_secret(kind, value)
    secret = make_password(_encode(kind, value))
    PicturePassword.objects.update_or_create(user=learner, defaults={
        "kind": kind, "secret": secret, "set_by": learner, "failed_attempts": 0, "locked_at": None,
        "set_at": timezone.now()})
    cms_services.other_sign_in_chosen(user=learner)
    cms_services.audit(actor=learner, action=AuditAction.PICTURE_PASSWORD_CHOOSE, target=learner, kind=kind)
    return PicturePassword.objects.get(user=learner)


@transaction.atomic
def unlock_picture_password(*, actor, learner) -> None:
    learner = _helped(actor, learner)
    updated = PicturePassword.objects.filter(user=learner).update(failed_attempts=0, locked_at=None)
    if updated:
        cms_services.audit(actor=actor, action=AuditAction.PICTURE_PASSWORD_UNLOCK, target=learner)


@transaction.atomic
def remove_picture_password(*, actor, learner) -> None:
    learner = _helped(actor, learner)
    deleted, _rows = PicturePassword.objects.filter(user=learner).delete()
    if deleted:
        cms_services.audit(actor=actor, action=AuditAction.PICTURE_PASSWORD_REMOVE, target=learner)


# --- signing in on a device -----------------------------------------------------------------------

@dataclass(frozen=True)
class SignInResult:
    user: object | None = None
    error: str = ""  # "wrong", "locked", "device_paused", "kind"
    tries_left: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def _facilitators_of(center):
    return list(center.facilitators.filter(is_active=True))


def _notify_facilitators(*, center, kind: str, title, body, params: dict, learner=None) -> None:
    url = (lambda: reverse("devices:learner_picture_password", args=[center.pk, learner.pk])) if learner else (
        lambda: reverse("devices:center_devices", args=[center.pk]))
    cms_services.notify(users=_facilitators_of(center), kind=kind, title=title, body=body, url=url, params=params)


def sign_in(*, device: CenterDevice, learner_id: int, kind: str, value) -> SignInResult | None:
    """Check a picture password typed on `device` for one learner of its center's roster.

    None when the learner is not on this device's roster (another center's, a forged id): the
    view answers 404 and nothing is counted. A wrong answer counts against the learner (locked after
    `max_tries()` in a row, her facilitators told) and against the device (paused for a while after
    `device_limit()` wrong answers, whoever they were for). A locked learner's answers are not even
    checked, so guessing on stops at the lock.
    """
    learner = roster_learner(device=device, learner_id=learner_id)
    if learner is None:
        return None
    limit, window = device_limit()
    if _device_failures(device, window) >= limit:
        return SignInResult(error="device_paused")
    with transaction.atomic():
        credential = PicturePassword.objects.select_for_update().filter(user=learner).first()
        if credential is None:
            return None
        if credential.is_locked:
            return SignInResult(error="locked")
        if kind == credential.kind and _valid_shape(kind, value) and check_password(
                _encode(kind, value), credential.secret):
            if credential.failed_attempts:
                PicturePassword.objects.filter(pk=credential.pk).update(failed_attempts=0)
            return SignInResult(user=learner)
        PicturePassword.objects.filter(pk=credential.pk).update(failed_attempts=F("failed_attempts") + 1)
        credential.refresh_from_db(fields=["failed_attempts"])
        left = max(0, max_tries() - credential.failed_attempts)
        if left == 0:
            credential.locked_at = timezone.now()
            credential.save(update_fields=["locked_at"])
            cms_services.audit(actor=None, action=AuditAction.PICTURE_PASSWORD_LOCK, target=learner,
                               device=device.pk, center=device.center_id)
            _notify_facilitators(
                center=device.center, kind="devices.picture_locked", learner=learner,
                title=_("%(name)s's picture sign-in is locked"),
                body=_("After %(tries)s wrong tries on %(device)s, %(name)s can no longer sign in with "
                       "pictures. Check that it was her, then unlock it or give her new pictures."),
                params={"name": learner.nickname, "tries": max_tries(), "device": device.name},
            )
    failures = _count_failure(device, window)
    if failures == limit:
        _notify_facilitators(
            center=device.center, kind="devices.device_paused",
            title=_("Many wrong picture passwords on %(device)s"),
            body=_("Picture sign-in on %(device)s is paused for a while after %(tries)s wrong tries. "
                   "Someone may be guessing."),
            params={"device": device.name, "tries": limit},
        )
    if left == 0:
        return SignInResult(error="locked")
    return SignInResult(error="wrong", tries_left=left)


def _failures_key(device, window: int) -> str:
    # A fixed window in Django's cache (Redis in production: every app server counts together).
    return f"devices:picture-failures:{device.pk}:{int(_clock.time()) // window}"


def _device_failures(device, window: int) -> int:
    return cache.get(_failures_key(device, window), 0)


def _count_failure(device, window: int) -> int:
    key = _failures_key(device, window)
    cache.add(key, 0, window + 30)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 30)
        return 1


def _valid_shape(kind: str, value) -> bool:
    try:
        if kind == PictureKind.PICTURES:
            return (isinstance(value, (list, tuple)) and len(value) == SEQUENCE_LENGTH
                    and all(v in PICTURES for v in value))
        return isinstance(value, str) and value.isascii() and value.isdigit() and 4 <= len(value) <= 6
    except TypeError:
        return False
