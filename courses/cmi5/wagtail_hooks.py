"""Admin: cmi5 courses as snippets (add = upload a zip), listed under the H5P activities."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from courses.cmi5 import selectors
from courses.cmi5.forms import Cmi5CourseForm
from courses.cmi5.models import Cmi5Course


class Cmi5CourseChooserViewSet(SnippetChooserViewSet):
    def get_object_list(self):
        return selectors.choosable_courses()


class Cmi5CourseViewSet(SnippetViewSet):
    model = Cmi5Course
    icon = "doc-full-inverse"
    menu_label = _("cmi5 courses")
    menu_order = 212
    add_to_admin_menu = True
    list_display = ["__str__", Column("status", label=_("status"), accessor=Cmi5Course.status_summary),
                    "uploaded_at", "uploaded_by"]
    list_filter = ["status"]
    search_fields = ["title"]
    chooser_viewset_class = Cmi5CourseChooserViewSet
    edit_handler = ObjectList([FieldPanel("course_file"), FieldPanel("title")], base_form_class=Cmi5CourseForm)


register_snippet(Cmi5CourseViewSet)
