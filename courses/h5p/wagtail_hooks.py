"""Admin: H5P activities as snippets (add = upload or import a .h5p), listed under Courses."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.h5p import selectors
from courses.h5p.forms import H5PPackageForm
from courses.h5p.models import H5PPackage


class InstallStatusPanel(Panel):
    """Read-only: where the background install of a package stands, and why it failed."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "h5p/admin/install_status.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)


class H5PPackageChooserViewSet(SnippetChooserViewSet):
    def get_object_list(self):
        # Lessons can only use packages that are installed.
        return selectors.choosable_packages()


class H5PPackageViewSet(SnippetViewSet):
    model = H5PPackage
    icon = "pick"
    menu_label = _("H5P activities")
    menu_order = 210
    add_to_admin_menu = True
    list_display = [
        "__str__", Column("status", label=_("status"), accessor=H5PPackage.status_summary),
        "main_library", "uploaded_at", "uploaded_by",
    ]
    list_filter = ["status"]
    search_fields = ["title", "main_library"]
    chooser_viewset_class = H5PPackageChooserViewSet
    edit_handler = ObjectList(
        [
            InstallStatusPanel(heading=_("Installation")),
            FieldPanel("package_file"), FieldPanel("package_url"), FieldPanel("title"),
        ],
        base_form_class=H5PPackageForm,
    )


register_snippet(H5PPackageViewSet)
