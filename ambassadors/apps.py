from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmbassadorsConfig(AppConfig):
    name = "ambassadors"
    verbose_name = _("Digital City Ambassadors")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): receivers imports models, importable only once the app registry is ready.
        from ambassadors import receivers  # noqa: F401  (connects its receivers and answers labs.hooks)
