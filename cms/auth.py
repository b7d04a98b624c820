"""Log in with a username or a phone number (many learners have no email address).

Loading the logged-in user also loads their role flags and unread-notification count in the
same query: every page's header needs them, and a query each would be two more per page.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from cms.phones import normalize_phone
from cms.roles import ALL_ROLES

_user_sql: str | None = None


def _user_with_header_data_sql() -> str:
    """One SELECT for the user, a flag per role and the unread-notification count.

    Built once per process from the models' metadata: compiling the same query with the ORM on
    every request cost 6 ms, more than running it.
    """
    global _user_sql
    if _user_sql is None:
        from django.contrib.auth.models import Group
        from django.db import connection

        from cms.models import Notification

        quote = connection.ops.quote_name
        User = get_user_model()
        through = User.groups.through._meta
        role_flags = ", ".join(
            f"EXISTS (SELECT 1 FROM {quote(through.db_table)} ug"
            f" JOIN {quote(Group._meta.db_table)} g ON g.id = ug.{quote(through.get_field('group').column)}"
            f" WHERE ug.{quote(through.get_field('user').column)} = u.id AND g.name = %s) AS _role_{index}"
            for index in range(len(ALL_ROLES))
        )
        _user_sql = (
            f"SELECT u.*, {role_flags},"
            f" (SELECT COUNT(*) FROM {quote(Notification._meta.db_table)} n"
            f" WHERE n.user_id = u.id AND n.read_at IS NULL) AS _unread_notifications"
            f" FROM {quote(User._meta.db_table)} u WHERE u.id = %s"
        )
    return _user_sql


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            phone = normalize_phone(username)
            if phone:
                user = User.objects.filter(phone=phone).first()
        if user is None:
            # Spend the same time as a real check, so timing does not reveal who has an account.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = next(iter(User._default_manager.raw(_user_with_header_data_sql(), [*ALL_ROLES, user_id])), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        user._sangkat_roles = {role for index, role in enumerate(ALL_ROLES) if getattr(user, f"_role_{index}")}
        return user


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins over HTTP only (tests and commands pass no request)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        # It authenticates no one itself, but Django's test client (force_login) files sessions
        # under the first backend listed: load their users as the real backend does.
        return UsernameOrPhoneBackend().get_user(user_id)


def throttle_username(request, credentials) -> str | None:
    """Count failures per account, however its name is typed ("Dara", "dara ")."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if username else username


def client_ip(request) -> str | None:
    """The visitor's address: behind N trusted proxies, the Nth address from the right of X-Forwarded-For."""
    count = settings.SANGKAT_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
