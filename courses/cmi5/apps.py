from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Cmi5Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses.cmi5"
    label = "cmi5"
    verbose_name = _("cmi5 courses")

    def ready(self):
        # The AU's one-time credential is a scheme of the statement store's auth, and an AU
        # satisfied per its moveOn is a requirement of the lesson that holds it.
        from courses.cmi5 import services, signals  # noqa: F401
