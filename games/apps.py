from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GamesConfig(AppConfig):
    name = "games"
    verbose_name = _("Points and badges")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from games import receivers  # noqa: F401
        from games.models import BadgeDefinition, Preferences, Rule
        from games.receivers import _listing_may_change
        from games.services import forget_definitions

        for model in (get_user_model(), Preferences):
            post_save.connect(_listing_may_change, sender=model, dispatch_uid=f"games.listing.{model.__name__}.save")
            post_delete.connect(_listing_may_change, sender=model, dispatch_uid=f"games.listing.{model.__name__}.del")
        for model in (Rule, BadgeDefinition):
            post_save.connect(forget_definitions, sender=model, dispatch_uid=f"games.forget.{model.__name__}.save")
            post_delete.connect(forget_definitions, sender=model, dispatch_uid=f"games.forget.{model.__name__}.del")
