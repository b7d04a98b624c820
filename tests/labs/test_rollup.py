"""The dashboard rollup stays equal to a count from scratch through every kind of attendance change."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from cms.models import YOUTH_AGE_BANDS, Gender
from labs import rollup, selectors, services
from labs.models import Attendance, LearnerDays, Session, SessionTally
from tests.factories import CenterFactory, UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def from_scratch(*, viewer, start, end) -> list[tuple]:
    """The dashboard's numbers counted from every attendance row (how it was done before the rollup)."""
    rows = []
    for center in selectors.centers_for(viewer).order_by("name"):
        held = Session.objects.filter(center=center, starts_at__gte=start, starts_at__lt=end,
                                      cancelled_at__isnull=True)
        present = Attendance.objects.filter(session__in=held)
        agg = present.aggregate(total=Count("pk"), people=Count("user_id", distinct=True),
                                walk_ins=Count("pk", filter=Q(user__isnull=True)),
                                women=Count("pk", filter=Q(gender=Gender.WOMAN)),
                                youth=Count("pk", filter=Q(age_band__in=list(YOUTH_AGE_BANDS))))
        total = agg["total"]
        rows.append((center.pk, held.count(), agg["people"] + agg["walk_ins"], total,
                     round(100 * agg["women"] / total) if total else 0,
                     round(100 * agg["youth"] / total) if total else 0))
    return rows


def shown(*, viewer, start, end) -> list[tuple]:
    return [(r.center.pk, r.sessions_held, r.unique_learners, r.attendance, r.women_percent, r.youth_percent)
            for r in selectors.dashboard(viewer=viewer, start=start, end=end)]


def periods():
    """Whole local days as the page asks (30 days, a year, one day) and one period that is not."""
    today = timezone.localdate()

    def midnight(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    return [
        (midnight(today - timedelta(days=29)), midnight(today + timedelta(days=1))),
        (midnight(today - timedelta(days=365)), midnight(today + timedelta(days=1))),
        (midnight(today - timedelta(days=2)), midnight(today - timedelta(days=1))),
        (timezone.now() - timedelta(days=3, hours=5), timezone.now() + timedelta(hours=1)),
    ]


def rollup_rows():
    tallies = sorted(SessionTally.objects.filter(attendance__gt=0)
                     .values_list("session_id", "attendance", "walk_ins", "women", "youth"))
    learners = sorted(LearnerDays.objects.values_list("center_id", "user_id", "first_day", "last_day", "days"))
    return tallies, learners


def assert_consistent(viewer):
    for start, end in periods():
        assert shown(viewer=viewer, start=start, end=end) == from_scratch(viewer=viewer, start=start, end=end)
    kept = rollup_rows()
    rollup.rebuild()
    assert rollup_rows() == kept


def test_dashboard_equals_a_count_from_scratch_through_a_sequence_of_changes(staff):
    a, b = CenterFactory(name="A"), CenterFactory(name="B")
    s1 = make_session(a, starts_in=-timedelta(days=2))
    s2 = make_session(a, starts_in=-timedelta(days=1, hours=3))
    s3 = make_session(b, starts_in=-timedelta(days=2))
    old = make_session(a, starts_in=-timedelta(days=40))
    ana = UserFactory(gender=Gender.WOMAN, age_band="13-17")
    bo = UserFactory(gender=Gender.MAN, age_band="25-59")
    chea = UserFactory(gender=Gender.WOMAN, age_band="18-24")

    # Ana comes twice to A (one learner, two presences) and once to B; a retry does not double her.
    services.mark_present(by=staff, session=s1, user=ana)
    services.mark_present(by=staff, session=s2, user=ana)
    services.mark_present(by=staff, session=s1, user=ana)
    services.mark_present(by=staff, session=s3, user=ana)
    services.mark_present(by=staff, session=old, user=bo)
    assert_consistent(staff)
    assert shown(viewer=staff, start=periods()[0][0], end=periods()[0][1])[0][2:4] == (1, 2)

    # Two walk-ins, one later linked to Chea's new account; Chea also came to s2.
    walk_in, _ = services.add_walk_in(by=staff, session=s1, nickname="Chea", age_band="18-24", gender="woman")
    services.add_walk_in(by=staff, session=s1, nickname="Dara", age_band="60+", gender="")
    services.mark_present(by=staff, session=s2, user=chea)
    assert_consistent(staff)
    services.link_walk_in(by=staff, attendance=walk_in, user=chea)
    assert_consistent(staff)

    # Re-marked: Ana is taken off s2 (still counted through s1), Bo's old session moves into the period.
    services.unmark_present(by=staff, session=s2, attendance_id=Attendance.objects.get(session=s2, user=ana).pk)
    assert_consistent(staff)
    services.update_session(by=staff, session=old, starts_at=timezone.now() - timedelta(days=3),
                            ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2))
    assert_consistent(staff)

    # s1 is cancelled: nobody counts through it any more; then a session moves to another center.
    services.cancel_session(by=staff, session=s1, reason="Storm")
    assert_consistent(staff)
    s2.refresh_from_db()
    s2.center = b
    s2.save()
    assert_consistent(staff)

    # An account is deleted (its presences stay, anonymous) and a session is deleted with its attendance.
    bo.delete()
    assert_consistent(staff)
    s3.delete()
    assert_consistent(staff)


def test_unique_learners_count_a_person_once_across_sessions_and_days(staff, center):
    people = [UserFactory() for _ in range(3)]
    for days_ago in (1, 2, 3):
        session = make_session(center, starts_in=-timedelta(days=days_ago))
        for person in people:
            services.mark_present(by=staff, session=session, user=person)
    start, end = periods()[0]
    row = selectors.dashboard(viewer=staff, start=start, end=end)[0]
    assert (row.sessions_held, row.attendance, row.unique_learners) == (3, 9, 3)


def test_a_period_of_one_day_counts_only_that_day(staff, center):
    person = UserFactory()
    for days_ago in (1, 3):
        services.mark_present(by=staff, session=make_session(center, starts_in=-timedelta(days=days_ago)),
                              user=person)
    start, end = periods()[2]  # the day before yesterday: nobody came
    assert selectors.dashboard(viewer=staff, start=start, end=end)[0].unique_learners == 0


def test_rebuild_command_catches_up_after_a_bulk_load(staff, center):
    session = make_session(center, starts_in=-timedelta(days=1))
    person = UserFactory(gender=Gender.WOMAN)
    # bulk_create sends no signals: the rollup does not see these rows until it is rebuilt.
    Attendance.objects.bulk_create([
        Attendance(session=session, user=person, nickname="A", gender="woman", age_band="18-24", method="roster"),
        Attendance(session=session, nickname="B", age_band="25-59", method="walkin"),
    ])
    start, end = periods()[0]
    assert shown(viewer=staff, start=start, end=end) != from_scratch(viewer=staff, start=start, end=end)
    call_command("rebuild_dashboard_rollup", stdout=io.StringIO())
    assert shown(viewer=staff, start=start, end=end) == from_scratch(viewer=staff, start=start, end=end)
    assert shown(viewer=staff, start=start, end=end)[0][1:] == (1, 2, 2, 50, 50)


def test_day_sets_merge_consecutive_days_and_answer_overlaps():
    from datetime import date

    text = rollup.day_set([date(2026, 1, 3), date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 1)])
    assert text == "{[2026-01-01,2026-01-04),[2026-02-01,2026-02-02)}"
    assert rollup.touches(text, date(2026, 1, 3), date(2026, 1, 20))
    assert not rollup.touches(text, date(2026, 1, 4), date(2026, 1, 31))
    assert rollup.day_set([]) == "{}" and not rollup.touches("{}", date(2026, 1, 1), date(2026, 12, 31))


def test_the_database_stores_day_sets_as_written(center):
    person = UserFactory()
    row = LearnerDays.objects.create(center=center, user=person, first_day="2026-01-01", last_day="2026-01-02",
                                     days="{[2026-01-01,2026-01-03)}")
    row.refresh_from_db()
    assert row.days == "{[2026-01-01,2026-01-03)}"
