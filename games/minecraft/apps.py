"""Block by Block co-design: sites, Minecraft worlds, captured builds, renders and proposals."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from labs import hooks


class MinecraftConfig(AppConfig):
    name = "games.minecraft"
    label = "minecraft"
    verbose_name = _("Block by Block co-design")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Django's app loading: selectors use models, importable once the registry is ready.
        from games.minecraft.selectors import session_page_part

        hooks.add_to_session_page(session_page_part)
