"""The facilitator of a session's center puts trainees and co-facilitators on it, from the session page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from ambassadors import services as track
from ambassadors.models import Certification
from cms.models import AuditEntry, Notification
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db

MOTIVATION = "I want to help my neighbours use the city's e-services and plan our street."


def accepted_trainee(center, staff, **fields):
    person = UserFactory(home_center=center, **fields)
    application = track.apply(user=person, center=center, motivation=MOTIVATION, availability="Saturdays")
    track.accept(by=staff, application=application)
    return person


@pytest.fixture
def trainee(center, staff):
    return accepted_trainee(center, staff, nickname="Sophea")


@pytest.fixture
def certified(center, staff):
    from django.utils import timezone

    person = UserFactory(roles=["ambassador"], home_center=center, nickname="Dara")
    Certification.objects.create(user=person, issued_at=timezone.now() - timedelta(days=1),
                                 expires_at=timezone.now() + timedelta(days=300), issued_by=staff)
    return person


def test_the_facilitator_sees_her_centers_ambassadors_on_the_session_page(client, facilitator, center, trainee,
                                                                          certified, other_center, staff):
    stranger = accepted_trainee(other_center, staff, nickname="Elsewhere")
    session = make_session(center)
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert "Sophea (trainee)" in page and "Dara" in page
    assert stranger.nickname not in page


def test_the_facilitator_assigns_a_trainee_who_is_told_and_can_then_be_confirmed(client, facilitator, center,
                                                                                 trainee, certified):
    session = make_session(center)
    client.force_login(facilitator)
    response = client.post(reverse("session_ambassadors", args=[session.pk]),
                           {"ambassadors": [str(trainee.pk), str(certified.pk)]})
    assert response.status_code == 302
    assert set(session.ambassadors.all()) == {trainee, certified}
    entries = AuditEntry.objects.filter(action="session.ambassador_add", actor=facilitator)
    assert {e.target_id for e in entries} == {str(trainee.pk), str(certified.pk)}
    assert Notification.objects.filter(user=trainee, kind="session-ambassador").exists()
    # The trainee sees it on her dashboard, and can run the session.
    client.force_login(trainee)
    dashboard = client.get(reverse("ambassador_dashboard")).content.decode()
    assert session.title in dashboard
    assert client.get(reverse("session_run", args=[session.pk])).status_code == 200


def test_unticking_takes_an_ambassador_off_and_is_audited(client, facilitator, center, trainee):
    session = make_session(center)
    session.ambassadors.add(trainee)
    client.force_login(facilitator)
    client.post(reverse("session_ambassadors", args=[session.pk]), {})
    assert not session.ambassadors.exists()
    assert AuditEntry.objects.filter(action="session.ambassador_remove", target_id=str(trainee.pk)).exists()


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "1 OR 1=1", ""])
def test_a_malformed_or_unknown_id_is_a_form_error_not_a_500(client, facilitator, center, value):
    session = make_session(center)
    client.force_login(facilitator)
    response = client.post(reverse("session_ambassadors", args=[session.pk]), {"ambassadors": [value]},
                           follow=True)
    assert response.status_code == 200
    assert "Choose ambassadors of this center only." in response.content.decode()
    assert not session.ambassadors.exists()


def test_another_centers_ambassador_is_refused(client, facilitator, center, other_center, staff):
    stranger = accepted_trainee(other_center, staff)
    session = make_session(center)
    client.force_login(facilitator)
    client.post(reverse("session_ambassadors", args=[session.pk]), {"ambassadors": [str(stranger.pk)]})
    assert not session.ambassadors.exists()
    assert not AuditEntry.objects.filter(action="session.ambassador_add").exists()


def test_the_service_refuses_another_centers_ambassador(facilitator, center, other_center, staff):
    from labs import services

    stranger = accepted_trainee(other_center, staff)
    session = make_session(center)
    with pytest.raises(services.SessionError):
        services.assign_ambassadors(by=facilitator, session=session, people=[stranger])


def test_a_facilitator_of_another_center_and_an_ambassador_cannot_assign(client, other_center, center, trainee,
                                                                         certified):
    outsider = UserFactory(roles=["facilitator"])
    other_center.facilitators.add(outsider)
    session = make_session(center)
    session.ambassadors.add(certified)
    for person in (outsider, certified, trainee):
        client.force_login(person)
        response = client.post(reverse("session_ambassadors", args=[session.pk]),
                               {"ambassadors": [str(trainee.pk)]})
        assert response.status_code == 403
        page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
        assert reverse("session_ambassadors", args=[session.pk]) not in page
    assert list(session.ambassadors.all()) == [certified]


def test_an_assigned_trainee_appears_for_practice_confirmation(client, facilitator, center, trainee):
    session = make_session(center, starts_in=-timedelta(hours=3))
    client.force_login(facilitator)
    client.post(reverse("session_ambassadors", args=[session.pk]), {"ambassadors": [str(trainee.pk)]})
    page = client.get(reverse("ambassador_practice")).content.decode()
    assert trainee.public_name in page
