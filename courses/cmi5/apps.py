from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Cmi5Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses.cmi5"
    label = "cmi5"
    verbose_name = _("cmi5 courses")

    def ready(self):
        # In ready(): signals imports models, importable only once the app registry is ready. It also
        # imports services, which makes the AU's one-time credential a scheme of the statement store's
        # auth; signals makes an AU satisfied per its moveOn a requirement of the lesson that holds it.
        from courses.cmi5 import signals  # noqa: F401
