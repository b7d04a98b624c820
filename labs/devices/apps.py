from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "labs.devices"
    label = "devices"
    verbose_name = _("Center devices and picture sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): hooks imports models, importable only once the app registry is ready.
        from labs.devices import hooks

        hooks.connect()
