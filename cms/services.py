"""Writes for accounts: sign-up, profile changes, staff password resets, language choice, audit log."""

import secrets
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cms.models import AuditAction, AuditEntry, Notification
from cms.notifications import configured_channels
from cms.ratelimit import hit
from cms.roles import ALL_ROLES, INNOVATION_UNIT, LEARNER, MODERATOR
from cms.selectors import can_help

# No 0/O, 1/l/I: temporary passwords are read aloud or copied from a screen at a center.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


@transaction.atomic
def take_signup_slot(*, address: str | None) -> bool:
    """Count one sign-up from this address in the current hour; False once the hour's limit is used."""
    from django.conf import settings

    return hit("signup", address or "unknown", window=3600) <= settings.SANGKAT_SIGNUPS_PER_ADDRESS_PER_HOUR


def register_learner(*, username: str, password: str, nickname: str, age_band: str,
                     display_name: str = "", phone: str | None = None, home_center=None,
                     preferred_language: str = "km", gender: str = ""):
    """Create a learner account. Inputs are already validated by the sign-up form."""
    User = get_user_model()
    user = User(
        username=username, nickname=nickname, display_name=display_name, phone=phone or None,
        home_center=home_center, preferred_language=preferred_language, age_band=age_band,
        gender=gender,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    learner_group, _created = Group.objects.get_or_create(name=LEARNER)
    user.groups.add(learner_group)
    return user


@transaction.atomic
def update_profile(*, user, **fields):
    allowed = {"nickname", "display_name", "phone", "home_center", "preferred_language", "gender", "age_band"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"{name} cannot be changed here")
        setattr(user, name, value)
    user.full_clean()
    user.save()
    return user


def temporary_password() -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(10))


def _helped_learner(*, actor, learner):
    """The learner's row, locked for this transaction, once `actor` is allowed to help her.

    Checked here and not only in the view: whoever calls the service, a facilitator acts only on
    plain learners of her centers (Innovation Unit staff: of any center), never on anyone with a
    role, `is_staff`, a permission or superuser rights (`cms.selectors.can_help`).
    """
    from django.core.exceptions import PermissionDenied

    locked = get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
    if locked is None or actor is None or not can_help(actor=actor, learner=locked):
        raise PermissionDenied("not a learner this person may help")
    return locked


@transaction.atomic
def reset_password_by_staff(*, actor, learner) -> str:
    """Give a learner a temporary password she must change at her next login; audited.

    Refused (PermissionDenied) before any password exists unless `actor` may help her, so no
    one is ever shown the password of someone with more rights than hers.
    """
    learner = _helped_learner(actor=actor, learner=learner)
    password = temporary_password()
    learner.set_password(password)
    learner.must_change_password = True
    learner.save(update_fields=["password", "must_change_password"])
    audit(actor=actor, action=AuditAction.PASSWORD_RESET, target=learner)
    return password


@transaction.atomic
def set_own_password(*, user, password: str) -> None:
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])


@transaction.atomic
def other_sign_in_chosen(*, user) -> None:
    """She chose another way to sign in than a password (labs.devices: her pictures or PIN, right after
    her login card): no longer sent to the password page. Her password, if she has one, is unchanged."""
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])


@transaction.atomic
def set_guardian_consent(*, actor, learner, given: bool) -> None:
    """Recorded by center staff once a parent or guardian has agreed (never by the minor); audited."""
    learner = _helped_learner(actor=actor, learner=learner)
    learner.guardian_consent = given
    learner.save(update_fields=["guardian_consent"])
    audit(actor=actor, action=AuditAction.GUARDIAN_CONSENT, target=learner, given=given)


def set_preferred_language(*, user, language: str) -> None:
    if user.is_authenticated and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def ensure_roles(**_kwargs) -> None:
    """Create the role groups and give Innovation Unit staff the Wagtail editing rights.

    Runs after every migrate; safe to repeat. Every role in `cms.roles.ALL_ROLES` gets its group,
    `women-space-moderator` included: it needs no rights of its own, since it only counts for
    people who also hold `moderator` (which carries the admin access).
    """
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}
    admin_access = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    if admin_access is None:
        return
    for name in (INNOVATION_UNIT, MODERATOR):
        groups[name].permissions.add(admin_access)
    staff = groups[INNOVATION_UNIT]
    root = Page.get_first_root_node()
    if root is not None:
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
            if permission:
                GroupPagePermission.objects.get_or_create(group=staff, page=root, permission=permission)
    collection = Collection.get_first_root_node()
    if collection is not None:
        for app, codenames in (("wagtailimages", ("add_image", "change_image", "choose_image")),
                               ("wagtaildocs", ("add_document", "change_document", "choose_document"))):
            for codename in codenames:
                permission = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
                if permission:
                    GroupCollectionPermission.objects.get_or_create(
                        group=staff, collection=collection, permission=permission
                    )
    # Each role's rights on the models the admin edits are set to exactly STAFF_MODEL_PERMISSIONS:
    # what is missing is added, a right on one of those models the table does not list is taken
    # away (so narrowing the table narrows existing databases on their next migrate).
    for name in ALL_ROLES:
        wanted = STAFF_MODEL_PERMISSIONS.get(name, {})
        owned = Permission.objects.filter(_model_q(MANAGED_MODELS))
        current = set(groups[name].permissions.filter(pk__in=owned).values_list("pk", flat=True))
        keep = set()
        for label, actions in wanted.items():
            app, model = label.split(".")
            keep |= set(Permission.objects.filter(
                content_type__app_label=app, content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions]).values_list("pk", flat=True))
        if keep - current:
            groups[name].permissions.add(*(keep - current))
        if current - keep:
            groups[name].permissions.remove(*(current - keep))


# The rights each role holds in Wagtail's admin, model by model (issue 16, joint 3). Innovation Unit
# staff keep the content the README gives them: H5P activities, SCORM packages, centers and sessions, the
# ambassador track, points and badges, Block by Block sites, learning-record clients (Snippets)
# and users. People's records are read, not edited, there: applications and certifications are
# decided on the review page (which issues the badge and audits), a badge given can only be
# revoked, and users are changed only below her rights (cms.viewsets). Moderators and
# facilitators work on the site's own pages: no model rights.
_ALL = ("add", "change", "delete", "view")
STAFF_MODEL_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "innovation-unit": {
        "h5p.h5ppackage": _ALL,
        "scorm.scormpackage": _ALL,
        "cmi5.cmi5course": _ALL,
        "labs.center": _ALL,
        "labs.session": ("add", "change", "view"),
        "ambassadors.tracksettings": ("change", "view"),
        "ambassadors.requiredcourse": _ALL,
        "ambassadors.application": ("view",),
        "ambassadors.certification": ("view",),
        "games.rule": _ALL,
        "games.gamelevel": _ALL,
        "games.badgedefinition": _ALL,
        "games.badgeaward": ("change", "view"),
        "minecraft.site": _ALL,
        "minecraft.blockcategory": _ALL,
        "xapi.lrsclient": ("add", "change", "view"),
        "cms.user": ("change", "view"),
    },
}
MANAGED_MODELS = tuple(sorted({label for table in STAFF_MODEL_PERMISSIONS.values() for label in table}))


def _model_q(labels):
    from django.db.models import Q

    q = Q(pk__in=[])
    for label in labels:
        app, model = label.split(".")
        q |= Q(content_type__app_label=app, content_type__model=model)
    return q


def notify(*, users, kind: str, title, body="", url="", params: dict | None = None) -> int:
    """Send a notification to each person, in their own language; returns how many were stored.

    `title` and `body` are lazily translated strings with optional %(name)s placeholders filled
    from `params`. `url` is a path, or a function of no arguments (say `lambda: reverse(...)`)
    called in each recipient's language so the stored link opens in it (/km/... for Khmer). The inbox rows are written in the caller's transaction; other channels
    (SMS, email) run only once it commits, so a rolled-back action notifies nobody.
    """
    from django.utils import translation

    params = params or {}
    rows = []
    for user in users:
        with translation.override(user.preferred_language or "en"):
            rows.append(Notification(
                user=user, kind=kind, title=(str(title) % params)[:200],
                body=str(body) % params if body else "", url=url() if callable(url) else url,
            ))
    created = Notification.objects.bulk_create(rows)
    channels = configured_channels()
    if channels and created:
        def deliver():
            for notification in created:
                for channel in channels:
                    try:
                        channel.send(user=notification.user, notification=notification)
                    except Exception:  # a provider outage must not lose the in-app notice
                        import logging

                        logging.getLogger("sangkat.notifications").exception("channel %s failed", channel.name)

        transaction.on_commit(deliver)
    return len(created)


def withdraw_notifications(*, user, url) -> int:
    """Delete this person's notifications that link to `url` (a function of no arguments, called in
    each of the site's languages as for notify): what she may no longer see leaves her inbox too."""
    from django.conf import settings
    from django.utils import translation

    links = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            links.add(url())
    deleted, _rows = Notification.objects.filter(user=user, url__in=links).delete()
    return deleted


def mark_notifications_read(*, user, ids: list[int] | None = None) -> int:
    from django.utils import timezone

    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


# --- audit log ---------------------------------------------------------------------------------

# Who is acting in this request (set by cms.middleware.AuditActorMiddleware): a user or a callable.
_current_actor: ContextVar = ContextVar("sangkat_audit_actor", default=None)


@contextmanager
def acting_as(actor):
    """Attribute audit entries written by signal receivers (role changes) to this actor."""
    token = _current_actor.set(actor)
    try:
        yield
    finally:
        _current_actor.reset(token)


def current_actor():
    actor = _current_actor.get()
    if callable(actor):
        actor = actor()
    return actor if actor is not None and actor.is_authenticated else None


def _label(target) -> str:
    if target is None:
        return ""
    if isinstance(target, get_user_model()):
        return target.get_username()
    return str(target)


def audit(*, actor, action: str, target=None, label: str | None = None, **details):
    """Record one staff act; call it inside the act's transaction so both stand or fall together.

    ``label`` replaces the target's name when that name must not be shown to all staff.
    """
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor.get_username() if actor is not None and actor.is_authenticated else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label if label is not None else _label(target))[:255],
        details=details,
    )


def record_role_change(*, sender, instance, action, reverse, model, pk_set, **_kwargs) -> None:
    """m2m_changed on User.groups: one entry per person and role given or taken away.

    Only changes made by a signed-in person are staff acts; a learner's own sign-up is not logged.
    """
    actor = current_actor()
    if actor is None:
        return
    if action == "pre_clear":
        instance._audit_cleared = set(
            (instance.user_set if reverse else instance.groups).values_list("pk", flat=True))
        return
    if action == "post_clear":
        pk_set, kind = getattr(instance, "_audit_cleared", set()), AuditAction.ROLE_REMOVE
    elif action in ("post_add", "post_remove"):
        kind = AuditAction.ROLE_ADD if action == "post_add" else AuditAction.ROLE_REMOVE
    else:
        return
    if not pk_set:
        return
    User = get_user_model()
    if reverse:  # group.user_set.add(...): the instance is the group
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    for user, group in pairs:
        audit(actor=actor, action=kind, target=user, role=group.name)
