"""Personal data: what Sangkat holds about one person (export) and how an account is deleted.

Every app contributes a *collector* (reads the person's own rows, never other people's names) and,
where deletion must change its rows, an *eraser*. They are plain functions in a small registry:

    @register_collector("games", covers=["games.Event.user", ...])
    def collect_games(user) -> dict | list: ...

    @register_eraser("games")
    def erase_games(user, *, on_commit) -> None: ...

`covers` names every user foreign key ("app_label.Model.field") the collector reads; fields that
are not personal data of the person they point to (a staff member who reviewed something) go in
EXCLUDED with the reason. tests/privacy checks that every user foreign key of Sangkat's own apps is
in one or the other, so a new model cannot be forgotten. An app may also keep its collector in its
own `<app>/privacy.py`: `collectors()` imports those modules (like Django's admin autodiscovery).
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
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.models import DELETED_USERNAME_PREFIX, DeletionRequest, DeletionStatus

# --- The registry ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collector:
    name: str
    fn: Callable
    covers: tuple[str, ...]


_COLLECTORS: dict[str, Collector] = {}
_ERASERS: dict[str, Callable] = {}
_FIRST_PARTY = ("cms", "courses", "games", "ambassadors", "labs")

# User foreign keys that are not the pointed-to person's own data, with the reason.
EXCLUDED: dict[str, str] = {
    "ambassadors.Application.reviewed_by": "staff decision on someone else's application",
    "ambassadors.PracticeSession.supervisor": "facilitator confirming someone else's practice",
    "ambassadors.Certification.issued_by": "staff issuing someone else's certificate",
    "cms.DeletionRequest.handled_by": "staff fulfilling someone else's request",
    "h5p.H5PPackage.uploaded_by": "course content uploaded by staff, not about them",
    "h5p.H5PLibraryUpgrade.offered_by": "library code uploaded by staff, not about them",
    "scorm.ScormPackage.uploaded_by": "course content uploaded by staff, not about them",
    "hercity.Workshop.created_by": "workshop set up by a facilitator (work record)",
    "labs.Attendance.recorded_by": "staff ticking someone else's presence",
    "participation.Call.created_by": "call for proposals published by the city",
    "participation.Proposal.answered_by": "the city's answer, given by staff on its behalf",
    "participation.ModerationLog.moderator": "moderator's action on someone else's content",
    "participation.WomenSpaceMembership.confirmed_by": "facilitator confirming someone else's membership",
    "minecraft.Site.created_by": "co-design site prepared by staff",
    "minecraft.CoDesignSession.facilitator": "facilitator running a workshop (work record)",
    "minecraft.Capture.created_by": "facilitator importing builds (work record)",
    "minecraft.Team.members": "read through minecraft.TeamMember.user (team name only)",
    "cms.AuditEntry.actor": "audit trail of staff acts on others, kept for accountability",
}


def register_collector(name: str, *, covers: tuple[str, ...] | list[str] = ()):
    """Register `fn(user)` returning JSON-ready data for the section `name` of the export."""

    def decorator(fn):
        _COLLECTORS[name] = Collector(name=name, fn=fn, covers=tuple(covers))
        return fn

    return decorator


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


def _rows(queryset, *fields: str) -> list[dict]:
    return [dict(row) for row in queryset.values(*fields)]


def _course_titles(keys) -> dict[str, str]:
    from wagtail.models import Page

    titles: dict[str, str] = {}
    for key, title in Page.objects.filter(translation_key__in={k for k in keys if k}).values_list(
        "translation_key", "title"
    ):
        titles.setdefault(str(key), title)
    return titles


def _with_course_titles(rows: list[dict]) -> list[dict]:
    titles = _course_titles(row.get("course_key") for row in rows)
    for row in rows:
        row["course"] = titles.get(str(row.get("course_key")), "")
    return rows


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
        "deletion_requests": _rows(
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
        "pages_owned": _rows(Page.objects.filter(owner=user).order_by("path"), "title", "url_path", "first_published_at"),
        "versions_saved": _rows(Revision.objects.filter(user=user).order_by("created_at"), "object_str", "created_at"),
        "images_uploaded": _rows(get_image_model().objects.filter(uploaded_by_user=user).order_by("created_at"),
                                 "title", "created_at"),
        "documents_uploaded": _rows(get_document_model().objects.filter(uploaded_by_user=user).order_by("created_at"),
                                    "title", "created_at"),
    }


@register_collector("notifications", covers=["cms.Notification.user"])
def collect_notifications(user) -> list:
    from cms.models import Notification

    return _rows(Notification.objects.filter(user=user).order_by("created_at"),
                 "kind", "title", "body", "url", "created_at", "read_at")


@register_collector("courses", covers=[
    "courses.Enrolment.user", "courses.LessonProgress.user", "courses.QuizAttempt.user",
    "courses.QuizResult.user",
])
def collect_courses(user) -> dict:
    from courses.models import Enrolment, LessonProgress, QuizAttempt, QuizResult

    return {
        "enrolments": _with_course_titles(_rows(
            Enrolment.objects.filter(user=user).order_by("enrolled_at"),
            "course_key", "enrolled_at", "last_activity_at", "completed_at")),
        "lesson_progress": _rows(
            LessonProgress.objects.filter(user=user).order_by("started_at"),
            "course_key", "lesson_key", "started_at", "last_seen_at", "completed_at", "seconds_spent"),
        "quiz_answers": _rows(
            QuizAttempt.objects.filter(user=user).order_by("created_at"),
            "lesson_key", "quiz_id", "answers", "score", "max_score", "percent", "passed", "created_at"),
        "quiz_results": _rows(
            QuizResult.objects.filter(user=user).order_by("pk"),
            "course_key", "lesson_key", "quiz_id", "best_percent", "attempts", "passed_at"),
    }


@register_collector("learning_records", covers=[
    "xapi.Statement.user", "xapi.ActivityResult.user", "xapi.ActivityState.user",
])
def collect_learning_records(user) -> dict:
    from courses.xapi.models import ActivityResult, ActivityState
    from courses.xapi.services import statements_about

    return {
        "xapi_statements": [
            {"id": row["id"], "stored": row["stored"], "voided": row["voided"], "statement": row["data"]}
            for row in statements_about(user).order_by("stored").values("id", "stored", "voided", "data")
        ],
        "h5p_activity_results": _rows(
            ActivityResult.objects.filter(user=user).order_by("pk"),
            "course_key", "lesson_key", "block_id", "best_scaled", "attempts", "completed_at", "passed_at",
            "done_at"),
        # Answers saved inside H5P activities, to resume them (the exact JSON each activity wrote).
        "h5p_saved_answers": _rows(
            ActivityState.objects.filter(user=user).order_by("pk"),
            "activity_id", "state_id", "registration", "document", "updated_at"),
    }


@register_collector("points_and_badges", covers=[
    "games.Event.user", "games.Award.user", "games.Score.user", "games.WeeklyScore.user",
    "games.CourseScore.user", "games.Preferences.user", "games.BadgeAward.user",
])
def collect_games(user) -> dict:
    from games.models import Award, BadgeAward, CourseScore, Event, Preferences, Score, WeeklyScore

    score = Score.objects.filter(user=user).values(
        "points", "last_active_week", "streak_weeks", "best_streak_weeks").first()
    preferences = Preferences.objects.filter(user=user).values_list("leaderboard", flat=True).first()
    return {
        "total": score,
        "leaderboard_choice": preferences,
        "events": _rows(Event.objects.filter(user=user).order_by("occurred_at"),
                        "kind", "source", "occurred_at", "revoked_at"),
        "points_ledger": _rows(Award.objects.filter(user=user).order_by("created_at"),
                               "rule__kind", "points", "source", "week", "created_at", "revoked_at"),
        "weekly_points": _rows(WeeklyScore.objects.filter(user=user).order_by("week"), "week", "points"),
        "course_points": _with_course_titles(_rows(
            CourseScore.objects.filter(user=user).order_by("pk"), "course_key", "points")),
        "badges": _rows(BadgeAward.objects.filter(user=user).order_by("issued_at"),
                        "badge__name_en", "badge__name_km", "uid", "issued_at", "evidence", "expires_at",
                        "revoked_at", "revocation_reason"),
    }


@register_collector("centers_and_sessions", covers=[
    "labs.Registration.user", "labs.Attendance.user", "labs.SessionReport.filed_by", "labs.LearnerDays.user",
    "labs.Center.facilitators", "labs.Session.facilitators", "labs.Session.ambassadors", "labs.Session.lead",
])
def collect_labs(user) -> dict:
    from labs.models import Attendance, Center, LearnerDays, Registration, Session, SessionReport

    session_fields = ("title", "kind", "center__name", "starts_at", "ends_at")
    return {
        "registrations": _rows(
            Registration.objects.filter(user=user).order_by("created_at"),
            *(f"session__{f}" for f in session_fields), "status", "created_at"),
        "attendance": _rows(
            Attendance.objects.filter(user=user).order_by("recorded_at"),
            *(f"session__{f}" for f in session_fields), "method", "recorded_at"),
        "days_at_centers": _rows(LearnerDays.objects.filter(user=user).order_by("center__name"),
                                 "center__name", "first_day", "last_day", "days"),
        "session_reports_filed": _rows(
            SessionReport.objects.filter(filed_by=user).order_by("filed_at"),
            "session__title", "session__starts_at", "notes", "follow_ups", "counts", "filed_at"),
        "sessions_led": _rows(Session.objects.filter(lead=user).order_by("starts_at"), *session_fields),
        "sessions_facilitated": _rows(Session.objects.filter(facilitators=user).order_by("starts_at"),
                                      *session_fields),
        "sessions_as_ambassador": _rows(Session.objects.filter(ambassadors=user).order_by("starts_at"),
                                        *session_fields),
        "centers_facilitated": list(Center.objects.filter(facilitators=user).order_by("name")
                                    .values_list("name", flat=True)),
    }


@register_collector("participation", covers=[
    "participation.Proposal.author", "participation.Support.user", "participation.Comment.author",
    "participation.Report.reporter", "participation.ModerationLog.target_user", "participation.Block.user",
    "participation.WomenSpaceMembership.user",
])
def collect_participation(user) -> dict:
    from labs.participation.models import (
        Block,
        Comment,
        ModerationLog,
        Proposal,
        Report,
        Space,
        Support,
        WomenSpaceMembership,
    )
    from labs.participation.selectors import can_enter_women_space

    proposals = []
    # team_nicknames is left out on purpose: it names other people.
    for proposal in Proposal.objects.filter(author=user).prefetch_related("files").order_by("created_at"):
        proposals.append({
            "id": proposal.pk, "space": proposal.space, "title": proposal.title, "body": proposal.body,
            "category": proposal.category, "latitude": proposal.latitude, "longitude": proposal.longitude,
            "anonymous": proposal.anonymous, "state": proposal.state, "city_answer": proposal.answer,
            "hidden_at": proposal.hidden_at, "hidden_reason": proposal.hidden_reason,
            "created_at": proposal.created_at, "files": [f.name for f in proposal.files.all()],
        })
    membership = WomenSpaceMembership.objects.filter(user=user).values("requested_at", "confirmed_at").first()
    comments = _rows(Comment.objects.filter(author=user).order_by("created_at"), "proposal_id", "proposal__space",
                     "proposal__title", "body", "hidden_at", "hidden_reason", "created_at")
    supports = _rows(Support.objects.filter(user=user).order_by("created_at"),
                     "proposal_id", "proposal__space", "proposal__title", "created_at")
    if not can_enter_women_space(user):
        # Someone who left the space (or was removed) takes none of its proposals' titles with her:
        # her own words (her proposals, her comments) stay hers, other members' titles do not.
        for row in comments + supports:
            if row["proposal__space"] == Space.WOMEN:
                row["proposal__title"] = ""
    for row in comments + supports:
        del row["proposal__space"]
    return {
        "proposals": proposals,
        # Only your own comments: replies by others on the same proposal are theirs.
        "comments": comments,
        "supports": supports,
        "reports_filed": _rows(Report.objects.filter(reporter=user).order_by("created_at"),
                               "proposal_id", "comment_id", "reason", "resolved_at", "created_at"),
        "moderation_about_you": _rows(ModerationLog.objects.filter(target_user=user).order_by("created_at"),
                                      "action", "reason", "created_at"),
        "blocked": Block.objects.filter(user=user).values("reason", "created_at").first(),
        "women_space_membership": membership,
    }


@register_collector("her_city", covers=[
    "hercity.SafetyScore.user", "hercity.Idea.user", "hercity.Dot.user", "hercity.ActionItem.user",
])
def collect_hercity(user) -> dict:
    from labs.hercity.models import ActionItem, Dot, Idea, SafetyScore

    return {
        "safety_scores": _rows(SafetyScore.objects.filter(user=user).order_by("created_at"),
                               "workshop__site_name", "place", "latitude", "longitude", "scores", "note",
                               "photo", "created_at"),
        "ideas": _rows(Idea.objects.filter(user=user).order_by("created_at"),
                       "workshop__site_name", "step", "text", "photo", "link", "created_at"),
        # The ideas you put dots on may be other people's: only which idea and where.
        "dots": _rows(Dot.objects.filter(user=user).order_by("pk"), "idea_id", "idea__workshop__site_name"),
        "action_items": _rows(ActionItem.objects.filter(user=user).order_by("pk"),
                              "workshop__site_name", "what", "who", "when"),
    }


@register_collector("minecraft", covers=["minecraft.TeamMember.user", "minecraft.Vote.user", "minecraft.Pin.author"])
def collect_minecraft(user) -> dict:
    from games.minecraft.models import Pin, TeamMember, Vote

    return {
        # The team's name only: never the other members.
        "teams": _rows(TeamMember.objects.filter(user=user).order_by("pk"),
                       "team__name", "team__session__title", "nickname"),
        "votes": _rows(Vote.objects.filter(user=user).order_by("created_at"),
                       "team__name", "team__session__title", "created_at"),
        "pins": _rows(Pin.objects.filter(author=user).order_by("created_at"),
                      "team__name", "x", "y", "z", "text", "created_at"),
    }


@register_collector("ambassador", covers=[
    "ambassadors.Application.user", "ambassadors.PracticeSession.trainee", "ambassadors.Certification.user",
])
def collect_ambassador(user) -> dict:
    from ambassadors.models import Application, Certification, PracticeSession

    return {
        "applications": _rows(Application.objects.filter(user=user).order_by("created_at"),
                              "center__name", "motivation", "availability", "status", "decline_reason",
                              "created_at", "reviewed_at"),
        "practice_sessions": _rows(PracticeSession.objects.filter(trainee=user).order_by("confirmed_at"),
                                   "session__title", "session__starts_at", "confirmed_at", "comment"),
        "certifications": _rows(Certification.objects.filter(user=user).order_by("issued_at"),
                                "number", "issued_at", "expires_at", "renewed_at", "revoked_at"),
    }


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
        lines.append(f"- {collector.name}.json: {SECTION_LABELS.get(collector.name, collector.name)}")
    lines += [
        "",
        _("Things you share with others (a Minecraft team, a proposal's comments) are included only "
          "as far as they are yours: other people's names and messages are left out."),
        _("To ask for your account to be deleted, open the “Your data” page on Sangkat."),
    ]
    return "\n".join(str(line) for line in lines) + "\n"


SECTION_LABELS = {
    "account": gettext_lazy("your profile and account"),
    "notifications": gettext_lazy("the messages Sangkat sent you"),
    "courses": gettext_lazy("courses, lesson progress and your quiz answers"),
    "learning_records": gettext_lazy("learning records (xAPI) and interactive activity results"),
    "points_and_badges": gettext_lazy("points and badges"),
    "centers_and_sessions": gettext_lazy("session registrations, attendance and reports you filed"),
    "participation": gettext_lazy("proposals, comments, supports, reports and the women-and-girls space"),
    "her_city": gettext_lazy("Her City workshop contributions"),
    "minecraft": gettext_lazy("Minecraft co-design teams and votes"),
    "ambassador": gettext_lazy("Digital City Ambassador application and certification"),
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

    from cms.roles import INNOVATION_UNIT
    from cms.services import notify

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
    from cms.roles import INNOVATION_UNIT, has_role

    if not has_role(by, INNOVATION_UNIT):
        raise DeletionError(_("Only Innovation Unit staff can delete accounts."))
    request = DeletionRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != DeletionStatus.PENDING:
        raise DeletionError(_("This request was already handled."))
    user = get_user_model().objects.select_for_update().get(pk=request.user_id)
    files: list = []
    for eraser in _ERASERS.values():
        eraser(user, on_commit=files.append)
    _scrub_account(user)
    # The log keeps what staff did, not who it was done to: earlier entries lose the person's name.
    from cms.models import AuditAction, AuditEntry
    from cms.services import audit

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


def _deleted_label() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Deleted user"))


# --- Erasers: run in this order, before the account itself is scrubbed -------------------------------


@register_eraser("notifications")
def erase_notifications(user, *, on_commit) -> None:
    from cms.models import Notification

    Notification.objects.filter(user=user).delete()


@register_eraser("learning_records")
def erase_learning_records(user, *, on_commit) -> None:
    from courses.models import QuizAttempt
    from courses.xapi.services import erase_statements_about, erase_states_of

    # Statements already forwarded to the outside LRS are voided there (a voiding statement naming
    # only Sangkat, sent by the forwarding task after this transaction commits); unsent ones are
    # deleted before they can go out.
    erase_statements_about(user=user)
    erase_states_of(user=user)
    QuizAttempt.objects.filter(user=user).delete()


@register_eraser("points_and_badges")
def erase_games(user, *, on_commit) -> None:
    from games.models import BadgeAward, Preferences

    BadgeAward.objects.filter(user=user).delete()  # public Open Badges assertions name their recipient
    Preferences.objects.filter(user=user).delete()


@register_eraser("centers_and_sessions")
def erase_labs(user, *, on_commit) -> None:
    from labs.models import Attendance, Center, Registration, RegistrationStatus
    from labs.services import cancel_registration

    upcoming = (Registration.objects.filter(user=user, session__starts_at__gt=timezone.now())
                .exclude(status=RegistrationStatus.CANCELLED).select_related("session"))
    for registration in upcoming:
        cancel_registration(user=user, session=registration.session)  # the place goes to the next person
    Attendance.objects.filter(user=user).update(nickname="")  # the age band and gender copies stay: counts
    # No longer a facilitator of any center; the sessions they ran keep pointing at the anonymised account.
    Center.facilitators.through.objects.filter(user_id=user.pk).delete()


@register_eraser("participation")
def erase_participation(user, *, on_commit) -> None:
    from games.minecraft.models import Team, TeamMember
    from labs.participation.models import Block, Proposal, WomenSpaceMembership

    WomenSpaceMembership.objects.filter(user=user).delete()
    Block.objects.filter(user=user).delete()
    old = {name for name in (user.nickname, *TeamMember.objects.filter(user=user).values_list("nickname", flat=True))
           if name}
    team_proposals = Team.objects.filter(memberships__user=user, proposal_id__isnull=False).values("proposal_id")
    label = _deleted_label()
    for proposal in Proposal.objects.filter(Q(author=user) | Q(pk__in=team_proposals)):
        names = [label if name in old else name for name in proposal.team_nicknames]
        if names != proposal.team_nicknames:
            proposal.team_nicknames = names
            proposal.save(update_fields=["team_nicknames"])


@register_eraser("her_city")
def erase_hercity(user, *, on_commit) -> None:
    from labs.hercity.models import SafetyScore

    for score in SafetyScore.objects.filter(user=user).exclude(note="", photo=""):
        if score.photo:
            on_commit(score.photo)
        SafetyScore.objects.filter(pk=score.pk).update(note="", photo="")


@register_eraser("minecraft")
def erase_minecraft(user, *, on_commit) -> None:
    from games.minecraft.models import TeamMember

    TeamMember.objects.filter(user=user).update(nickname=_deleted_label())


@register_eraser("ambassador")
def erase_ambassador(user, *, on_commit) -> None:
    from ambassadors.models import Application

    Application.objects.filter(user=user).delete()
