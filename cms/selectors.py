"""Reads for the site shell: the home page's blocks and what the header shows."""

from dataclasses import dataclass

from cms.home import add_to_home, home_context  # noqa: F401  (cms.selectors.<name> still works)
from cms.models import Notification
from cms.phones import normalize_phone
from cms.roles import FACILITATOR, INNOVATION_UNIT, MODERATOR, PLAIN_ROLES, has_role, is_city_staff


def navigation_flags(*, user) -> dict:
    return {
        "can_facilitate": has_role(user, FACILITATOR, INNOVATION_UNIT),
        # The roles that get Wagtail admin access (cms.services.ensure_roles); read from the
        # role names already loaded for this request rather than a permission query.
        "can_edit_content": has_role(user, INNOVATION_UNIT, MODERATOR),
        "is_city_staff": has_role(user, INNOVATION_UNIT),
        "can_moderate": has_role(user, MODERATOR),
    }


def plain_learners():
    """Active accounts with no rights over anyone: see `cms.roles.PLAIN_ROLES`.

    Not a superuser, not `is_staff`, no permission given to the person directly, and no group
    but the plain roles (so Innovation Unit staff, moderators, facilitators and Wagtail's own
    editor groups are all left out).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    return (
        get_user_model().objects.filter(is_active=True, is_superuser=False, is_staff=False)
        .exclude(groups__in=Group.objects.exclude(name__in=PLAIN_ROLES))
        .exclude(user_permissions__isnull=False)
    )


def centers_for(user):
    """The centers whose learners this person may see: all for city staff, their own otherwise.
    Centers are reached through the user model's own home_center relation (labs.Center), so
    the core that needs this rule (learners_for) and courses below labs use it without labs."""
    from django.contrib.auth import get_user_model

    Center = get_user_model()._meta.get_field("home_center").related_model
    if is_city_staff(user):
        return Center.objects.all()
    if not user.is_authenticated:
        return Center.objects.none()
    return Center.objects.filter(facilitators=user)


def learners_for(*, viewer, center_id: int | None = None):
    """Accounts this person may help (new password, guardian consent): plain learners whose home
    center is one of hers (every center for Innovation Unit staff); none for anyone else."""
    if not has_role(viewer, FACILITATOR, INNOVATION_UNIT):
        return plain_learners().none()
    centers = centers_for(viewer)
    if center_id is not None:
        centers = centers.filter(pk=center_id)
    return plain_learners().filter(home_center__in=centers)


def can_help(*, actor, learner) -> bool:
    """Whether `actor` may reset `learner`'s password or record her guardian's consent."""
    return learners_for(viewer=actor).filter(pk=learner.pk).exists()


def unread_notification_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    preloaded = getattr(user, "_unread_notifications", None)  # see cms.auth.get_user
    if preloaded is not None:
        return preloaded
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox(*, user, limit: int = 50):
    return list(Notification.objects.filter(user=user)[:limit])


def service_health() -> dict[str, bool]:
    """Whether the database and the cache answer right now."""
    import uuid

    from django.core.cache import cache
    from django.db import connection

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone() == (1,)
    except Exception:
        checks["database"] = False
    try:
        probe = uuid.uuid4().hex
        cache.set("sangkat:health", probe, 10)
        checks["cache"] = cache.get("sangkat:health") == probe
    except Exception:
        checks["cache"] = False
    return checks


# --- Finding a person by what was typed ---------------------------------------------------------

# Longer than any username (150) or phone number: anything longer means no one.
_MAX_TYPED = 150


@dataclass(frozen=True)
class PersonMatch:
    """Whom a typed username or phone number reaches.

    `person` is set only when the text reaches exactly one account. `shared_phone` is the E.164
    form of a typed phone number that several accounts share (siblings, a mother and her
    daughter): then no one is picked, and the caller asks for the username instead.
    """

    person: object | None = None
    shared_phone: str | None = None
    candidates: tuple = ()

    def problem(self) -> str:
        """What to tell the staff member who typed it, when it reaches no one account."""
        from django.utils.translation import gettext

        if self.shared_phone:
            return gettext("Several accounts use this phone number. Type the username of the "
                           "person you mean.")
        if self.candidates:
            return gettext("Several accounts have this username in different capitals. "
                           "Type it exactly.")
        return gettext("No account has this username or phone number.")


def people_named(typed: str, *, among=None):
    """Everyone a typed name can mean: the username in any case, or the phone number in any form.

    The one rule for every search of a person (login, walk-in linking, Block by Block teams,
    staff help): "012 345 678", "012345678", "+855 12 345 678", "855-12-345-678" all reach the
    account stored with +85512345678, and "DARA" reaches "dara". `among` narrows the search to a
    queryset of users (those a viewer may see); all users by default.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    users = among if among is not None else get_user_model().objects.all()
    typed = (typed or "").strip()
    if not typed or len(typed) > _MAX_TYPED or "\x00" in typed:  # PostgreSQL refuses NUL in text
        return users.none()
    condition = Q(username__iexact=typed)
    phone = normalize_phone(typed)
    if phone:
        condition |= Q(phone=phone)
    return users.filter(condition)


def person_named(typed: str, *, among=None) -> PersonMatch:
    """The one account a typed username or phone number reaches, if there is exactly one.

    A username wins over a phone number (sign-up refuses usernames that are phone numbers): the
    exact username first, then the username in any case when only one account has it. A phone
    number reaches an account only when no other account has it; when several share it, the
    match says so (`shared_phone`) and picks no one, so no sibling is ever taken for another.
    """
    from django.contrib.auth import get_user_model

    users = among if among is not None else get_user_model().objects.all()
    typed = (typed or "").strip()
    if not typed or len(typed) > _MAX_TYPED:
        return PersonMatch()
    by_name = list(users.filter(username__iexact=typed).order_by("pk")[:_MATCHES_LOOKED_AT])
    exact = [user for user in by_name if user.username == typed]
    if exact:
        return PersonMatch(person=exact[0])
    if len(by_name) == 1:
        return PersonMatch(person=by_name[0])
    if by_name:
        return PersonMatch(candidates=tuple(by_name))
    phone = normalize_phone(typed)
    if not phone:
        return PersonMatch()
    by_phone = list(users.filter(phone=phone).order_by("pk")[:_MATCHES_LOOKED_AT])
    if len(by_phone) == 1:
        return PersonMatch(person=by_phone[0])
    if by_phone:
        return PersonMatch(shared_phone=phone, candidates=tuple(by_phone))
    return PersonMatch()


# How many accounts one typed name is matched against at most: a family shares a phone among a
# few people; the login checks a password against each of them, so this bounds the work.
_MATCHES_LOOKED_AT = 6
