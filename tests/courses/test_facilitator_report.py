"""Facilitators see progress of their own centers' learners only; CSV export."""

import csv
import io

import pytest
from django.urls import reverse

from courses import services
from tests.factories import ALL_RIGHT, QUIZ_ID, CenterFactory, UserFactory, new_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress(site, center, learner):
    services.complete_lesson(user=learner, lesson=site["lessons"][0])
    services.submit_quiz(user=learner, lesson=site["lessons"][1], quiz_id=QUIZ_ID, token=new_token(), answers=ALL_RIGHT)
    outsider = UserFactory(home_center=CenterFactory(), nickname="Outsider")
    services.record_lesson_visit(user=outsider, lesson=site["lessons"][0])
    return learner


def report_url(center, site):
    return reverse("center_course_report", args=[center.pk, site["course"].pk])


def test_the_report_shows_each_learner_of_the_center(client, facilitator, center, site, progress):
    client.force_login(facilitator)
    body = client.get(report_url(center, site)).content.decode()
    assert progress.nickname in body
    assert "2 / 3" in body and "100%" in body
    assert "Outsider" not in body


def test_the_csv_export_has_the_same_rows(client, facilitator, center, site, progress):
    client.force_login(facilitator)
    response = client.get(report_url(center, site) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Nickname", "Username"]
    assert [row[0] for row in rows[1:]] == [progress.nickname]
    assert rows[1][4:6] == ["2", "3"] and rows[1][-1] == "100"


def test_a_formula_in_a_nickname_is_not_run_by_spreadsheets(client, facilitator, center, site):
    sly = UserFactory(home_center=center, nickname="=HYPERLINK(\"x\")")
    services.record_lesson_visit(user=sly, lesson=site["lessons"][0])
    client.force_login(facilitator)
    content = client.get(report_url(center, site) + "?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content


def test_another_centers_report_is_forbidden_even_with_a_forged_id(client, facilitator, site):
    other = CenterFactory()
    client.force_login(facilitator)
    assert client.get(report_url(other, site)).status_code == 403
    assert client.get(report_url(other, site) + "?format=csv").status_code == 403


def test_learners_cannot_see_reports(client, learner, center, site):
    client.force_login(learner)
    assert client.get(report_url(center, site)).status_code == 403
    assert client.get(reverse("facilitate")).status_code == 403


def test_city_staff_see_every_center(client, site, progress, center):
    staff = UserFactory(roles=["innovation-unit"])
    client.force_login(staff)
    assert progress.nickname in client.get(report_url(center, site)).content.decode()


