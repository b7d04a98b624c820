"""Log in with a username or a phone number (many learners have no email address).

Loading the logged-in user also loads their unread-notification count in the same query, and
their role names from the cache (cms.rolecache): every page's header needs them.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from cms import rawsql, structure
from cms.models import Notification
from cms.phones import normalize_phone
from cms.rolecache import per_person_keys, roles_of
from cms.selectors import person_named

_user_sql: str | None = None
_user_columns: list[str] = []
_user_converters: list[tuple[int, object, list]] = []


def _user_with_header_data_sql() -> str:
    """One SELECT for the user and the unread-notification count (her roles: cms.rolecache).

    Built once per process from the models' metadata: compiling the same query with the ORM on
    every request cost 6 ms, more than running it. The columns are named, so the row becomes a
    user without a RawQuerySet (0.1 ms less per signed-in request); the values that need it are
    turned into what the ORM gives (dates are text on SQLite).
    """
    global _user_sql
    if _user_sql is None:
        quote = connection.ops.quote_name
        User = get_user_model()
        fields = User._meta.concrete_fields
        _user_columns[:] = [f.attname for f in fields]
        found = [(index, *rawsql.converters(field)) for index, field in enumerate(fields)]
        _user_converters[:] = [(index, column, converters) for index, column, converters in found if converters]
        _user_sql = (
            f"SELECT {', '.join('u.' + quote(f.column) for f in fields)},"
            f" (SELECT COUNT(*) FROM {quote(Notification._meta.db_table)} n"
            f" WHERE n.user_id = u.id AND n.read_at IS NULL)"
            f" FROM {quote(User._meta.db_table)} u WHERE u.id = %s"
        )
    return _user_sql


def _user_with_header_data(user_id: int):
    sql = _user_with_header_data_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[:-1])
    for index, column, converters in _user_converters:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    user = get_user_model().from_db(connection.alias, _user_columns, values)
    user._unread_notifications = row[-1]
    return user


def find_account(identifier: str):
    """The account a login name reaches, or None: `cms.selectors.person_named`, the one lookup.

    A username in any case, else a phone number in any form that only one account has.
    """
    return person_named(identifier).person


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        User = get_user_model()
        match = person_named(username)
        user = match.person
        if user is None:
            if match.shared_phone and request is not None and any(
                sibling.check_password(password) and self.user_can_authenticate(sibling)
                for sibling in match.candidates
            ):
                # The password is right for one of the accounts sharing this phone: ask for the
                # username. Never said without a right password, so a phone number alone does
                # not tell anyone that it is shared.
                request.sangkat_shared_phone = True
                return None
            if not match.shared_phone:
                # Spend the same time as a real check, so timing does not reveal who has an account.
                User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        if not 0 < user_id < 2**63:  # beyond any id the column holds: the database would refuse it
            return None
        user = _user_with_header_data(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        # The page structure's generation and the feature apps' per-person keys ride along
        # (cms.structure and rolecache.kept_with_roles read them from the user).
        user._sangkat_roles = roles_of(user, also=(structure.KEY, *per_person_keys(user.pk)))
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
    """The name failures are counted under: the account the login reaches, however it was typed.

    "Dara", " dara " and Dara's phone number as "012 345 678", "+855 12 345 678" or "85512345678"
    all count for her one account. A name that reaches no account is counted in one written form
    too (a phone number as E.164, anything else trimmed and lower case), so typing a number
    differently never buys more tries. A phone number several accounts share (a family phone)
    reaches no one account and so counts in its E.164 form too. Resolved once per request:
    django-axes asks several times.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if not username:
        return username
    memo = getattr(request, "_sangkat_throttle_names", None)
    if memo is None:
        memo = {}
        if request is not None:
            request._sangkat_throttle_names = memo
    if username not in memo:
        account = find_account(username)
        if account is not None:
            memo[username] = account.get_username().strip().lower()
        else:
            memo[username] = normalize_phone(username) or username.strip().lower()
    return memo[username]


def client_ip(request) -> str | None:
    """The visitor's address: behind N trusted proxies, the Nth address from the right of X-Forwarded-For.

    Only X-Forwarded-For is read (not Forwarded, not X-Real-IP), and only as many entries from the
    right as `SANGKAT_TRUSTED_PROXY_COUNT` says proxies append; docs/deploy.md says how to set it.
    A value there that is not an IP address (the header written by the client because fewer
    proxies append than configured) is ignored for the connection's own address. An IPv6 address
    stands for its /64 network: one subscriber or home gets a whole /64 and could otherwise give
    each login attempt a new address.
    """
    count = settings.SANGKAT_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        address = _counted_address(forwarded[-count])
        if address:
            return address
    return _counted_address(request.META.get("REMOTE_ADDR", "")) or request.META.get("REMOTE_ADDR")


def _counted_address(value: str) -> str | None:
    """The address as counted: IPv4 as is, IPv6 as its /64 network; None when it is not one."""
    import ipaddress

    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def address_failures(request) -> int:
    """Wrong passwords from this request's address, for any accounts, within the cool-off time."""
    from axes.attempts import get_cool_off_threshold
    from axes.models import AccessAttempt
    from django.db.models import Sum

    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    return AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request),
    ).aggregate(total=Sum("failures_since_start"))["total"] or 0


def _address_over_cap(request) -> bool:
    cap = settings.SANGKAT_LOGIN_FAILURES_PER_ADDRESS
    return bool(cap) and address_failures(request) >= cap


class SangkatAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler plus a cap per client address across all accounts.

    Axes pauses one account from one address after AXES_FAILURE_LIMIT wrong passwords; someone
    trying a few passwords on each of many accounts never reaches it. So after
    `SANGKAT_LOGIN_FAILURES_PER_ADDRESS` wrong passwords from one address (whatever the accounts)
    within the cool-off time, every login from that address is paused until they age out. The
    count is axes' own attempt records (one per account and address), so nothing else is stored.
    `request.sangkat_address_locked` tells the login form which message to show.
    """

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if _address_over_cap(request):
            request.sangkat_address_locked = True
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if _address_over_cap(request):
            request.sangkat_address_locked = True
            request.axes_locked_out = True
            request.axes_credentials = credentials
