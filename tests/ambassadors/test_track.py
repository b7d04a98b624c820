"""The Digital City Ambassador track: apply, review, train, practise, certify, expire, renew."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ambassadors import selectors, services, signals
from ambassadors.models import Application, Certification, RequiredCourse, TrackSettings
from cms.models import Notification
from courses.models import Enrolment
from labs import services as lab_services
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db

MOTIVATION = "I want to help my neighbours use the city's e-services and plan our street."


@pytest.fixture
def trainee(db, center, staff):
    person = UserFactory(home_center=center)
    application = services.apply(user=person, center=center, motivation=MOTIVATION, availability="Saturdays")
    services.accept(by=staff, application=application)
    return person


def complete(user, course, when=None):
    Enrolment.objects.update_or_create(user=user, course_key=course.translation_key,
                                       defaults={"completed_at": when or timezone.now()})


def practise(trainee, facilitator, center, times):
    for _ in range(times):
        session = make_session(center, starts_in=-timedelta(days=1))
        session.ambassadors.add(trainee)
        session.facilitators.add(facilitator)
        services.confirm_practice(by=facilitator, trainee=trainee, session=session)


def test_applying_tells_the_staff(learner, center, staff):
    services.apply(user=learner, center=center, motivation=MOTIVATION, availability="Evenings")
    assert Notification.objects.filter(user=staff, kind="ambassador-application").exists()


def test_a_second_open_application_is_refused(learner, center):
    services.apply(user=learner, center=center, motivation=MOTIVATION, availability="Evenings")
    with pytest.raises(services.TrackError):
        services.apply(user=learner, center=center, motivation=MOTIVATION, availability="Evenings")
    assert Application.objects.count() == 1


def test_a_one_word_motivation_is_refused(learner, center):
    with pytest.raises(services.TrackError):
        services.apply(user=learner, center=center, motivation="yes", availability="Evenings")


def test_applying_through_the_page(learner_client, center):
    learner_client.post(reverse("ambassador_track"), {"center": center.pk, "motivation": MOTIVATION,
                                                      "availability": "Weekends"})
    assert Application.objects.get().status == "submitted"


def test_declining_needs_a_reason_and_tells_the_applicant(learner, center, staff):
    application = services.apply(user=learner, center=center, motivation=MOTIVATION, availability="x")
    with pytest.raises(services.TrackError):
        services.decline(by=staff, application=application, reason="")
    services.decline(by=staff, application=application, reason="We need Saturday availability.")
    note = Notification.objects.get(user=learner, kind="ambassador-declined")
    assert "Saturday availability" in note.body


def test_only_staff_can_decide(learner, center):
    application = services.apply(user=learner, center=center, motivation=MOTIVATION, availability="x")
    with pytest.raises(services.TrackError):
        services.accept(by=UserFactory(roles=["facilitator"]), application=application)
    assert Application.objects.get().status == "submitted"


def test_accepted_trainee_sees_required_courses_with_progress(trainee, site):
    RequiredCourse.objects.create(course=site["course"])
    status = selectors.track_status(user=trainee)
    assert [s.done for s in status.courses] == [False]
    complete(trainee, site["course"])
    assert selectors.track_status(user=trainee).training_done


def test_practice_must_be_confirmed_by_a_supervising_facilitator(trainee, center):
    session = make_session(center, starts_in=-timedelta(days=1))
    session.ambassadors.add(trainee)
    stranger = UserFactory(roles=["facilitator"])
    with pytest.raises(services.TrackError):
        services.confirm_practice(by=stranger, trainee=trainee, session=session)
    assert selectors.track_status(user=trainee).practice_done == 0


def test_certification_before_training_and_practice_is_refused(trainee, staff, site):
    RequiredCourse.objects.create(course=site["course"])
    with pytest.raises(services.TrackError):
        services.certify(by=staff, user=trainee)
    assert not Certification.objects.exists()


def test_full_track_ends_in_a_certificate_and_an_announcement(trainee, staff, facilitator, center, site, client):
    RequiredCourse.objects.create(course=site["course"])
    complete(trainee, site["course"])
    practise(trainee, facilitator, center, TrackSettings.current().practice_sessions_required)
    heard = []
    signals.ambassador_certified.connect(lambda sender, user, certification, **kw: heard.append(user), weak=False,
                                         dispatch_uid="test-certified")
    try:
        certification = services.certify(by=staff, user=trainee)
    finally:
        signals.ambassador_certified.disconnect(dispatch_uid="test-certified")
    assert heard == [trainee]
    page = client.get(reverse("ambassador_certificate", args=[certification.number])).content.decode()
    assert trainee.nickname in page and "Valid" in page


def certified(user, staff, *, days_ago=0, valid_days=365):
    now = timezone.now() - timedelta(days=days_ago)
    return Certification.objects.create(user=user, issued_at=now, expires_at=now + timedelta(days=valid_days),
                                        issued_by=staff)


def test_an_expired_ambassador_cannot_be_lead(trainee, staff, center, facilitator):
    certified(trainee, staff, days_ago=400)
    session = make_session(center)
    with pytest.raises(lab_services.SessionError):
        lab_services.update_session(by=facilitator, session=session, lead=trainee)
    session.refresh_from_db()
    assert session.lead is None


def test_a_certified_ambassador_can_lead(trainee, staff, center, facilitator):
    certified(trainee, staff)
    session = make_session(center)
    lab_services.update_session(by=facilitator, session=session, lead=trainee)
    session.refresh_from_db()
    assert session.lead == trainee


def test_completing_the_refresher_course_renews_an_expiring_certification(trainee, staff, site):
    from courses.services import complete_lesson, record_lesson_visit

    certification = certified(trainee, staff, days_ago=360)
    RequiredCourse.objects.create(course=site["course"], purpose="refresher")
    for lesson in site["lessons"]:
        record_lesson_visit(user=trainee, lesson=lesson)
        if lesson.quiz_blocks():
            from courses.services import submit_quiz
            from tests.factories import ALL_RIGHT, QUIZ_ID
            submit_quiz(user=trainee, lesson=lesson, quiz_id=QUIZ_ID, token=__import__("uuid").uuid4(), answers=ALL_RIGHT)
        complete_lesson(user=trainee, lesson=lesson)
    certification.refresh_from_db()
    assert certification.expires_at > timezone.now() + timedelta(days=300)


def test_expiring_certifications_are_warned_once(trainee, staff):
    certified(trainee, staff, days_ago=350)
    assert services.warn_expiring() == 1
    assert services.warn_expiring() == 0
    assert Notification.objects.filter(user=trainee, kind="certification-expiring").count() == 1


def test_ambassador_dashboard_shows_reports_due_and_learners_reached(trainee, staff, center, client):
    certified(trainee, staff)
    session = make_session(center, starts_in=-timedelta(hours=3), hours=1, title="Phones for elders", lead=trainee)
    lab_services.add_walk_in(by=trainee, session=session, nickname="Grandma", age_band="60+")
    client.force_login(trainee)
    data = selectors.ambassador_dashboard(user=trainee)
    assert data.learners_reached == 1
    page = client.get(reverse("ambassador_dashboard")).content.decode()
    assert "Reports due" in page and "Phones for elders" in page


def test_a_trainee_is_not_asked_for_the_report_of_a_session_she_did_not_lead(
        trainee, center, facilitator, client):
    session = make_session(center, starts_in=-timedelta(hours=3), hours=1, title="Phones for elders",
                           lead=facilitator)
    session.ambassadors.add(trainee)
    lab_services.add_walk_in(by=trainee, session=session, nickname="Grandma", age_band="60+")
    client.force_login(trainee)
    page = client.get(reverse("ambassador_dashboard")).content.decode()
    assert "Reports due" not in page and "Phones for elders" not in page
    assert selectors.ambassador_dashboard(user=trainee).learners_reached == 1
    client.force_login(facilitator)
    assert [s.pk for s in selectors.ambassador_dashboard(user=facilitator).reports_due] == [session.pk]


def test_a_session_without_a_lead_asks_its_certified_ambassador_not_a_trainee(trainee, staff, center):
    ambassador = UserFactory(home_center=center)
    certified(ambassador, staff)
    session = make_session(center, starts_in=-timedelta(hours=3), hours=1)
    session.ambassadors.add(trainee, ambassador)
    assert selectors.ambassador_dashboard(user=trainee).reports_due == []
    assert [s.pk for s in selectors.ambassador_dashboard(user=ambassador).reports_due] == [session.pk]


def test_a_certified_ambassador_no_longer_sees_apply(trainee, staff, client):
    certified(trainee, staff)
    client.force_login(trainee)
    page = client.get(reverse("ambassador_track")).content.decode()
    assert "Apply" not in page and "Send my application" not in page
    assert "Your certificate" in page


def test_an_ambassador_certified_without_an_application_cannot_apply(learner, staff, center, client):
    certified(learner, staff)
    client.force_login(learner)
    assert "Send my application" not in client.get(reverse("ambassador_track")).content.decode()
    client.post(reverse("ambassador_track"), {"center": center.pk, "motivation": MOTIVATION, "availability": "Sat"})
    with pytest.raises(services.TrackError):
        services.apply(user=learner, center=center, motivation=MOTIVATION, availability="Saturdays")
    assert not Application.objects.filter(user=learner).exists()


def plan_data(center):
    start = timezone.localtime() + timedelta(days=3)
    return {"center": center.pk, "kind": "class", "title": "Paying bills online", "capacity": 10, "audience": "open",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}


def test_a_certified_ambassador_plans_and_leads_a_session_alone(trainee, staff, center, client):
    from labs.models import Session

    certified(trainee, staff)
    client.force_login(trainee)
    client.post(reverse("session_plan"), plan_data(center))
    session = Session.objects.get(title="Paying bills online")
    assert session.lead == trainee and list(session.facilitators.all()) == []


def test_a_trainee_cannot_plan_a_session_alone(trainee, center, client):
    from labs.models import Session

    client.force_login(trainee)
    assert client.post(reverse("session_plan"), plan_data(center)).status_code == 403
    assert not Session.objects.exists()
