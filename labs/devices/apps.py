from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "labs.devices"
    label = "devices"
    verbose_name = _("Center devices and picture sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # devices depends on classes, never the other way: classes asks these hooks (labs/classes/hooks.py).
        from cms.middleware import allow_during_password_change
        from labs.classes import hooks

        from .hooks import class_links, url_after_card

        hooks.register(after_card=url_after_card, class_links=class_links)
        # After a card, a learner of a picture or PIN class chooses them instead of a password.
        allow_during_password_change("devices:choose_own")
