"""Wagtail's user admin, with Sangkat's profile fields on the create and edit forms."""

from wagtail.users.views.users import UserViewSet

from cms.forms import WagtailUserCreationForm, WagtailUserEditForm


class SangkatUserViewSet(UserViewSet):
    def get_form_class(self, for_update=False):
        return WagtailUserEditForm if for_update else WagtailUserCreationForm
