"""Writes for sessions: registration and waiting list, cancellation, attendance, check-in, reports."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.dates import LocalDate
from cms.images import ImageRefused, check_image, reencode_image
from cms.models import YOUTH_AGE_BANDS, AgeBand, AuditAction, Gender
from cms.roles import AMBASSADOR, FACILITATOR, has_role, is_city_staff
from cms.services import audit, notify
from courses.selectors import lesson_by_key
from courses.services import record_lesson_visit
from labs import hooks, signals
from labs.models import (
    Attendance,
    AttendanceMethod,
    Audience,
    Center,
    Registration,
    RegistrationStatus,
    ReportPhoto,
    Session,
    SessionReport,
)
from labs.selectors import mark_all_key, mark_all_keys  # noqa: F401  (services.mark_all_keys still works)

# The code works from a little before the start (people arrive early) to the end of the session.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
PHOTO_MAX_SIDE = 1600
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTOS_PER_REPORT = 6


class SessionError(Exception):
    """A refused action; `message` is shown to the person, next to the form's `field` when it names one."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- permissions --------------------------------------------------------------------------------

def can_run_session(*, user, session: Session) -> bool:
    """Staff, a facilitator of the session's center, or someone the session names may run it."""
    if not user.is_authenticated:
        return False
    if is_city_staff(user):
        return True
    if has_role(user, FACILITATOR) and session.center.facilitators.filter(pk=user.pk).exists():
        return True
    if session.lead_id == user.pk:
        return True
    return (has_role(user, AMBASSADOR, FACILITATOR)
            and (session.ambassadors.filter(pk=user.pk).exists()
                 or session.facilitators.filter(pk=user.pk).exists()))


def require_run_session(*, user, session: Session) -> None:
    if not can_run_session(user=user, session=session):
        raise SessionError(_("Only the people running this session or the staff of its center can do this."))


# --- audience ------------------------------------------------------------------------------------

def audience_refusal(*, user, session: Session):
    """Why this person may not take part, or None. Checked on every registration and check-in."""
    if session.audience == Audience.WOMEN_AND_GIRLS and user.gender != Gender.WOMAN:
        return _("This session is for women and girls only. If that is you, set your gender in your profile.")
    if session.audience == Audience.YOUTH and user.age_band not in YOUTH_AGE_BANDS:
        return _("This session is for young people (up to 24) only.")
    return None


# --- registration --------------------------------------------------------------------------------

def _session_for_update(session_id: int) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related("center").get(pk=session_id)


@transaction.atomic
def register(*, user, session: Session, now: datetime | None = None) -> Registration:
    """Take a place, or a place on the waiting list when the session is full. Safe to repeat."""
    now = now or timezone.now()
    session = _session_for_update(session.pk)  # serialises the capacity count
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    if session.ends_at <= now:
        raise SessionError(_("This session is over."))
    refusal = audience_refusal(user=user, session=session)
    if refusal:
        raise SessionError(refusal)
    existing = Registration.objects.filter(session=session, user=user).first()
    if existing and existing.status != RegistrationStatus.CANCELLED:
        return existing
    taken = Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).count()
    status = RegistrationStatus.REGISTERED if taken < session.capacity else RegistrationStatus.WAITING
    registration = existing or Registration(session=session, user=user)
    registration.status = status
    registration.full_clean()
    registration.save()
    if status == RegistrationStatus.REGISTERED:
        notify(users=[user], kind="session-registered", title=_("You have a place at %(session)s"),
               body=_("%(when)s at %(center)s."), url=lambda: session_url(session),
               params=_session_params(session))
    else:
        notify(users=[user], kind="session-waiting", title=_("You are on the waiting list for %(session)s"),
               body=_("We will tell you if a place opens."), url=lambda: session_url(session),
               params=_session_params(session))
    return registration


def register_people(*, by, session: Session, people: list) -> tuple[list[Registration], list[tuple[object, str]]]:
    """Someone running the session puts people on its roster (a class, labs.classes): each gets a
    place or a waiting-list place under the same rules as registering herself. Returns the
    registrations and, for those refused (audience, session over), the person and the reason."""
    require_run_session(user=by, session=session)
    done, refused = [], []
    for person in people:
        try:
            with transaction.atomic():
                done.append(register(user=person, session=session))
        except SessionError as error:
            refused.append((person, str(error)))
    return done, refused


@transaction.atomic
def cancel_registration(*, user, session: Session) -> Registration | None:
    """Give a place back; the first person waiting gets it and is told."""
    session = _session_for_update(session.pk)
    registration = Registration.objects.filter(session=session, user=user).first()
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return registration
    had_place = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    if had_place and not session.is_cancelled:
        _promote_waiting(session)
    return registration


def _promote_waiting(session: Session) -> None:
    taken = Registration.objects.filter(session=session, status=RegistrationStatus.REGISTERED).count()
    free = session.capacity - taken
    if free <= 0:
        return
    promoted = list(Registration.objects.filter(session=session, status=RegistrationStatus.WAITING)
                    .select_related("user").order_by("created_at", "pk")[:free])
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
    if promoted:
        notify(users=[r.user for r in promoted], kind="session-place-opened",
               title=_("A place opened for you at %(session)s"), body=_("%(when)s at %(center)s."),
               url=lambda: session_url(session), params=_session_params(session))


@transaction.atomic
def cancel_session(*, by, session: Session, reason: str) -> Session:
    """Cancel a session and tell everyone registered or waiting."""
    session = _session_for_update(session.pk)
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        return session
    reason = (reason or "").strip()
    if not reason:
        raise SessionError(_("Say why the session is cancelled: the people registered will read it."))
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason[:255]
    session.save(update_fields=["cancelled_at", "cancel_reason"])
    people = [r.user for r in Registration.objects.filter(session=session).exclude(
        status=RegistrationStatus.CANCELLED).select_related("user")]
    notify(users=people, kind="session-cancelled", title=_("Cancelled: %(session)s"),
           body=_("%(when)s at %(center)s. Reason: %(reason)s"), url=lambda: session_url(session),
           params={**_session_params(session), "reason": session.cancel_reason})
    return session


@transaction.atomic
def update_session(*, by, session: Session, **fields) -> Session:
    """Change a session's details (title, description, times, places, audience, lead)."""
    session = _session_for_update(session.pk)
    require_run_session(user=by, session=session)
    allowed = {"title", "description", "starts_at", "ends_at", "capacity", "audience", "lead", "workshop"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"{name} cannot be changed here")
        setattr(session, name, value)
    check_lead(session=session)
    session.full_clean()
    session.save()
    _promote_waiting(session)
    return session


def check_lead(*, session: Session) -> None:
    """A lead is a facilitator, staff, or an ambassador whose certification is valid at the session."""
    lead = session.lead
    if lead is None or has_role(lead, FACILITATOR) or is_city_staff(lead):
        return
    if not hooks.is_certified_ambassador(user=lead, at=session.starts_at):
        raise SessionError(_("%(name)s has no valid ambassador certification on that date, so cannot lead "
                             "a session. Add them as a co-facilitating ambassador instead.")
                           % {"name": lead.public_name})


def can_assign_ambassadors(*, user, session: Session) -> bool:
    """Who puts ambassadors (trainees and co-facilitators) on a session: the facilitators of its
    center, and staff. Never an ambassador herself: she has no more rights than the people she would add."""
    if not user.is_authenticated:
        return False
    if is_city_staff(user):
        return True
    return has_role(user, FACILITATOR) and session.center.facilitators.filter(pk=user.pk).exists()


@transaction.atomic
def assign_ambassadors(*, by, session: Session, people: list) -> tuple[list, list]:
    """Make `people` the session's ambassadors; returns (added, removed). Only the center's ambassadors
    (ambassadors.selectors.center_ambassadors, through labs.hooks) can be put on it; each change is
    audited, since it decides who may run the session, and each person added is told."""
    session = _session_for_update(session.pk)
    if not can_assign_ambassadors(user=by, session=session):
        raise SessionError(_("Only the facilitators of this session's center can choose its ambassadors."))
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled."))
    allowed = {row.user.pk: row for row in hooks.center_ambassadors(center=session.center)}
    wanted = {person.pk: person for person in people}
    strangers = [person for pk, person in wanted.items() if pk not in allowed]
    if strangers:
        raise SessionError(_("%(name)s is not an ambassador of this center.") % {"name": strangers[0].public_name})
    current = {person.pk: person for person in session.ambassadors.all()}
    added = [wanted[pk] for pk in wanted if pk not in current]
    # Someone put on the session before (the lead ambassador who planned it, or by the admin) stays
    # unless the facilitator unticks her; only the center's ambassadors are offered to untick.
    removed = [current[pk] for pk in current if pk not in wanted and pk in allowed]
    if added:
        session.ambassadors.add(*added)
    if removed:
        session.ambassadors.remove(*removed)
    for person in added:
        audit(actor=by, action=AuditAction.SESSION_AMBASSADOR_ADD, target=person, session=session.pk,
              center=session.center_id, trainee=allowed[person.pk].trainee)
    for person in removed:
        audit(actor=by, action=AuditAction.SESSION_AMBASSADOR_REMOVE, target=person, session=session.pk,
              center=session.center_id)
    if added:
        notify(users=added, kind="session-ambassador", title=_("You co-facilitate %(session)s"),
               body=_("%(when)s at %(center)s. It is on your ambassador dashboard."),
               url=lambda: session_url(session), params=_session_params(session))
    return added, removed


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


# --- reports -------------------------------------------------------------------------------------

def attendance_counts(session: Session) -> dict:
    """Counts by age band and gender, computed from attendance (never typed)."""
    from django.db.models import Count

    rows = Attendance.objects.filter(session=session).values("age_band", "gender").annotate(n=Count("pk"))
    by_age = {band: 0 for band in [*AgeBand.values, ""]}
    by_gender = {gender: 0 for gender in Gender.values}
    total = 0
    for row in rows:
        by_age[row["age_band"] if row["age_band"] in by_age else ""] += row["n"]
        by_gender[row["gender"] if row["gender"] in by_gender else ""] += row["n"]
        total += row["n"]
    return {"total": total, "age_band": by_age, "gender": by_gender}


@dataclass
class CleanPhoto:
    name: str
    content: bytes
    width: int
    height: int


def clean_photo(upload: UploadedFile) -> CleanPhoto:
    """Check that the upload is really an image, resize it, and drop its metadata (EXIF, GPS)."""
    from PIL import Image

    try:
        check_image(upload, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG", "PNG", "WEBP", "GIF", "MPO"))
        with Image.open(upload) as image:
            content, (width, height) = reencode_image(image, max_side=PHOTO_MAX_SIDE, format="JPEG")
    except ImageRefused as refused:
        message = {
            "too_big": _("%(name)s is too big (8 MB at most)."),
            "format": _("%(name)s is not a photo we can use (JPEG, PNG or WebP)."),
        }.get(refused.reason, _("%(name)s is not an image."))
        raise SessionError(message % {"name": upload.name}, field="photos") from None
    except (OSError, ValueError, Image.DecompressionBombError):
        raise SessionError(_("%(name)s is not an image.") % {"name": upload.name}, field="photos") from None
    return CleanPhoto(name=f"{uuid.uuid4().hex}.jpg", content=content, width=width, height=height)


def file_report(*, by, session: Session, notes: str, follow_ups: str, photos: list[UploadedFile] = (),
                now: datetime | None = None) -> SessionReport:
    """File the report of a session that has started. Photos are all checked before anything is saved."""
    now = now or timezone.now()
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled: there is nothing to report."))
    if session.starts_at > now:
        raise SessionError(_("The report can be filed once the session has started."))
    if len(photos) > PHOTOS_PER_REPORT:
        raise SessionError(_("Add at most %(n)s photos.") % {"n": PHOTOS_PER_REPORT}, field="photos")
    cleaned = [clean_photo(upload) for upload in photos]  # all validated before any write
    return _save_report(by=by, session=session, notes=notes, follow_ups=follow_ups, cleaned=cleaned)


@transaction.atomic
def _save_report(*, by, session, notes, follow_ups, cleaned: list[CleanPhoto]) -> SessionReport:
    session = _session_for_update(session.pk)
    report = SessionReport.objects.filter(session=session).first()
    first_filing = report is None
    report = report or SessionReport(session=session, filed_by=by)
    report.notes = (notes or "").strip()
    report.follow_ups = (follow_ups or "").strip()
    report.counts = attendance_counts(session)
    report.full_clean()
    report.save()
    for photo in cleaned:
        row = ReportPhoto(report=report, width=photo.width, height=photo.height)
        row.image.save(photo.name, ContentFile(photo.content), save=False)
        row.save()
    if first_filing:
        runners = {by.pk: by}
        for person in list(session.ambassadors.all()) + list(session.facilitators.all()):
            runners[person.pk] = person
        if session.lead:
            runners[session.lead.pk] = session.lead
        for person in runners.values():
            signals.session_facilitated.send(sender=SessionReport, user=person, session=session)
    return report


# --- reminders -----------------------------------------------------------------------------------

@transaction.atomic
def remind_reports_due(*, now: datetime | None = None) -> int:
    """Tell the people who ran a session that ended without a report (once per session)."""
    now = now or timezone.now()
    due = list(Session.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        ends_at__lte=now, ends_at__gte=now - timedelta(days=14), cancelled_at__isnull=True,
        report__isnull=True, report_reminded_at__isnull=True,
    ).prefetch_related("ambassadors", "facilitators").select_related("lead", "center"))
    for session in due:
        people = {p.pk: p for p in list(session.ambassadors.all()) + list(session.facilitators.all())}
        if session.lead:
            people[session.lead.pk] = session.lead
        notify(users=list(people.values()), kind="report-due", title=_("Report due: %(session)s"),
               body=_("Please file the report of the session on %(when)s at %(center)s."),
               url=lambda session=session: session_url(session, "report"), params=_session_params(session))
        session.report_reminded_at = now
        session.save(update_fields=["report_reminded_at"])
    return len(due)


def session_url(session: Session, view: str = "detail") -> str:
    from django.urls import reverse

    names = {"detail": "session_detail", "report": "session_report", "attendance": "session_attendance"}
    return reverse(names[view], args=[session.pk])


def _session_params(session: Session) -> dict:
    # The date and the center's name are written in each reader's language by notify().
    return {"session": session.title, "when": LocalDate(session.starts_at, with_time=True),
            "center": _LocalCenterName(session.center)}


class _LocalCenterName:
    def __init__(self, center):
        self.center = center

    def __str__(self) -> str:
        return self.center.local_name


# --- planning ------------------------------------------------------------------------------------

def centers_where_can_plan(*, user):
    """Staff: every center. Facilitators: their centers. Certified ambassadors: their home center."""
    if is_city_staff(user):
        return Center.objects.all()
    if has_role(user, FACILITATOR):
        return Center.objects.filter(facilitators=user)
    if has_role(user, AMBASSADOR) and user.home_center_id:
        if hooks.is_certified_ambassador(user=user):
            return Center.objects.filter(pk=user.home_center_id)
    return Center.objects.none()


@transaction.atomic
def plan_session(*, by, center, kind: str, title: str, starts_at: datetime, ends_at: datetime, capacity: int,
                 audience: str, description: str = "", workshop: str = "") -> Session:
    """Put a session on a center's calendar; an ambassador who plans it leads it (certified only)."""
    if not centers_where_can_plan(user=by).filter(pk=center.pk).exists():
        raise SessionError(_("You cannot plan sessions at this center. Certified ambassadors plan at their "
                             "home center; trainees co-facilitate sessions a facilitator plans."))
    session = Session(center=center, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at,
                      capacity=capacity, audience=audience, description=description, workshop=workshop, lead=by)
    if starts_at and starts_at < timezone.now():
        raise SessionError(_("Choose a time in the future."))
    session.full_clean()
    session.save()
    if has_role(by, AMBASSADOR) and not has_role(by, FACILITATOR):
        session.ambassadors.add(by)
    else:
        session.facilitators.add(by)
    return session
