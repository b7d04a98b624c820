"""Reads for center devices: the device a cookie names, a center's devices, the roster of a device."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils import timezone

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import plain_learners
from labs.classes.selectors import (
    classes_of_sessions,
    learner_ids_of_classes_at,
    members,
    sign_in_kind_for,
)
from labs.models import Attendance, Registration, RegistrationStatus, Session
from labs.selectors import centers_for

from .models import CenterDevice, PictureKind, PicturePassword

COOKIE_SALT = "labs.devices.cookie"
# Session key: set when a login card of a picture or PIN class has just signed this learner in.
AFTER_CARD = "devices.after_card"
ROSTER_PAGE_SIZE = 12
# A session counts as "happening now" from a little before it starts until it ends.
SESSION_EARLY = timedelta(minutes=30)


def cookie_name() -> str:
    return getattr(settings, "SANGKAT_DEVICE_COOKIE", "sangkat_device")


def cookie_value(device: CenterDevice) -> str:
    """The signed cookie for a device: only its random key, bound to nothing fragile (no address, no browser)."""
    return signing.dumps(str(device.key), salt=COOKIE_SALT, compress=False)


@dataclass(frozen=True)
class DeviceLookup:
    device: CenterDevice | None
    refused: bool  # a cookie was sent but is forged, unknown or revoked


def device_from_cookie(value: str | None) -> DeviceLookup:
    if not value:
        return DeviceLookup(None, False)
    try:
        key = signing.loads(value[:200], salt=COOKIE_SALT)
    except signing.BadSignature:
        return DeviceLookup(None, True)
    device = (CenterDevice.objects.select_related("center").filter(key=key, revoked_at__isnull=True).first()
              if isinstance(key, str) and len(key) == 36 else None)
    if device is None:
        return DeviceLookup(None, True)
    return DeviceLookup(device, False)


def may_manage_devices(user, center) -> bool:
    """Facilitators of the center and Innovation Unit staff."""
    return has_role(user, FACILITATOR, INNOVATION_UNIT) and centers_for(user).filter(pk=center.pk).exists()


def devices_of(center):
    return CenterDevice.objects.filter(center=center).select_related("registered_by", "revoked_by")


def device_of(*, viewer, center, device_id: int) -> CenterDevice | None:
    if not may_manage_devices(viewer, center):
        return None
    return devices_of(center).filter(pk=device_id).first()


def sessions_now(center, *, now=None) -> list:
    """The sessions at this center happening now (from a little before they start until they end), the
    one that started last first: several rooms may hold one at the same time."""

    now = now or timezone.now()
    return list(Session.objects.filter(center=center, cancelled_at__isnull=True,
                                       starts_at__lte=now + SESSION_EARLY, ends_at__gte=now)
                .order_by("-starts_at", "pk"))


def current_session(center, *, now=None):
    """The session at this center happening now (the one that started last), or None."""
    sessions = sessions_now(center, now=now)
    return sessions[0] if sessions else None


def roster_learners(center):
    """Learners who can sign in with pictures on this center's devices: its plain learners with one set."""
    return (plain_learners().filter(home_center=center, picture_password__isnull=False)
            .select_related("picture_password"))


def roster_learner(*, device: CenterDevice, learner_id: int):
    """One learner of the device's center roster; None for anyone else (another center's, a forged id)."""
    return roster_learners(device.center).filter(pk=learner_id).first()


@dataclass
class RosterEntry:
    pk: int
    nickname: str
    initial: str
    colour: int  # 0..7, the avatar's background
    locked: bool


def roster_entry(user) -> RosterEntry:
    # Nickname only, for everyone: a shared screen never shows a full name, username or age, and
    # minors' rosters show nicknames only (issue 18). The avatar is drawn from the nickname.
    nickname = user.nickname or "?"
    return RosterEntry(pk=user.pk, nickname=nickname, initial=nickname[:1].upper(), colour=user.pk % 8,
                       locked=user.picture_password.is_locked)


def roster(*, device: CenterDevice, query: str = "", everyone: bool = False, page: str | int = 1, now=None) -> dict:
    """A small page of the roster, searched on the server (slow phones).

    By default, while sessions are happening at the center, only their learners: those registered or
    marked present, and every member of a class whose roster was given to one of them (labs.classes),
    including who joined the class since. "Show everyone" lists the whole center.
    """

    learners = roster_learners(device.center)
    sessions = sessions_now(device.center, now=now)
    filtered = bool(sessions) and not everyone
    classes = []
    if sessions:
        session_ids = [s.pk for s in sessions]
        classes = classes_of_sessions(session_ids=session_ids)
    if filtered:

        came = Attendance.objects.filter(session_id__in=session_ids, user__isnull=False).values("user_id")
        booked = Registration.objects.filter(session_id__in=session_ids,
                                             status=RegistrationStatus.REGISTERED).values("user_id")
        in_class = learner_ids_of_classes_at(session_ids=session_ids)
        learners = learners.filter(Q(pk__in=came) | Q(pk__in=booked) | Q(pk__in=in_class))
    query = query.strip()[:40]
    if query:
        learners = learners.filter(nickname__icontains=query)
    paginator = Paginator(learners.order_by("nickname", "pk"), ROSTER_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    return {
        "entries": [roster_entry(u) for u in page_obj.object_list],
        "page": page_obj,
        "session": sessions[0] if sessions else None,
        "sessions": sessions,
        "classes": classes,
        "filtered": filtered,
        "query": query,
    }


def picture_password_of(user) -> PicturePassword | None:
    return PicturePassword.objects.filter(user=user).first()


def default_kind(*, learner, center) -> str:
    """What the facilitator's picture-password form offers first: the kind of her class at this center
    (labs.classes: the facilitator chooses per class), else pictures."""

    kind = sign_in_kind_for(learner=learner, center=center)
    return kind if kind in PictureKind.values else PictureKind.PICTURES


def class_pictures(*, klass) -> list[dict]:
    """The learners of a class with the state of their picture password (for the class's pictures page)."""

    rows = members(klass=klass)
    credentials = {c.user_id: c for c in PicturePassword.objects.filter(
        user_id__in=[r.membership.learner_id for r in rows])}
    return [{"learner": r.membership.learner, "hint": r.membership.picture_hint,
             "credential": credentials.get(r.membership.learner_id)} for r in rows]


def may_choose_own(request) -> bool:
    """A learner may choose her own pictures or PIN only where she may choose a password without the old
    one: right after a login card (or a staff reset), never in a session begun with pictures."""

    user = request.user
    return (user.is_authenticated and user.must_change_password and not request.session.get("devices.pictures")
            and request.session.get(AFTER_CARD) == user.pk
            and user.home_center_id is not None and plain_learners().filter(pk=user.pk).exists())
