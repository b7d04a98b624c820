"""The dashboard rollup: per-session attendance tallies and per-(center, person) attended days.

Kept in step by signal receivers (connected in LabsConfig.ready) inside the transaction that changes
an attendance row or a session, so every path that saves through the ORM (services, admin, cascades)
is covered. Each receiver recomputes the affected rollup rows from the attendance itself, under a row
lock, instead of adding and subtracting: a re-mark, a relink or a retry can never drift the numbers.
Bulk writes that skip signals (bulk_create, raw SQL, queryset.update) must run
`manage.py rebuild_dashboard_rollup` afterwards.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from cms.models import YOUTH_AGE_BANDS, Gender
from labs.models import Attendance, LearnerDays, Session, SessionTally


def local_day(moment: datetime) -> date:
    """The calendar day a session belongs to, in the programme's time zone (as the dashboard's periods)."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def day_set(days: Iterable[date]) -> str:
    """Days as PostgreSQL's canonical multirange text: sorted half-open ranges, consecutive days merged."""
    ranges: list[list[date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day:
            ranges[-1][1] = day + timedelta(days=1)
        else:
            ranges.append([day, day + timedelta(days=1)])
    return "{" + ",".join(f"[{lo.isoformat()},{hi.isoformat()})" for lo, hi in ranges) + "}"


def parse_day_set(text: str) -> list[tuple[date, date]]:
    """The half-open (first, after) ranges of a day set's text."""
    inner = text.strip("{}")
    if not inner:
        return []
    ranges = []
    for part in inner.split("),"):
        lo, hi = part.strip("[)").split(",")
        ranges.append((date.fromisoformat(lo), date.fromisoformat(hi)))
    return ranges


def touches(text: str, first: date, last: date) -> bool:
    """Whether a day set has a day in [first, last] (the SQLite twin of PostgreSQL's `&&`)."""
    return any(lo <= last and hi > first for lo, hi in parse_day_set(text))


def _tally_figures(attendance_rows) -> dict:
    return attendance_rows.aggregate(
        attendance=Count("pk"),
        walk_ins=Count("pk", filter=Q(user__isnull=True)),
        women=Count("pk", filter=Q(gender=Gender.WOMAN)),
        youth=Count("pk", filter=Q(age_band__in=list(YOUTH_AGE_BANDS))),
    )


def refresh_tally(session_id: int, *, create: bool = True) -> None:
    """Recount one session. `create=False` (deletions) never inserts: the session may be on its way out."""
    if create and not SessionTally.objects.filter(session_id=session_id).exists():
        try:
            with transaction.atomic():
                SessionTally.objects.create(session_id=session_id)
        except IntegrityError:  # made at the same moment by another transaction
            pass
    # The lock makes a concurrent mark wait, then recount with this one's row committed.
    locked = list(SessionTally.objects.select_for_update().filter(session_id=session_id).values_list("pk", flat=True))
    if locked:
        SessionTally.objects.filter(session_id=session_id).update(
            **_tally_figures(Attendance.objects.filter(session_id=session_id)))


def refresh_learner(center_id: int, user_id: int | None) -> None:
    """Recompute the days one person came to one center; no row when there are none."""
    if user_id is None:
        return
    rows = LearnerDays.objects.filter(center_id=center_id, user_id=user_id)
    list(rows.select_for_update().values_list("pk", flat=True))
    days = {local_day(starts) for starts in Attendance.objects.filter(
        user_id=user_id, session__center_id=center_id, session__cancelled_at__isnull=True,
    ).values_list("session__starts_at", flat=True)}
    if not days:
        rows.delete()
        return
    values = {"first_day": min(days), "last_day": max(days), "days": day_set(days)}
    if not rows.update(**values):
        try:
            with transaction.atomic():
                LearnerDays.objects.create(center_id=center_id, user_id=user_id, **values)
        except IntegrityError:  # another transaction made it meanwhile: lock it and count again
            list(rows.select_for_update().values_list("pk", flat=True))
            refresh_learner(center_id, user_id)


def refresh_session(session_id: int, *, centers: Iterable[int] = ()) -> None:
    """After a session moved, changed centers or was cancelled: its tally and everyone who came."""
    refresh_tally(session_id)
    center_ids = set(centers) | set(Session.objects.filter(pk=session_id).values_list("center_id", flat=True))
    people = set(Attendance.objects.filter(session_id=session_id, user__isnull=False).values_list("user_id", flat=True))
    for center_id in center_ids:
        for user_id in people:
            refresh_learner(center_id, user_id)


# --- receivers -----------------------------------------------------------------------------------

_UNKNOWN = object()  # a field deferred when the row was loaded: assume it changed


def _remember(instance, fields: tuple[str, ...]) -> None:
    # __dict__, not getattr: reading a deferred field here would cost a query per loaded row.
    instance._rollup_was = tuple(instance.__dict__.get(name, _UNKNOWN) for name in fields)


_ATTENDANCE_FIELDS = ("session_id", "user_id", "gender", "age_band")
_SESSION_FIELDS = ("center_id", "starts_at", "cancelled_at")


def _remember_attendance(sender, instance, **kwargs):
    _remember(instance, _ATTENDANCE_FIELDS)


def _attendance_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    was = getattr(instance, "_rollup_was", (_UNKNOWN,) * len(_ATTENDANCE_FIELDS))
    now = tuple(getattr(instance, name) for name in _ATTENDANCE_FIELDS)
    if not created and now == was:
        return
    was_session, was_user = (None if v is _UNKNOWN else v for v in was[:2])
    refresh_tally(instance.session_id)
    if was_session and was_session != instance.session_id:
        refresh_tally(was_session)
    _refresh_people({(was_session, was_user), (instance.session_id, instance.user_id)})
    _remember_attendance(sender, instance)


def _attendance_deleted(sender, instance, **kwargs):
    refresh_tally(instance.session_id, create=False)
    _refresh_people({(instance.session_id, instance.user_id)})


def _refresh_people(pairs: set[tuple[int | None, int | None]]) -> None:
    sessions = {s for s, u in pairs if s and u}
    if not sessions:
        return
    centers = dict(Session.objects.filter(pk__in=sessions).values_list("pk", "center_id"))
    for session_id, user_id in pairs:
        if session_id in centers and user_id:
            refresh_learner(centers[session_id], user_id)


def _remember_session(sender, instance, **kwargs):
    _remember(instance, _SESSION_FIELDS)


def _session_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created:
        return
    if update_fields is not None and not {"center", "center_id", "starts_at", "cancelled_at"} & set(update_fields):
        return
    was_center, was_start, was_cancelled = getattr(instance, "_rollup_was", (_UNKNOWN,) * len(_SESSION_FIELDS))
    unknown = _UNKNOWN in (was_center, was_start, was_cancelled)
    changed = unknown or (
        was_center != instance.center_id
        or (was_cancelled is None) != (instance.cancelled_at is None)
        or local_day(was_start) != local_day(instance.starts_at))
    if changed:
        refresh_session(instance.pk, centers=[] if was_center is _UNKNOWN else [was_center])
    _remember_session(sender, instance)


def _user_deleting(sender, instance, **kwargs):
    # Deleting an account keeps its presences as anonymous ones (SET_NULL, a bulk update without
    # signals): they become walk-ins, so their sessions are recounted once the account is gone.

    instance._rollup_sessions = set(Attendance.objects.filter(user=instance).values_list("session_id", flat=True))


def _user_deleted(sender, instance, **kwargs):
    for session_id in getattr(instance, "_rollup_sessions", ()):
        refresh_tally(session_id, create=False)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import signals

    signals.post_init.connect(_remember_attendance, sender=Attendance, dispatch_uid="rollup_att_init")
    signals.post_save.connect(_attendance_saved, sender=Attendance, dispatch_uid="rollup_att_save")
    signals.post_delete.connect(_attendance_deleted, sender=Attendance, dispatch_uid="rollup_att_delete")
    signals.post_init.connect(_remember_session, sender=Session, dispatch_uid="rollup_session_init")
    signals.post_save.connect(_session_saved, sender=Session, dispatch_uid="rollup_session_save")
    signals.pre_delete.connect(_user_deleting, sender=get_user_model(), dispatch_uid="rollup_user_deleting")
    signals.post_delete.connect(_user_deleted, sender=get_user_model(), dispatch_uid="rollup_user_deleted")


_CURRENT_MODELS = (Attendance, SessionTally, LearnerDays)  # a data migration passes its historical ones


# --- rebuild -------------------------------------------------------------------------------------

def rebuild(*, Attendance=None, SessionTally=None, LearnerDays=None, batch: int = 5000) -> dict:
    """Recompute the whole rollup from attendance (the command, the data migration, after bulk loads)."""
    if Attendance is None:
        Attendance, SessionTally, LearnerDays = _CURRENT_MODELS
    with transaction.atomic():
        SessionTally.objects.all().delete()
        LearnerDays.objects.all().delete()
        tallies = (Attendance.objects.values("session_id").order_by("session_id").annotate(
            attendance=Count("pk"), walk_ins=Count("pk", filter=Q(user__isnull=True)),
            women=Count("pk", filter=Q(gender=Gender.WOMAN)),
            youth=Count("pk", filter=Q(age_band__in=list(YOUTH_AGE_BANDS)))))
        SessionTally.objects.bulk_create([SessionTally(**row) for row in tallies], batch_size=batch)
        days: dict[tuple[int, int], set[date]] = defaultdict(set)
        rows = (Attendance.objects.filter(user__isnull=False, session__cancelled_at__isnull=True)
                .values_list("session__center_id", "user_id", "session__starts_at").iterator(chunk_size=batch))
        for center_id, user_id, starts_at in rows:
            days[(center_id, user_id)].add(local_day(starts_at))
        LearnerDays.objects.bulk_create([
            LearnerDays(center_id=c, user_id=u, first_day=min(d), last_day=max(d), days=day_set(d))
            for (c, u), d in days.items()
        ], batch_size=batch)
    return {"sessions": len(tallies), "learners": len(days)}
