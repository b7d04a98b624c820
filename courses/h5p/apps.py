"""App config of the H5P packages and player (a sub-app of courses)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class H5PConfig(AppConfig):
    name = "courses.h5p"
    label = "h5p"
    verbose_name = _("H5P activities")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): these modules import models, importable only once the app registry is ready.
        from courses.h5p import checks, signals  # noqa: F401
