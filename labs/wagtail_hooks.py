"""Centers and sessions are edited by Innovation Unit staff in Wagtail's admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from labs.models import Center, Session


class CenterViewSet(SnippetViewSet):
    model = Center
    icon = "site"
    menu_label = _("Centers")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "name_km", "neighborhood", "capacity", "pcs"]
    search_fields = ["name", "name_km", "neighborhood"]


class SessionViewSet(SnippetViewSet):
    model = Session
    icon = "date"
    menu_label = _("Sessions")
    menu_order = 211
    add_to_admin_menu = True
    list_display = ["title", "center", "starts_at", "kind", "audience", "capacity"]
    list_filter = ["center", "kind", "audience"]
    search_fields = ["title"]
    panels = [
        FieldPanel("center"), FieldPanel("kind"), FieldPanel("title"), FieldPanel("description"),
        FieldPanel("starts_at"), FieldPanel("ends_at"), FieldPanel("capacity"), FieldPanel("audience"),
        FieldPanel("course_key"), FieldPanel("lesson_key"), FieldPanel("workshop"), FieldPanel("lead"),
        FieldPanel("facilitators"), FieldPanel("ambassadors"),
    ]


register_snippet(CenterViewSet)
register_snippet(SessionViewSet)
