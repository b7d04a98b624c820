"""Attendance in a noisy room: roster ticks, walk-ins, QR self check-in, the offline queue's retries."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs import services, signals
from labs.models import Attendance
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def test_ticking_the_roster_marks_a_registered_learner_present(ambassador_client, running_session, learner):
    services.register(user=learner, session=running_session) if running_session.ends_at > timezone.now() else None
    ambassador_client.post(reverse("session_attendance", args=[running_session.pk]),
                           {"action": "present", "user_id": learner.pk, "client_key": str(uuid.uuid4())})
    assert Attendance.objects.filter(session=running_session, user=learner).exists()


def test_the_same_mark_sent_twice_by_the_offline_queue_is_stored_once(ambassador_client, running_session):
    key = str(uuid.uuid4())
    data = {"action": "walkin", "nickname": "Mealea", "age_band": "13-17", "gender": "woman", "client_key": key}
    url = reverse("session_attendance", args=[running_session.pk])
    first = ambassador_client.post(url, data, HTTP_ACCEPT="application/json")
    again = ambassador_client.post(url, data, HTTP_ACCEPT="application/json")
    assert first.json()["created"] is True and again.json()["created"] is False
    assert Attendance.objects.filter(session=running_session).count() == 1


def test_a_walk_in_needs_only_nickname_and_age_band(ambassador, running_session):
    attendance, _ = services.add_walk_in(by=ambassador, session=running_session, nickname="Kosal", age_band="60+")
    assert attendance.user is None and attendance.gender == ""


def test_a_walk_in_without_nickname_is_refused(ambassador_client, running_session):
    response = ambassador_client.post(reverse("session_attendance", args=[running_session.pk]),
                                      {"action": "walkin", "nickname": "", "age_band": "18-24"},
                                      HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_a_walk_in_is_linked_to_an_account_later_and_counts_for_them(ambassador, running_session):
    attendance, _ = services.add_walk_in(by=ambassador, session=running_session, nickname="Kosal", age_band="18-24")
    heard = []
    signals.session_attended.connect(lambda sender, user, session, **kw: heard.append(user), weak=False,
                                     dispatch_uid="test-link")
    try:
        person = UserFactory()
        services.link_walk_in(by=ambassador, attendance=attendance, user=person)
    finally:
        signals.session_attended.disconnect(dispatch_uid="test-link")
    assert Attendance.objects.get(pk=attendance.pk).user == person
    assert heard == [person]


def test_qr_check_in_during_the_session_marks_the_learner_present(learner_client, learner, running_session):
    response = learner_client.post(reverse("session_check_in", args=[running_session.pk]),
                                   {"code": running_session.checkin_code}, follow=True)
    assert Attendance.objects.filter(session=running_session, user=learner, method="qr").exists()
    assert "You are checked in" in response.content.decode()


def test_check_in_with_an_expired_code_is_refused(learner_client, learner, center):
    over = make_session(center, starts_in=-timedelta(hours=5), hours=2)
    response = learner_client.post(reverse("session_check_in", args=[over.pk]), {"code": over.checkin_code}, follow=True)
    assert "only works during the session" in response.content.decode()
    assert not Attendance.objects.exists()


def test_check_in_before_the_session_opens_is_refused(learner, center):
    later = make_session(center, starts_in=timedelta(hours=3))
    with pytest.raises(services.SessionError):
        services.self_check_in(user=learner, session=later, code=later.checkin_code)


def test_check_in_with_another_sessions_code_is_refused(learner_client, learner, center, running_session):
    other = make_session(center, starts_in=-timedelta(minutes=10))
    response = learner_client.post(reverse("session_check_in", args=[running_session.pk]),
                                   {"code": other.checkin_code}, follow=True)
    assert "not the code of this session" in response.content.decode()
    assert not Attendance.objects.exists()


def test_double_check_in_is_refused_and_stored_once(learner, running_session):
    services.self_check_in(user=learner, session=running_session, code=running_session.checkin_code)
    with pytest.raises(services.SessionError) as error:
        services.self_check_in(user=learner, session=running_session, code=running_session.checkin_code)
    assert "already checked in" in str(error.value)
    assert Attendance.objects.filter(user=learner).count() == 1


def test_a_man_cannot_check_in_to_a_women_only_session(center):
    session = make_session(center, starts_in=-timedelta(minutes=5), audience="women")
    with pytest.raises(services.SessionError):
        services.self_check_in(user=UserFactory(gender="man"), session=session, code=session.checkin_code)
    assert not Attendance.objects.exists()


def test_attendance_announces_session_attended_once(ambassador, running_session, learner):
    heard = []
    signals.session_attended.connect(lambda sender, user, session, **kw: heard.append((user, session)),
                                     weak=False, dispatch_uid="test-attended")
    try:
        services.mark_present(by=ambassador, session=running_session, user=learner, client_key=uuid.uuid4())
        services.mark_present(by=ambassador, session=running_session, user=learner, client_key=uuid.uuid4())
    finally:
        signals.session_attended.disconnect(dispatch_uid="test-attended")
    assert heard == [(learner, running_session)]


def test_attending_a_class_that_covers_a_lesson_records_a_lesson_visit(site, ambassador, center, learner):
    from courses.models import LessonProgress

    lesson = site["lessons"][0]
    session = make_session(center, starts_in=-timedelta(minutes=5), lesson_key=lesson.translation_key,
                           course_key=site["course"].translation_key)
    session.ambassadors.add(ambassador)
    services.mark_present(by=ambassador, session=session, user=learner)
    progress = LessonProgress.objects.get(user=learner, lesson_key=lesson.translation_key)
    assert progress.completed_at is None  # a visit: the learner still completes the lesson


def test_an_ambassador_of_another_center_cannot_take_attendance(client, running_session, learner):
    outsider = UserFactory(roles=["ambassador"])
    client.force_login(outsider)
    response = client.post(reverse("session_attendance", args=[running_session.pk]),
                           {"action": "present", "user_id": learner.pk})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_the_qr_code_is_an_svg_for_the_people_running_the_session(ambassador_client, running_session):
    response = ambassador_client.get(reverse("session_qr", args=[running_session.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_the_attendance_page_shows_the_roster_and_the_code(ambassador_client, running_session, learner):
    services.register(user=learner, session=running_session)
    page = ambassador_client.get(reverse("session_run", args=[running_session.pk])).content.decode()
    assert learner.nickname in page
    assert running_session.checkin_code in page
