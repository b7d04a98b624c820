"""Personal data, the core: the registry, the account's own sections, the export and the deletion of one
person (the apps' collectors, erasers and exclusions live in <app>/privacy.py).

Every app contributes a *collector* (reads the person's own rows, never other people's names) and,
where deletion must change its rows, an *eraser*. They are plain functions in a small registry:

    @register_collector("games", covers=["games.Event.user", ...])
    def collect_games(user) -> dict | list: ...

    @register_eraser("games")
    def erase_games(user, *, on_commit) -> None: ...

`covers` names every user foreign key ("app_label.Model.field") the collector reads; fields that
are not personal data of the person they point to (a staff member who reviewed something) go in
the app's `exclude({...})` with the reason (excluded() reads them all). tests/privacy checks that
every user foreign key of Sangkat's own apps is in one or the other, so a new model cannot be
forgotten. Each app keeps its collector, eraser and exclusions in its own `<app>/privacy.py` (with
the `label=` its section has in the export's README): `collectors()` and the deletion import those
modules (like Django's admin autodiscovery), so this module, the core, imports no feature app.
Here: the registry, the account's own sections, the export and the deletion.
What deletion removes and what it keeps anonymised is recorded in docs/decisions.md.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.models import (
    DELETED_USERNAME_PREFIX,
    AuditAction,
    AuditEntry,
    DeletionRequest,
    DeletionStatus,
    Notification,
)
from cms.roles import INNOVATION_UNIT, has_role
from cms.services import audit, notify

# --- The registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collector:
    name: str
    fn: Callable
    covers: tuple[str, ...]
    label: str = ""


_COLLECTORS: dict[str, Collector] = {}
_ERASERS: dict[str, Callable] = {}
_FIRST_PARTY = ("cms", "courses", "games", "ambassadors", "labs")

# User foreign keys that are not the pointed-to person's own data, with the reason: the core's here,
# each app's added by exclude() in its <app>/privacy.py (read them through excluded()).
EXCLUDED: dict[str, str] = {
    "cms.DeletionRequest.handled_by": "staff fulfilling someone else's request",
    "cms.AuditEntry.actor": "audit trail of staff acts on others, kept for accountability",
}


def register_collector(name: str, *, covers: tuple[str, ...] | list[str] = (), label=""):
    """Register `fn(user)` returning JSON-ready data for the section `name` of the export."""

    def decorator(fn):
        _COLLECTORS[name] = Collector(name=name, fn=fn, covers=tuple(covers), label=label)
        return fn

    return decorator


def exclude(fields: dict[str, str]) -> None:
    """Name user foreign keys of an app that are not the pointed-to person's own data, each with the reason."""
    EXCLUDED.update(fields)


def excluded() -> dict[str, str]:
    _discover()
    return dict(EXCLUDED)


def register_eraser(name: str):
    """Register `fn(user, *, on_commit)` run, in order, inside the deletion transaction."""

    def decorator(fn):
        _ERASERS[name] = fn
        return fn

    return decorator


_discovered = False


def _discover() -> None:
    """Import `<app>.privacy` of each of Sangkat's own apps (cms.privacy is this module)."""
    global _discovered
    if _discovered:
        return
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    # Only Sangkat's own apps: a third-party package may have a module called `privacy` too.
    for config in apps.get_app_configs():
        if config.name.split(".")[0] in _FIRST_PARTY and config.name != "cms":
            if find_spec(f"{config.name}.privacy") is not None:
                import_module(f"{config.name}.privacy")
    _discovered = True


def collectors() -> list[Collector]:
    _discover()
    return [_COLLECTORS[name] for name in sorted(_COLLECTORS)]


def covered_fields() -> set[str]:
    return {field for collector in collectors() for field in collector.covers}


def user_foreign_keys() -> list[str]:
    """Every "app_label.Model.field" of Sangkat's own apps that points at the user model."""
    from django.apps import apps

    User = get_user_model()
    found = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in _FIRST_PARTY:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if (field.auto_created and not field.concrete) or field.model is not model:
                    continue  # reverse relations; fields inherited from a page base (Wagtail's owner)
                if field.is_relation and field.related_model is User:
                    found.append(f"{model._meta.app_label}.{model.__name__}.{field.name}")
    return sorted(found)


# --- Small helpers ---------------------------------------------------------------------------------


def rows(queryset, *fields: str) -> list[dict]:
    return [dict(row) for row in queryset.values(*fields)]


# --- Collectors --------------------------------------------------------------------------------------


@register_collector("account", covers=["cms.DeletionRequest.user"])
def collect_account(user) -> dict:
    return {
        "username": user.username,
        "nickname": user.nickname,
        "full_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "age_band": user.age_band,
        "guardian_consent": user.guardian_consent,
        "gender": user.gender,
        "preferred_language": user.preferred_language,
        "home_center": user.home_center.name if user.home_center_id else None,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "deletion_requests": rows(
            DeletionRequest.objects.filter(user=user).order_by("requested_at"), "status", "requested_at",
            "handled_at",
        ),
    }


@register_collector("site_editing")
def collect_site_editing(user) -> dict:
    """What Wagtail's admin links to the person (editors): pages they own, versions they saved, files
    they uploaded. Wagtail's own models, so outside the check of Sangkat's user foreign keys."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, Revision

    return {
        "pages_owned": rows(Page.objects.filter(owner=user).order_by("path"), "title", "url_path", "first_published_at"),
        "versions_saved": rows(Revision.objects.filter(user=user).order_by("created_at"), "object_str", "created_at"),
        "images_uploaded": rows(get_image_model().objects.filter(uploaded_by_user=user).order_by("created_at"),
                                 "title", "created_at"),
        "documents_uploaded": rows(get_document_model().objects.filter(uploaded_by_user=user).order_by("created_at"),
                                    "title", "created_at"),
    }


@register_collector("notifications", covers=["cms.Notification.user"])
def collect_notifications(user) -> list:
    return rows(Notification.objects.filter(user=user).order_by("created_at"),
                 "kind", "title", "body", "url", "created_at", "read_at")


# --- Export ------------------------------------------------------------------------------------------


def readme_text(user) -> str:
    """The README.txt of the export, in the active language."""
    lines = [
        _("Your data from Sangkat"),
        "",
        _("Account: %(username)s. Made on %(date)s.") % {
            "username": user.username, "date": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        "",
        _("Each .json file is one part of what Sangkat keeps about you:"),
    ]
    for collector in collectors():
        lines.append(f"- {collector.name}.json: {collector.label or SECTION_LABELS.get(collector.name, collector.name)}")
    lines += [
        "",
        _("Things you share with others (a Minecraft team, a proposal's comments) are included only "
          "as far as they are yours: other people's names and messages are left out."),
        _("To ask for your account to be deleted, open the “Your data” page on Sangkat."),
    ]
    return "\n".join(str(line) for line in lines) + "\n"


# The sections of the core; each app gives its own with register_collector(label=...).
SECTION_LABELS = {
    "account": gettext_lazy("your profile and account"),
    "notifications": gettext_lazy("the messages Sangkat sent you"),
    "site_editing": gettext_lazy("pages, versions, images and documents you worked on in the editors' admin"),
}


def export_sections(user) -> Iterator[tuple[str, object]]:
    """(section name, data) for each collector, read one at a time."""
    for collector in collectors():
        yield collector.name, collector.fn(user)


class _Sink:
    """A write-only file for zipfile: it keeps what was written until the stream takes it."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def export_zip_stream(user, *, readme: str) -> Iterator[bytes]:
    """The export as a ZIP, produced section by section (zipfile writes to a non-seekable sink)."""
    sink = _Sink()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def entry(name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = 0o600 << 16  # readable by the person who unpacks it only
            return info

        archive.writestr(entry("README.txt"), readme.encode(), zipfile.ZIP_DEFLATED)
        yield sink.take()
        for name, data in export_sections(user):
            text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            archive.writestr(entry(f"{name}.json"), text.encode(), zipfile.ZIP_DEFLATED)
            yield sink.take()
    yield sink.take()


# --- Deletion requests -------------------------------------------------------------------------------


class DeletionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def pending_request_for(user) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).first()


def pending_requests():
    return DeletionRequest.objects.filter(status=DeletionStatus.PENDING).select_related("user", "user__home_center")


@transaction.atomic
def request_deletion(*, user) -> DeletionRequest:
    """The person asks for their account to be deleted; Innovation Unit staff are told. Asking twice is
    the same request."""
    from django.urls import reverse

    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    existing = pending_request_for(user)
    if existing is not None:
        return existing
    request = DeletionRequest.objects.create(user=user)
    staff = get_user_model().objects.filter(groups__name=INNOVATION_UNIT, is_active=True).distinct()
    notify(users=list(staff), kind="account-deletion-requested",
           title=gettext_lazy("Someone asked for their account to be deleted"),
           body=gettext_lazy("Account %(username)s. Please handle it within 30 days."),
           url=lambda: reverse("privacy_requests"), params={"username": user.username})
    return request


@transaction.atomic
def cancel_deletion(*, user) -> bool:
    return bool(DeletionRequest.objects.filter(user=user, status=DeletionStatus.PENDING).update(
        status=DeletionStatus.CANCELLED, handled_at=timezone.now()))


@transaction.atomic
def fulfil_deletion(*, request_id: int, by) -> DeletionRequest:
    """Anonymise the account of a pending request, all in one transaction (see docs/decisions.md)."""
    if not has_role(by, INNOVATION_UNIT):
        raise DeletionError(_("Only Innovation Unit staff can delete accounts."))
    request = DeletionRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != DeletionStatus.PENDING:
        raise DeletionError(_("This request was already handled."))
    user = get_user_model().objects.select_for_update().get(pk=request.user_id)
    files: list = []
    _discover()
    for eraser in _ERASERS.values():
        eraser(user, on_commit=files.append)
    _scrub_account(user)
    # The log keeps what staff did, not who it was done to: earlier entries lose the person's name.
    AuditEntry.objects.filter(target_type=user._meta.label_lower, target_id=str(user.pk)).update(
        target_label=f"#{user.pk}")
    audit(actor=by, action=AuditAction.ACCOUNT_DELETE, target=user, label=f"#{user.pk}")
    request.status = DeletionStatus.DONE
    request.handled_by = by
    request.handled_at = timezone.now()
    request.save(update_fields=["status", "handled_by", "handled_at"])

    def delete_files():
        for file in files:
            try:
                file.storage.delete(file.name)
            except OSError:  # the row no longer points at it; a left-over file is not worth failing for
                pass

    transaction.on_commit(delete_files)
    return request


def _scrub_account(user) -> None:
    user.username = f"{DELETED_USERNAME_PREFIX}{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.display_name = user.nickname = ""
    user.phone = None
    user.age_band = ""
    user.gender = ""
    user.guardian_consent = False
    user.home_center = None
    user.is_active = user.is_staff = user.is_superuser = False
    user.must_change_password = False
    user.last_login = None
    user.set_unusable_password()  # also ends every session: the session hash no longer matches
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def deleted_label() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Deleted user"))


# --- Erasers: run in this order, before the account itself is scrubbed -------------------------------


@register_eraser("notifications")
def erase_notifications(user, *, on_commit) -> None:
    Notification.objects.filter(user=user).delete()
