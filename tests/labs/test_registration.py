"""Registration, the waiting list, cancellation and who may come."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cms.models import Notification
from labs import services
from labs.models import Audience, Registration
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def test_registering_takes_a_place_and_tells_the_learner(learner, session):
    registration = services.register(user=learner, session=session)
    assert registration.status == "registered"
    assert Notification.objects.filter(user=learner, kind="session-registered").exists()


def test_registering_twice_keeps_one_place(learner, session):
    services.register(user=learner, session=session)
    services.register(user=learner, session=session)
    assert Registration.objects.filter(session=session).count() == 1


def test_beyond_capacity_goes_to_the_waiting_list_not_over_capacity(session):
    people = [UserFactory() for _ in range(3)]
    statuses = [services.register(user=p, session=session).status for p in people]
    assert statuses == ["registered", "registered", "waiting"]
    assert Registration.objects.filter(session=session, status="registered").count() == session.capacity


def test_full_session_page_says_the_learner_is_on_the_waiting_list(client, session):
    for _ in range(2):
        services.register(user=UserFactory(), session=session)
    late = UserFactory()
    client.force_login(late)
    response = client.post(reverse("session_register", args=[session.pk]), follow=True)
    assert "waiting list" in response.content.decode()
    assert Registration.objects.get(user=late).status == "waiting"


def test_a_cancelled_place_goes_to_the_first_waiting_who_is_told(session):
    first, second, waiting = UserFactory(), UserFactory(), UserFactory()
    for person in (first, second, waiting):
        services.register(user=person, session=session)
    services.cancel_registration(user=first, session=session)
    assert Registration.objects.get(user=waiting).status == "registered"
    assert Notification.objects.filter(user=waiting, kind="session-place-opened").exists()


def test_cancelling_a_session_notifies_everyone_registered_or_waiting(session, facilitator):
    people = [UserFactory() for _ in range(3)]
    for person in people:
        services.register(user=person, session=session)
    services.cancel_session(by=facilitator, session=session, reason="Flooded road")
    notified = set(Notification.objects.filter(kind="session-cancelled").values_list("user_id", flat=True))
    assert notified == {p.pk for p in people}


def test_cancelling_needs_a_reason(session, facilitator):
    with pytest.raises(services.SessionError):
        services.cancel_session(by=facilitator, session=session, reason="  ")
    session.refresh_from_db()
    assert session.cancelled_at is None


def test_registering_for_a_cancelled_session_is_refused(learner, session, facilitator):
    services.cancel_session(by=facilitator, session=session, reason="Rain")
    with pytest.raises(services.SessionError):
        services.register(user=learner, session=session)


def test_women_only_session_refuses_a_man_on_the_server(client, center):
    session = make_session(center, audience=Audience.WOMEN_AND_GIRLS)
    man = UserFactory(gender="man")
    client.force_login(man)
    response = client.post(reverse("session_register", args=[session.pk]), follow=True)
    assert not Registration.objects.filter(session=session).exists()
    assert "for women and girls only" in response.content.decode()


def test_women_only_session_refuses_unsaid_gender_with_a_clear_message(center):
    session = make_session(center, audience=Audience.WOMEN_AND_GIRLS)
    with pytest.raises(services.SessionError) as error:
        services.register(user=UserFactory(gender=""), session=session)
    assert "women and girls only" in str(error.value)


def test_women_only_session_accepts_a_woman(center):
    session = make_session(center, audience=Audience.WOMEN_AND_GIRLS)
    assert services.register(user=UserFactory(gender="woman"), session=session).status == "registered"


def test_women_only_session_page_tells_a_man_he_cannot_take_part(client, center):
    session = make_session(center, audience=Audience.WOMEN_AND_GIRLS)
    client.force_login(UserFactory(gender="man"))
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert "for women and girls only" in page and "Take a place" not in page


def test_youth_session_refuses_an_adult(center):
    session = make_session(center, audience=Audience.YOUTH)
    with pytest.raises(services.SessionError):
        services.register(user=UserFactory(age_band="25-59"), session=session)
    assert not Registration.objects.exists()


def test_past_session_cannot_be_registered_for(learner, center):
    session = make_session(center, starts_in=-timedelta(days=1))
    with pytest.raises(services.SessionError):
        services.register(user=learner, session=session)


def test_ambassador_cannot_edit_another_centers_session(ambassador_client, other_center):
    session = make_session(other_center, title="Theirs")
    response = ambassador_client.post(reverse("session_edit", args=[session.pk]), {"title": "Mine now"})
    session.refresh_from_db()
    assert response.status_code == 403
    assert session.title == "Theirs"


def test_assigned_ambassador_can_edit_the_session(ambassador_client, ambassador, session):
    session.ambassadors.add(ambassador)
    data = {"title": "Phones, part 2", "description": "", "workshop": "", "capacity": 10, "audience": "open",
            "starts_at": session.starts_at.strftime("%Y-%m-%dT%H:%M"), "ends_at": session.ends_at.strftime("%Y-%m-%dT%H:%M")}
    ambassador_client.post(reverse("session_edit", args=[session.pk]), data)
    session.refresh_from_db()
    assert session.title == "Phones, part 2"


def test_raising_capacity_moves_waiting_people_in(session, facilitator):
    people = [UserFactory() for _ in range(3)]
    for person in people:
        services.register(user=person, session=session)
    services.update_session(by=facilitator, session=session, capacity=3)
    assert Registration.objects.get(user=people[2]).status == "registered"
