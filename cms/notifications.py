"""Delivery channels for notifications besides the in-app inbox (SMS, email).

A center plugs in a provider by naming a class in settings.SANGKAT_NOTIFICATION_CHANNELS.
A channel gets the saved Notification and the recipient and sends it; it must not raise for
a person it cannot reach (no phone, no email), just skip them.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("sangkat.notifications")


class Channel:
    name = "base"

    def send(self, *, user, notification) -> bool:
        raise NotImplementedError


class ConsoleSMSChannel(Channel):
    """Writes the SMS it would send to the log: the development stand-in for an SMS gateway."""

    name = "sms-console"

    def send(self, *, user, notification) -> bool:
        if not user.phone:
            return False
        text = notification.title if not notification.body else f"{notification.title}: {notification.body}"
        logger.warning("SMS to %s: %s", user.phone, text[:300])
        return True


class EmailChannel(Channel):
    """Sends through Django's email backend (the console backend in development)."""

    name = "email"

    def send(self, *, user, notification) -> bool:
        if not user.email:
            return False
        send_mail(notification.title, notification.body or notification.title,
                  settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
        return True


def configured_channels() -> list[Channel]:
    return [import_string(path)() for path in getattr(settings, "SANGKAT_NOTIFICATION_CHANNELS", [])]
