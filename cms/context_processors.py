from django.utils.functional import SimpleLazyObject

from cms.selectors import navigation_flags, unread_notification_count


def sangkat(request):
    return {
        "nav": SimpleLazyObject(lambda: navigation_flags(user=request.user)),
        # Counted only when a template shows it.
        "unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user=request.user)),
    }
