"""Admin: SCORM packages as snippets (add = upload a zip, checked at once, installed in the
background), listed beside H5P activities; what the player does not do is said at upload."""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.scorm import selectors
from courses.scorm.forms import ScormPackageForm
from courses.scorm.models import ScormPackage


class InstallStatusPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "scorm/admin/install_status.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)


class ScormPackageChooserViewSet(SnippetChooserViewSet):
    def get_object_list(self):
        return selectors.choosable_packages()


class ScormPackageViewSet(SnippetViewSet):
    model = ScormPackage
    icon = "doc-full"
    menu_label = gettext_lazy("SCORM packages")
    menu_order = 212
    add_to_admin_menu = True
    list_display = [
        "__str__", Column("status", label=gettext_lazy("status"), accessor=ScormPackage.status_summary),
        "version", "uploaded_at", "uploaded_by",
    ]
    list_filter = ["status", "version"]
    search_fields = ["title"]
    chooser_viewset_class = ScormPackageChooserViewSet
    edit_handler = ObjectList(
        [InstallStatusPanel(heading=gettext_lazy("Installation")), FieldPanel("package_file"), FieldPanel("title")],
        base_form_class=ScormPackageForm,
    )


register_snippet(ScormPackageViewSet)


@hooks.register("after_create_snippet")
def say_what_is_not_supported(request, instance):
    """Right after the upload, not when a learner meets it: what the player will not do."""
    if isinstance(instance, ScormPackage) and instance.unsupported:
        messages.warning(request, _("Note about “%(title)s”: %(notes)s")
                         % {"title": instance, "notes": " ".join(instance.unsupported)})
