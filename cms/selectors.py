"""Reads for the site shell: the home page's blocks and what the header shows."""

from cms.roles import FACILITATOR, INNOVATION_UNIT, MODERATOR, has_role


def home_context(*, user, home) -> dict:
    from courses.selectors import continue_learning, course_cards

    cards = course_cards(user=user)
    return {
        "continue_point": continue_learning(user=user, cards=cards),
        "course_cards": cards,
    }


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

    from cms.roles import PLAIN_ROLES

    return (
        get_user_model().objects.filter(is_active=True, is_superuser=False, is_staff=False)
        .exclude(groups__in=Group.objects.exclude(name__in=PLAIN_ROLES))
        .exclude(user_permissions__isnull=False)
    )


def learners_for(*, viewer, center_id: int | None = None):
    """Accounts this person may help (new password, guardian consent): plain learners whose home
    center is one of hers (every center for Innovation Unit staff); none for anyone else."""
    from labs.selectors import centers_for

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
    from cms.models import Notification

    if not user.is_authenticated:
        return 0
    preloaded = getattr(user, "_unread_notifications", None)  # see cms.auth.get_user
    if preloaded is not None:
        return preloaded
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox(*, user, limit: int = 50):
    from cms.models import Notification

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
