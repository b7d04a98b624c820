"""The ambassador track's settings and required courses are chosen by staff in Wagtail's admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from ambassadors.models import Application, Certification, RequiredCourse, TrackSettings


class TrackSettingsViewSet(SnippetViewSet):
    model = TrackSettings
    icon = "cog"
    menu_label = _("Track settings")
    list_display = ["__str__", "practice_sessions_required", "certification_valid_days"]


class RequiredCourseViewSet(SnippetViewSet):
    model = RequiredCourse
    icon = "doc-full"
    menu_label = _("Required courses")
    list_display = ["__str__", "purpose", "sort_order"]
    panels = [PageChooserPanel("course", "courses.CoursePage"), FieldPanel("purpose"), FieldPanel("sort_order")]


class ApplicationViewSet(SnippetViewSet):
    model = Application
    icon = "user"
    menu_label = _("Applications")
    list_display = ["user", "center", "status", "created_at"]
    list_filter = ["status", "center"]
    inspect_view_enabled = True


class CertificationViewSet(SnippetViewSet):
    model = Certification
    icon = "success"
    menu_label = _("Certifications")
    list_display = ["user", "issued_at", "expires_at", "revoked_at"]
    inspect_view_enabled = True


class AmbassadorGroup(SnippetViewSetGroup):
    items = (TrackSettingsViewSet, RequiredCourseViewSet, ApplicationViewSet, CertificationViewSet)
    menu_icon = "group"
    menu_label = _("Ambassadors")
    menu_order = 220


register_snippet(AmbassadorGroup)
