from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from courses.groups import register_learner_groups


class ClassesConfig(AppConfig):
    name = "labs.classes"
    label = "classes"
    verbose_name = _("Classes and login cards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): selectors imports models, importable only once the app registry is ready.
        from labs.classes.selectors import learner_groups

        # The facilitator's progress report (courses) filters by class without importing classes.
        register_learner_groups(learner_groups)
