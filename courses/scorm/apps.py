"""App config of SCORM 1.2 and SCORM 2004 packages and their runtime data (a sub-app of courses)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScormConfig(AppConfig):
    name = "courses.scorm"
    label = "scorm"
    verbose_name = _("SCORM packages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): signals imports models, importable only once the app registry is ready.
        from courses.scorm import signals  # noqa: F401
