"""Reads for neighborhood centers, sessions, attendance and the Innovation Unit dashboard."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from cms import structure
from cms.roles import FACILITATOR, has_role, is_city_staff
from cms.selectors import centers_for  # noqa: F401  (the rule lives in the core; labs code imports it from here)
from courses.selectors import completions_by_home_center
from labs.models import (
    Attendance,
    Center,
    CenterPage,
    LearnerDays,
    Registration,
    RegistrationStatus,
    Session,
    SessionKind,
)
from labs.rollup import touches


def center_pages(*, index):
    return list(CenterPage.objects.child_of(index).live().select_related("center").order_by("title"))


def visible_sessions(*, user):
    """Sessions a person may see listed: all of them (times and places are public); who takes part in
    a women-and-girls-only session is never shown, and taking part is refused on the server."""
    return Session.objects.all()


def week_bounds(today: date | None = None) -> tuple[datetime, datetime]:
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return start, start + timedelta(days=7)


def sessions_this_week(*, center: Center, user, today: date | None = None) -> list[Session]:
    start, end = week_bounds(today)
    return list(_with_places(visible_sessions(user=user).filter(center=center, starts_at__gte=start,
                                                                  starts_at__lt=end), user)
                .order_by("starts_at"))


def upcoming_sessions(*, user, center_id: int | None = None, now: datetime | None = None, limit: int = 50):
    now = now or timezone.now()
    sessions = visible_sessions(user=user).filter(ends_at__gte=now, cancelled_at__isnull=True)
    if center_id:
        sessions = sessions.filter(center_id=center_id)
    return list(_with_places(sessions, user).order_by("starts_at")[:limit])


def _with_places(sessions, user):
    sessions = sessions.select_related("center").annotate(
        taken=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED), distinct=True))
    if user.is_authenticated:
        sessions = sessions.annotate(my_status=_my_status(user))
    return sessions


def _my_status(user):
    from django.db.models import Subquery

    return Subquery(Registration.objects.filter(session=OuterRef("pk"), user=user).values("status")[:1])


def session_for_viewer(*, user, session_id: int) -> Session | None:
    return _with_places(visible_sessions(user=user).filter(pk=session_id), user).first()


@dataclass
class RosterRow:
    user_id: int
    name: str
    age_band: str
    status: str
    attendance_id: int | None


def roster(*, session: Session) -> dict:
    """Registered people (ticked or not), everyone present, and the waiting list, in two queries."""
    registrations = list(Registration.objects.filter(session=session).exclude(status=RegistrationStatus.CANCELLED)
                         .select_related("user").order_by("created_at", "pk"))
    present = list(Attendance.objects.filter(session=session).select_related("user").order_by("recorded_at", "pk"))
    by_user = {a.user_id: a for a in present if a.user_id}
    rows = [RosterRow(user_id=r.user_id, name=r.user.public_name, age_band=r.user.get_age_band_display(),
                      status=r.status, attendance_id=by_user[r.user_id].pk if r.user_id in by_user else None)
            for r in registrations]
    registered_ids = {r.user_id for r in registrations}
    others = [a for a in present if a.user_id not in registered_ids]
    return {"rows": rows, "others": others, "present_count": len(present)}


def marked_by_batch(*, session: Session, batch) -> int:
    """How many marks of one "mark all registered present" are still there (what its undo takes back)."""
    return Attendance.objects.filter(session=session, client_key__in=mark_all_keys(session, batch)).count()


def sessions_run_by(*, user, now: datetime | None = None):
    now = now or timezone.now()
    q = Q(ambassadors=user) | Q(lead=user) | Q(facilitators=user)
    if has_role(user, FACILITATOR):
        q |= Q(center__facilitators=user)
    if is_city_staff(user):
        q = Q()
    return (Session.objects.filter(q, ends_at__gte=now - timedelta(days=14)).distinct().select_related("center")
            .order_by("starts_at")[:100])


# --- Innovation Unit dashboard ---------------------------------------------------------------------

@dataclass
class CenterFigures:
    center: Center
    sessions_held: int = 0
    unique_learners: int = 0
    attendance: int = 0
    course_completions: int = 0
    women_share: float = 0.0
    youth_share: float = 0.0
    ambassadors_active: int = 0

    @property
    def women_percent(self) -> int:
        return round(self.women_share * 100)

    @property
    def youth_percent(self) -> int:
        return round(self.youth_share * 100)


def dashboard(*, viewer, start: datetime, end: datetime) -> list[CenterFigures]:
    """Per center, for sessions that started in [start, end). A fixed number of queries.

    Reads the rollup (labs.rollup): one tally row per session and one row per center and learner,
    never every presence. Each walk-in without an account counts as one person.
    """
    from django.db.models import Sum

    centers = list(centers_for(viewer).order_by("name"))
    ids = [c.pk for c in centers]
    figures = {c.pk: CenterFigures(center=c) for c in centers}
    held = Session.objects.filter(center_id__in=ids, starts_at__gte=start, starts_at__lt=end,
                                  cancelled_at__isnull=True)
    for row in held.values("center_id").order_by().annotate(
        n=Count("pk"), total=Sum("tally__attendance"), walk_ins=Sum("tally__walk_ins"), women=Sum("tally__women"),
        youth=Sum("tally__youth"),
    ):
        f = figures[row["center_id"]]
        f.sessions_held = row["n"]
        f.attendance = row["total"] or 0
        f.unique_learners += row["walk_ins"] or 0
        f.women_share = (row["women"] or 0) / f.attendance if f.attendance else 0.0
        f.youth_share = (row["youth"] or 0) / f.attendance if f.attendance else 0.0
    for center_id, people in _learners_with_account(ids, start, end):
        figures[center_id].unique_learners += people
    for center_id, completions in completions_by_home_center(center_ids=ids, start=start, end=end).items():
        figures[center_id].course_completions = completions
    through = Session.ambassadors.through
    for row in (through.objects.filter(session__in=held.values("pk")).values("session__center_id")
                .annotate(n=Count("user_id", distinct=True))):
        figures[row["session__center_id"]].ambassadors_active = row["n"]
    return [figures[c.pk] for c in centers]


def _learners_with_account(ids: list[int], start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(center id, distinct people with an account who came) for sessions that started in [start, end).

    Whole local days (what the dashboard asks for) read the per-(center, person) rollup: a person is
    counted once however many sessions they came to. Other periods count from attendance itself.
    """
    from django.db import connection

    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.time() != time.min or local_end.time() != time.min or not ids:
        rows = (Attendance.objects.filter(user__isnull=False, session__center_id__in=ids,
                                          session__starts_at__gte=start, session__starts_at__lt=end,
                                          session__cancelled_at__isnull=True)
                .values("session__center_id").order_by().annotate(n=Count("user_id", distinct=True)))
        return [(row["session__center_id"], row["n"]) for row in rows]
    first, last = local_start.date(), local_end.date() - timedelta(days=1)
    window = LearnerDays.objects.filter(center_id__in=ids, first_day__lte=last, last_day__gte=first)
    if connection.vendor != "postgresql":
        counts: dict[int, int] = {}
        for center_id, days in window.values_list("center_id", "days"):
            if touches(days, first, last):
                counts[center_id] = counts.get(center_id, 0) + 1
        return list(counts.items())
    # People whose first and last days both fall in the period came in it: counted from the index
    # alone. Only those who also came before or after it need their days looked at (`&&`).
    inside = window.filter(first_day__gte=first, last_day__lte=last)
    across = window.filter(Q(first_day__lt=first) | Q(last_day__gt=last), days__touches=(first, last))
    rows = (inside.values("center_id").order_by().annotate(n=Count("pk"))
            .union(across.values("center_id").order_by().annotate(n=Count("pk")), all=True))
    counts = {}
    for row in rows:
        counts[row["center_id"]] = counts.get(row["center_id"], 0) + row["n"]
    return list(counts.items())


def totals(rows: list[CenterFigures]) -> dict:
    attendance = sum(r.attendance for r in rows)
    return {
        "sessions_held": sum(r.sessions_held for r in rows),
        "unique_learners": sum(r.unique_learners for r in rows),
        "attendance": attendance,
        "course_completions": sum(r.course_completions for r in rows),
        "women_percent": round(100 * sum(r.women_share * r.attendance for r in rows) / attendance) if attendance else 0,
        "youth_percent": round(100 * sum(r.youth_share * r.attendance for r in rows) / attendance) if attendance else 0,
        "ambassadors_active": sum(r.ambassadors_active for r in rows),
    }


def attendance_exists(session_id) -> Exists:
    return Exists(Attendance.objects.filter(session_id=session_id))


# --- For other apps (ambassadors): they read sessions through these, never through labs' models ----

def sessions_of_ambassador(user):
    """Sessions she is on as an ambassador or leads."""
    return Session.objects.filter(Q(ambassadors=user) | Q(lead=user)).distinct()


def upcoming_with_registered_count(sessions, *, now: datetime, limit: int = 20) -> list:
    """The ones of `sessions` not over nor cancelled, soonest first, each with `registered` (people)."""
    return list(sessions.filter(ends_at__gte=now, cancelled_at__isnull=True).select_related("center")
                .annotate(registered=Count("registrations", distinct=True,
                                           filter=Q(registrations__status=RegistrationStatus.REGISTERED)))
                .order_by("starts_at")[:limit])


def reports_due_for(*, user, unled_too: bool, now: datetime, limit: int = 20) -> list:
    """Past sessions without a report that she leads (and, `unled_too`, those without a lead she was
    an ambassador on), latest first."""
    led = Q(lead=user) | Q(lead__isnull=True, ambassadors=user) if unled_too else Q(lead=user)
    return list(Session.objects.filter(led, starts_at__lte=now, cancelled_at__isnull=True, report__isnull=True)
                .distinct().select_related("center").order_by("-starts_at")[:limit])


def people_reached(sessions) -> int:
    """People who came to these sessions: each account once, each walk-in without one as one."""
    attended = Attendance.objects.filter(session__in=sessions.values("pk"))
    return (attended.filter(user__isnull=False).values("user_id").distinct().count()
            + attended.filter(user__isnull=True).count())


def sessions_supervised_with(*, supervisor, ambassadors, now: datetime, limit: int = 50) -> list:
    """Past sessions this facilitator ran (as facilitator, lead or at her center) that one of
    `ambassadors` (user ids) was on, latest first, with their ambassadors loaded."""
    return list(Session.objects.filter(Q(facilitators=supervisor) | Q(lead=supervisor)
                                       | Q(center__facilitators=supervisor),
                                       starts_at__lte=now, cancelled_at__isnull=True, ambassadors__in=ambassadors)
                .distinct().select_related("center").prefetch_related("ambassadors")
                .order_by("-starts_at")[:limit])


def all_centers():
    return Center.objects.all()


# A center's row is remembered with the page structure (its name is in the leaderboard tabs of every
# learner there): a center saved or deleted starts a new generation in every process.
structure.also_structure(Center)


def home_center(request, center_id: int | None) -> Center | None:
    """The person's home center, remembered per process with the page structure (no query per page)."""
    if center_id is None:
        return None
    return structure.remembered(request, "center", center_id, lambda: Center.objects.filter(pk=center_id).first())


def session_with_center(session_id: int) -> Session | None:
    return Session.objects.select_related("center").filter(pk=session_id).first()


def recent_sessions_run_by(user, *, kind: str, days: int = 30):
    """Sessions of this kind at her centers (facilitators) or that she facilitates, not cancelled,
    not ended more than `days` ago, soonest first."""
    if not user.is_authenticated:
        return Session.objects.none()
    mine = Q(facilitators=user)
    if has_role(user, FACILITATOR):
        mine |= Q(center__in=centers_for(user))
    recent = timezone.now() - timedelta(days=days)
    return (Session.objects.filter(mine, kind=kind, cancelled_at__isnull=True, ends_at__gte=recent)
            .select_related("center").distinct().order_by("starts_at"))


def sessions_to_link(*, linked=(), days: int = 30):
    """Sessions a call may be linked to: not cancelled and not ended more than `days` ago, and the
    ones already linked (`linked`: ids), soonest first."""
    recent = timezone.now() - timedelta(days=days)
    return (Session.objects.filter(cancelled_at__isnull=True, ends_at__gte=recent) | Session.objects.filter(pk__in=linked)
            ).select_related("center").distinct().order_by("starts_at")


def is_block_by_block(session: Session) -> bool:
    return session.kind == SessionKind.BLOCK_BY_BLOCK


def mark_all_key(batch: uuid.UUID, user_id: int) -> uuid.UUID:
    """The device key of one mark made by "mark all registered present": derived from the batch, so
    repeating the request marks nobody twice and its undo finds exactly the marks it made."""
    return uuid.uuid5(batch, str(user_id))


def mark_all_keys(session: Session, batch: uuid.UUID) -> list[uuid.UUID]:
    people = Registration.objects.filter(session=session).values_list("user_id", flat=True)
    return [mark_all_key(batch, user_id) for user_id in people]
