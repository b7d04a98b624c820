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
        from django.db.models.signals import post_delete, post_save

        from courses.xapi import progress  # noqa: F401
        from courses.xapi.models import LRSClient
        from courses.xapi.services import forget_checked_clients

        # A client switched off, deleted or given other scopes stops working at once in this process.
        post_save.connect(forget_checked_clients, sender=LRSClient, dispatch_uid="xapi.forget_clients")
        post_delete.connect(forget_checked_clients, sender=LRSClient, dispatch_uid="xapi.forget_clients_deleted")
