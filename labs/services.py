"""Writes for sessions: registration and waiting list, cancellation, ambassadors, reminders, planning.

Attendance and check-in (labs.attendance), reports (labs.reports) and who may run a session
(labs.rules) have their own modules; their names are re-exported here, so `services.<name>` still works."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.dates import LocalDate
from cms.models import AuditAction
from cms.roles import AMBASSADOR, FACILITATOR, has_role, is_city_staff
from cms.services import audit, notify
from labs import hooks
from labs.attendance import (  # noqa: F401  (labs.services.<name> still works)
    CHECKIN_OPENS_BEFORE,
    add_walk_in,
    checkin_is_open,
    checkin_window,
    link_walk_in,
    mark_all_registered_present,
    mark_present,
    self_check_in,
    undo_mark_all,
    unmark_present,
)
from labs.models import (
    Center,
    Registration,
    RegistrationStatus,
    Session,
)
from labs.reports import (  # noqa: F401
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    PHOTOS_PER_REPORT,
    CleanPhoto,
    attendance_counts,
    clean_photo,
    file_report,
)
from labs.rules import (  # noqa: F401
    SessionError,
    audience_refusal,
    can_run_session,
    require_run_session,
    session_for_update,
)
from labs.selectors import mark_all_keys  # noqa: F401

# --- registration --------------------------------------------------------------------------------

@transaction.atomic
def register(*, user, session: Session, now: datetime | None = None) -> Registration:
    """Take a place, or a place on the waiting list when the session is full. Safe to repeat."""
    now = now or timezone.now()
    session = session_for_update(session.pk)  # serialises the capacity count
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
    session = session_for_update(session.pk)
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
    session = session_for_update(session.pk)
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
    session = session_for_update(session.pk)
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
    refusal = session.lead_refusal()
    if refusal:
        raise SessionError(refusal)


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
    session = session_for_update(session.pk)
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
