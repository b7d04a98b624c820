from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamesConfig(AppConfig):
    name = "games"
    verbose_name = _("Points and badges")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from games import receivers  # noqa: F401
        from games.models import BadgeDefinition, Rule
        from games.services import forget_definitions

        for model in (Rule, BadgeDefinition):
            post_save.connect(forget_definitions, sender=model, dispatch_uid=f"games.forget.{model.__name__}.save")
            post_delete.connect(forget_definitions, sender=model, dispatch_uid=f"games.forget.{model.__name__}.del")
