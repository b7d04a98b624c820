from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "labs.classes"
    label = "classes"
    verbose_name = _("Classes and login cards")
    default_auto_field = "django.db.models.BigAutoField"
