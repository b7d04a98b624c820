from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamesConfig(AppConfig):
    name = "games"
    verbose_name = _("Points, badges and co-design games")
    default_auto_field = "django.db.models.BigAutoField"
