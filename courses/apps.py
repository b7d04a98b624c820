from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and learning progress")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Django's app loading: models and what uses them are imported once the registry is ready.
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Locale

        from cms.selectors import add_to_home
        from courses.selectors import forget_locales, home_context

        post_save.connect(forget_locales, sender=Locale, dispatch_uid="sangkat-forget-locales")
        post_delete.connect(forget_locales, sender=Locale, dispatch_uid="sangkat-forget-locales-delete")
        add_to_home(home_context)
