from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamesConfig(AppConfig):
    name = "games"
    verbose_name = _("Points and badges")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): the models and the other apps' signals can be imported only once apps are loaded.
        from games import receivers

        receivers.connect_model_signals()
