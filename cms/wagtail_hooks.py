"""Wagtail's admin: the audit log (read-only, for Innovation Unit staff and superusers), and links
to the city's own pages (city desk, centers dashboard, moderation) for the roles they admit."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from cms.models import AuditEntry
from cms.roles import (
    FACILITATOR,
    INNOVATION_UNIT,
    MODERATOR,
    has_role,
    is_city_staff,
    is_women_space_moderator,
)


class AuditLogPermissionPolicy(BasePermissionPolicy):
    """Innovation Unit staff may read entries; nobody may add, change or delete one."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and is_city_staff(user)

    def users_with_any_permission(self, actions):
        User = get_user_model()
        if "view" not in actions:
            return User.objects.none()
        return User.objects.filter(Q(is_superuser=True) | Q(groups__name=INNOVATION_UNIT), is_active=True).distinct()


register_permission_policy(AuditEntry, AuditLogPermissionPolicy(AuditEntry))


def audit_details_visible(user, entry: AuditEntry) -> bool:
    """An entry about the women-and-girls space (marked `space: women` by the service that wrote it)
    shows its details (reasons, answer text, whom it is about) only to designated moderators."""
    if (entry.details or {}).get("space") != "women":
        return True
    return is_women_space_moderator(user)


class AuditEntryInspectView(InspectView):
    def _restricted(self) -> bool:
        return not audit_details_visible(self.request.user, self.object)

    def get_details_display_value(self):
        if self._restricted():
            return _("Only women and girls space moderators can read the details of this entry.")
        return self.object.details

    def get_target_id_display_value(self):
        return "—" if self._restricted() else self.object.target_id


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 900
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_class = AuditEntryInspectView
    copy_view_enabled = False
    list_display = ["at", "actor_label", "action", "target_label"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label"]
    inspect_view_fields = ["at", "actor_label", "action", "target_type", "target_id", "target_label", "details"]

    def get_urlpatterns(self):
        # Only the list and the detail page: entries are never created, edited or deleted here.
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # Nothing to grant through groups (the policy above decides). Wagtail's group form ORs
        # every hook's answer into one queryset: a list here made /admin/groups/new/ a 500.
        return Permission.objects.none()


@hooks.register("register_admin_viewset")
def register_audit_log_viewset():
    return AuditEntryViewSet("audit_log")


# --- the city's own pages, one click from Wagtail's admin ------------------------------------

class RoleMenuItem(MenuItem):
    """A link in the admin menu to a Sangkat page, shown only to the roles that page admits."""

    def __init__(self, label, url_name, roles, **kwargs):
        super().__init__(label, reverse_lazy(url_name), **kwargs)
        self.roles = roles

    def is_shown(self, request):
        return has_role(request.user, *self.roles)


@hooks.register("register_admin_menu_item")
def city_desk_menu_item():
    return RoleMenuItem(_("City desk: calls and proposals"), "participation:desk", [INNOVATION_UNIT],
                        icon_name="comment", order=310)


@hooks.register("register_admin_menu_item")
def centers_dashboard_menu_item():
    return RoleMenuItem(_("Centers dashboard"), "centers_dashboard", [INNOVATION_UNIT, FACILITATOR],
                        icon_name="table", order=320)


@hooks.register("register_admin_menu_item")
def moderation_menu_item():
    return RoleMenuItem(_("Moderation"), "participation:moderation", [MODERATOR], icon_name="warning", order=330)


# --- users: staff who are not superusers change one person at a time, below their own rights ----

@hooks.register("before_bulk_action")
def refuse_bulk_user_actions_below_superuser(request, action_type, objects, action_class_instance):
    # Wagtail's bulk actions on users (assign a role, deactivate, delete) check only the model
    # permission, not whom they touch: they would let staff give themselves or others any group.
    # The edit form (cms.viewsets) limits both; the bulk actions stay a superuser's tool.
    if getattr(action_class_instance, "model", None) is get_user_model() and not request.user.is_superuser:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
