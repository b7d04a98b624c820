"""Admin: H5P activities as snippets (add = upload or import a .h5p), listed under Courses."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.h5p.forms import H5PPackageForm
from courses.h5p.models import H5PPackage


class H5PPackageViewSet(SnippetViewSet):
    model = H5PPackage
    icon = "pick"
    menu_label = _("H5P activities")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "main_library", "uploaded_at", "uploaded_by"]
    search_fields = ["title", "main_library"]
    edit_handler = ObjectList(
        [FieldPanel("package_file"), FieldPanel("package_url"), FieldPanel("title")],
        base_form_class=H5PPackageForm,
    )


register_snippet(H5PPackageViewSet)
