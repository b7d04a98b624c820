"""Staff issue and switch off the credentials of outside learning record clients in Wagtail's admin."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from courses.xapi.models import LRSClient
from courses.xapi.services import create_client


class LRSClientCreateView(CreateView):
    """Creates the client and shows its secret on the answer page, once: only a hash is kept."""

    def save_instance(self):
        self.secret = create_client(client=self.form.instance)
        return self.form.instance

    def save_action(self):
        return TemplateResponse(self.request, "xapi/client_created.html", {
            "client": self.object, "secret": self.secret,
            "endpoint": self.request.build_absolute_uri("/xapi/"),
            "index_url": self.get_success_url(),
            "header_title": _("Client created"), "page_title": _("Client created"),
            "header_icon": "key",
        })


class LRSClientViewSet(SnippetViewSet):
    model = LRSClient
    icon = "key"
    menu_label = _("Learning record clients")
    menu_order = 800
    add_to_admin_menu = False
    add_view_class = LRSClientCreateView
    list_display = ["name", "key", "active", "may_write", "may_read_all", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "key"]


register_snippet(LRSClientViewSet)
