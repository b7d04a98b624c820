"""The xAPI statement store: app configuration (progress requirements are registered on start)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "courses.xapi"
    label = "xapi"
    verbose_name = _("Learning records (xAPI)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready() (progress imports models): registers the "finish the activity" lesson requirement.
        from courses.xapi import progress  # noqa: F401
