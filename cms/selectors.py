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


def learners_for(*, viewer, center_id: int | None = None):
    """Accounts a facilitator may help (password reset, consent): members of their centers."""
    from django.contrib.auth import get_user_model

    from labs.selectors import centers_for

    centers = centers_for(viewer)
    if center_id is not None:
        centers = centers.filter(pk=center_id)
    return get_user_model().objects.filter(home_center__in=centers, is_active=True, is_superuser=False)


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
