"""App configs owned by cms: the project app itself and Wagtail's user admin with Sangkat's fields."""

from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class CmsConfig(AppConfig):
    default = True  # this module also holds the Wagtail users config below
    name = "cms"
    verbose_name = "Sangkat site and accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # In ready(): receivers imports models, importable only once the app registry is ready.
        from cms import receivers

        receivers.connect(self)



class SangkatUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "cms.viewsets.SangkatUserViewSet"
