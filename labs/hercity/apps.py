from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HerCityConfig(AppConfig):
    name = "labs.hercity"
    label = "hercity"
    verbose_name = _("Her City workshops")
    default_auto_field = "django.db.models.BigAutoField"
