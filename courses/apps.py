from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and learning progress")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): receivers imports models, importable only once the app registry is ready.
        from courses import receivers

        receivers.connect()
