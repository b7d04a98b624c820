"""Wagtail's user admin, with Sangkat's profile fields on the create and edit forms, and limited to
people with fewer rights for staff who are not superusers."""

from django.contrib.auth.models import Group
from django.db.models import Q
from wagtail.users.views import users as wagtail_users
from wagtail.users.views.users import UserViewSet

from cms.forms import WagtailUserCreationForm, WagtailUserEditForm
from cms.roles import (
    AMBASSADOR,
    FACILITATOR,
    LEARNER,
    MODERATOR,
    WOMEN_SPACE_MODERATOR,
)

# The roles a staff member who is not a superuser may give or take away: those below her own.
GRANTABLE_ROLES = (LEARNER, AMBASSADOR, FACILITATOR, MODERATOR, WOMEN_SPACE_MODERATOR)


def people_below(user, queryset):
    """The accounts `user` may see and change here: all for a superuser; else people with fewer
    rights than hers (no superuser, no Innovation Unit staff, no holder of another admin group)."""
    if user.is_superuser:
        return queryset
    return queryset.exclude(
        Q(is_superuser=True) | Q(groups__in=Group.objects.exclude(name__in=GRANTABLE_ROLES))
    ).distinct()


class _PeopleBelow:
    def get_queryset(self):
        # Someone above her is a 404, the same as someone who does not exist.
        return people_below(self.request.user, super().get_queryset())


class IndexView(wagtail_users.IndexView):
    def get_base_queryset(self):
        return people_below(self.request.user, super().get_base_queryset())


class StaffUserEditForm(WagtailUserEditForm):
    """The edit form for staff who are not superusers: profile and the roles below theirs.

    Passwords are reset on the center's learners page (audited, and the person must choose a new
    one); making a superuser or switching an account off stays with superusers.
    """

    password_enabled = False  # Wagtail then leaves out both password fields and never reads them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_superuser", "is_active"):
            self.fields.pop(name, None)
        if "groups" in self.fields:
            self.fields["groups"].queryset = Group.objects.filter(name__in=GRANTABLE_ROLES)


class EditView(_PeopleBelow, wagtail_users.EditView):
    def get_form_class(self):
        return super().get_form_class() if self.request.user.is_superuser else StaffUserEditForm


class DeleteView(_PeopleBelow, wagtail_users.DeleteView):
    pass


class HistoryView(_PeopleBelow, wagtail_users.HistoryView):
    pass


class SangkatUserViewSet(UserViewSet):
    index_view_class = IndexView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView

    def get_form_class(self, for_update=False):
        return WagtailUserEditForm if for_update else WagtailUserCreationForm
