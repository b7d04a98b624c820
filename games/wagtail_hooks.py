"""Staff edit point rules, levels and badges, and revoke badges, in Wagtail's admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from games.forms import BadgeAwardAdminForm
from games.models import BadgeAward, BadgeDefinition, GameLevel, Rule


class RuleViewSet(SnippetViewSet):
    model = Rule
    icon = "pick"
    menu_label = _("Points rules")
    list_display = ["kind", "points", "active"]
    list_filter = ["kind", "active"]


class LevelViewSet(SnippetViewSet):
    model = GameLevel
    icon = "order"
    menu_label = _("Levels")
    list_display = ["min_points", "name_en", "name_km"]


class BadgeViewSet(SnippetViewSet):
    model = BadgeDefinition
    icon = "pick"
    menu_label = _("Badges")
    list_display = ["name_en", "name_km", "criterion", "level", "active"]
    list_filter = ["criterion", "active"]
    search_fields = ["name_en", "name_km", "slug"]


class BadgeAwardViewSet(SnippetViewSet):
    model = BadgeAward
    icon = "tick"
    menu_label = _("Badges given")
    list_display = ["badge", "user", "issued_at", "revoked_at"]
    list_filter = ["badge"]
    search_fields = ["user__username", "user__nickname"]
    add_to_admin_menu = False
    panels = [FieldPanel("revocation_reason")]

    def get_form_class(self, for_update=False):
        return BadgeAwardAdminForm


class GamesGroup(SnippetViewSetGroup):
    items = (RuleViewSet, LevelViewSet, BadgeViewSet, BadgeAwardViewSet)
    menu_icon = "pick"
    menu_label = _("Points and badges")
    menu_order = 230


register_snippet(GamesGroup)
