"""The Innovation Unit dashboard: figures per center, charts, CSV, scope, constant queries."""

from datetime import timedelta

import pytest
from django.urls import reverse

from labs import services
from tests.factories import CenterFactory, UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(roles=["innovation-unit"]))
    return client


def fill(center, *, sessions=2, women=1, men=1):
    runner = UserFactory(roles=["ambassador"])
    for _ in range(sessions):
        session = make_session(center, starts_in=-timedelta(days=2))
        session.ambassadors.add(runner)
        for _w in range(women):
            services.add_walk_in(by=runner, session=session, nickname="W", age_band="13-17", gender="woman")
        for _m in range(men):
            services.add_walk_in(by=runner, session=session, nickname="M", age_band="25-59", gender="man")


def test_figures_per_center(staff_client, center):
    fill(center, sessions=2, women=3, men=1)
    response = staff_client.get(reverse("centers_dashboard"))
    row = response.context["rows"][0]
    assert (row.sessions_held, row.attendance, row.women_percent, row.youth_percent, row.ambassadors_active) == \
        (2, 8, 75, 75, 1)
    assert 'class="bar-chart"' in response.content.decode()


def test_query_count_does_not_grow_with_centers(staff_client, django_assert_max_num_queries):
    for _ in range(2):
        fill(CenterFactory())
    # Once first, as every page after the first is: the staff member's role names are then kept in
    # the cache (cms.rolecache), not read with this page's queries.
    staff_client.get(reverse("centers_dashboard"))
    with django_assert_max_num_queries(14) as few:
        staff_client.get(reverse("centers_dashboard"))
    for _ in range(6):
        fill(CenterFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(reverse("centers_dashboard"))


def test_facilitators_see_their_centers_only(client, facilitator, center):
    other = CenterFactory(name="Somewhere else")
    fill(other)
    client.force_login(facilitator)
    rows = client.get(reverse("centers_dashboard")).context["rows"]
    assert [r.center for r in rows] == [center]


def test_learners_cannot_see_the_dashboard(learner_client):
    assert learner_client.get(reverse("centers_dashboard")).status_code == 403


def test_csv_export_has_a_row_per_center(staff_client, center):
    fill(center)
    response = staff_client.get(reverse("centers_dashboard") + "?format=csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert len(lines) == 2 and lines[1].startswith(center.name)


def test_cancelled_and_out_of_period_sessions_do_not_count(staff_client, center, facilitator):
    fill(center, sessions=1)
    old = make_session(center, starts_in=-timedelta(days=90))
    cancelled = make_session(center, starts_in=-timedelta(days=1))
    services.cancel_session(by=facilitator, session=cancelled, reason="Storm")
    assert old and staff_client.get(reverse("centers_dashboard")).context["rows"][0].sessions_held == 1
