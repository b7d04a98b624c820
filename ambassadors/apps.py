from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmbassadorsConfig(AppConfig):
    name = "ambassadors"
    verbose_name = _("Digital City Ambassadors")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): these modules import models, importable only once the app registry is ready.
        from ambassadors import receivers  # noqa: F401
        from ambassadors.selectors import center_ambassadors, is_certified
        from labs import hooks

        # labs sits below ambassadors: it asks through labs.hooks (docs/architecture.md).
        hooks.provide_ambassadors(is_certified=is_certified, center_ambassadors=center_ambassadors)
