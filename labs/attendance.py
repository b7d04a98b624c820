"""Writes for attendance: marks, "mark all" and its undo, walk-ins, self check-in (re-exported by labs.services)."""

import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import YOUTH_AGE_BANDS, AgeBand, AuditAction, Gender
from cms.services import audit
from courses.selectors import lesson_by_key
from courses.services import record_lesson_visit
from labs import signals
from labs.models import (
    Attendance,
    AttendanceMethod,
    Audience,
    Registration,
    RegistrationStatus,
    Session,
)
from labs.rules import SessionError, audience_refusal, require_run_session
from labs.selectors import mark_all_key, mark_all_keys

# The code works from a little before the start (people arrive early) to the end of the session.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


# --- attendance ----------------------------------------------------------------------------------

def checkin_window(session: Session) -> tuple[datetime, datetime]:
    return session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at


def checkin_is_open(session: Session, now: datetime) -> bool:
    opens, closes = checkin_window(session)
    return opens <= now <= closes and not session.is_cancelled


def _snapshot(user) -> dict:
    return {"nickname": user.public_name[:40], "age_band": user.age_band, "gender": user.gender}


def _replayed(*, client_key: uuid.UUID | None, session: Session) -> Attendance | None:
    """The mark a device already sent with this key (a retry), or None; a key of another session is refused."""
    if not client_key:
        return None
    existing = Attendance.objects.filter(client_key=client_key).first()
    if existing and existing.session_id != session.pk:
        raise SessionError(_("This mark was already used for another session."))
    return existing


def _record(*, session: Session, user, method: str, client_key: uuid.UUID | None, by) -> tuple[Attendance, bool]:
    """Store one presence; returns (row, created). A repeated client key or person changes nothing."""
    replayed = _replayed(client_key=client_key, session=session)
    if replayed:
        return replayed, False
    existing = Attendance.objects.filter(session=session, user=user).first()
    if existing:
        return existing, False
    attendance = Attendance(session=session, user=user, method=method, client_key=client_key,
                            recorded_by=by, **_snapshot(user))
    attendance.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError:  # the same mark arrived twice at once
        return Attendance.objects.get(session=session, user=user), False
    _announce_attendance(attendance)
    return attendance, True


def _announce_attendance(attendance: Attendance) -> None:
    """Gamification hears of it; a class that covers a lesson counts as a visit to that lesson."""
    session, user = attendance.session, attendance.user
    signals.session_attended.send(sender=Attendance, user=user, session=session)
    if session.lesson_key:
        lesson = lesson_by_key(session.lesson_key)
        if lesson is not None:
            # A visit, not a completion: the learner still does the lesson's quiz themselves.
            record_lesson_visit(user=user, lesson=lesson, now=session.starts_at)


@transaction.atomic
def mark_present(*, by, session: Session, user, client_key: uuid.UUID | None = None) -> tuple[Attendance, bool]:
    """The person running the session ticks someone on the roster."""
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    refusal = audience_refusal(user=user, session=session)
    if refusal:
        raise SessionError(refusal)
    return _record(session=session, user=user, method=AttendanceMethod.ROSTER, client_key=client_key, by=by)


@transaction.atomic
def unmark_present(*, by, session: Session, attendance_id: int) -> None:
    require_run_session(user=by, session=session)
    Attendance.objects.filter(session=session, pk=attendance_id).delete()


@transaction.atomic
def mark_all_registered_present(*, by, session: Session, batch: uuid.UUID) -> list[Attendance]:
    """Tick everyone registered (not the waiting list) who is not ticked yet, in one request.

    Audited with the marks it made; `batch` comes from the page, so a double tap is one batch.
    """
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    present = set(Attendance.objects.filter(session=session, user__isnull=False).values_list("user_id", flat=True))
    registrations = (Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED)
                     .exclude(user_id__in=present).select_related("user").order_by("created_at", "pk"))
    made = []
    for registration in registrations:
        if audience_refusal(user=registration.user, session=session):
            continue
        attendance, created = _record(session=session, user=registration.user, method=AttendanceMethod.ROSTER,
                                      client_key=mark_all_key(batch, registration.user_id), by=by)
        if created:
            made.append(attendance)
    if made:
        audit(actor=by, action=AuditAction.SESSION_MARK_ALL, target=session, batch=str(batch),
              marked=[attendance.pk for attendance in made])
    return made


@transaction.atomic
def undo_mark_all(*, by, session: Session, batch: uuid.UUID) -> int:
    """Take back exactly the marks one "mark all" made; marks made any other way stay."""
    require_run_session(user=by, session=session)
    rows = Attendance.objects.filter(session=session, client_key__in=mark_all_keys(session, batch))
    taken_back = sorted(rows.values_list("pk", flat=True))
    if taken_back:
        rows.delete()
        audit(actor=by, action=AuditAction.SESSION_MARK_ALL_UNDO, target=session, batch=str(batch),
              taken_back=taken_back)
    return len(taken_back)


@transaction.atomic
def add_walk_in(*, by, session: Session, nickname: str, age_band: str, gender: str = "",
                client_key: uuid.UUID | None = None) -> tuple[Attendance, bool]:
    """Someone without an account (or without it at hand) came: the minimum, linked later."""
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    nickname = (nickname or "").strip()[:40]
    if not nickname:
        raise SessionError(_("Write a nickname for the person who came."))
    if age_band not in AgeBand.values:
        raise SessionError(_("Choose an age band."))
    if gender not in Gender.values:
        raise SessionError(_("Choose a gender or leave it empty."))
    if session.audience == Audience.WOMEN_AND_GIRLS and gender != Gender.WOMAN:
        raise SessionError(_("This session is for women and girls only."))
    if session.audience == Audience.YOUTH and age_band not in YOUTH_AGE_BANDS:
        raise SessionError(_("This session is for young people (up to 24) only."))
    replayed = _replayed(client_key=client_key, session=session)
    if replayed:
        return replayed, False
    attendance = Attendance(session=session, nickname=nickname, age_band=age_band, gender=gender,
                            method=AttendanceMethod.WALK_IN, client_key=client_key, recorded_by=by)
    attendance.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            attendance.save()
    except IntegrityError:
        return Attendance.objects.get(client_key=client_key), False
    return attendance, True


@transaction.atomic
def link_walk_in(*, by, attendance: Attendance, user) -> Attendance:
    """Give a walk-in's presence to the account they made (or found) afterwards."""
    attendance = Attendance.objects.select_for_update(of=("self",)).select_related("session").get(pk=attendance.pk)
    require_run_session(user=by, session=attendance.session)
    if attendance.user_id == user.pk:
        return attendance
    if attendance.user_id is not None:
        raise SessionError(_("This presence already belongs to an account."))
    if Attendance.objects.filter(session=attendance.session, user=user).exists():
        raise SessionError(_("%(name)s is already marked present at this session.") % {"name": user.public_name})
    attendance.user = user
    attendance.save(update_fields=["user"])
    _announce_attendance(attendance)
    return attendance


@transaction.atomic
def self_check_in(*, user, session: Session, code: str, now: datetime | None = None) -> tuple[Attendance, bool]:
    """A learner checks themselves in with the session's code (scanned or typed)."""
    now = now or timezone.now()
    code = (code or "").strip().upper()
    if code != session.checkin_code:
        raise SessionError(_("This code is not the code of this session. Scan the code shown in the room."))
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    if not checkin_is_open(session, now):
        raise SessionError(_("This code only works during the session."))
    refusal = audience_refusal(user=user, session=session)
    if refusal:
        raise SessionError(refusal)
    if Attendance.objects.filter(session=session, user=user).exists():
        raise SessionError(_("You are already checked in. Welcome!"))
    return _record(session=session, user=user, method=AttendanceMethod.QR, client_key=None, by=user)
