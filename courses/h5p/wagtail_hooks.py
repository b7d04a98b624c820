"""Admin: H5P activities as snippets (add = upload or import a .h5p), listed under Courses, and
the shared libraries' page where a newer version is applied on purpose."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.h5p import admin_views, selectors, services
from courses.h5p.forms import H5PPackageForm
from courses.h5p.models import H5PPackage


class InstallStatusPanel(Panel):
    """Read-only: where the background install of a package stands, and why it failed."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "h5p/admin/install_status.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["waiting_upgrades"] = selectors.upgrades_brought_with(package=self.instance)
            return context


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


@hooks.register("register_admin_urls")
def h5p_library_urls():
    return [
        path("h5p/libraries/", admin_views.libraries, name="h5p_libraries"),
        path("h5p/libraries/upgrades/<int:upgrade_id>/", admin_views.upgrade, name="h5p_library_upgrade"),
    ]


class LibraryMenuItem(MenuItem):
    def is_shown(self, request):
        return services.may_upgrade_libraries(request.user)


@hooks.register("register_admin_menu_item")
def h5p_libraries_menu_item():
    return LibraryMenuItem(_("H5P libraries"), reverse_lazy("h5p_libraries"), icon_name="code", order=211)


@hooks.register("register_permissions")
def h5p_library_permissions():
    # Listed in Settings → Groups, so the city can give library upgrades to a group of its choice.
    return Permission.objects.filter(content_type__app_label="h5p", codename="upgrade_h5plibrary")
