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
from labs.selectors import centers_for

from .models import CenterDevice, PicturePassword

COOKIE_SALT = "labs.devices.cookie"
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


def current_session(center, *, now=None):
    """The session at this center happening now (the one that started last), or None."""
    from labs.models import Session

    now = now or timezone.now()
    return (Session.objects.filter(center=center, cancelled_at__isnull=True,
                                   starts_at__lte=now + SESSION_EARLY, ends_at__gte=now)
            .order_by("-starts_at").first())


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
    """A small page of the roster, searched on the server (slow phones), by default the session now."""
    learners = roster_learners(device.center)
    session = current_session(device.center, now=now)
    filtered = session is not None and not everyone
    if filtered:
        from labs.models import Attendance, Registration, RegistrationStatus

        came = Attendance.objects.filter(session=session, user__isnull=False).values("user_id")
        booked = Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).values("user_id")
        learners = learners.filter(Q(pk__in=came) | Q(pk__in=booked))
    query = query.strip()[:40]
    if query:
        learners = learners.filter(nickname__icontains=query)
    paginator = Paginator(learners.order_by("nickname", "pk"), ROSTER_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    return {
        "entries": [roster_entry(u) for u in page_obj.object_list],
        "page": page_obj,
        "session": session,
        "filtered": filtered,
        "query": query,
    }


def picture_password_of(user) -> PicturePassword | None:
    return PicturePassword.objects.filter(user=user).first()
