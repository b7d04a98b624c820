"""Facilitators confirm, decline and revoke women-and-girls space membership for their centers only."""

import pytest
from django.urls import reverse

from labs.participation import services
from labs.participation.models import WomenSpaceMembership
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fac_client(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def asker(center):
    user = UserFactory(gender="woman", home_center=center, display_name="Sok Dara")
    services.request_women_space(user=user)
    return user


@pytest.fixture
def elsewhere():
    user = UserFactory(gender="woman", home_center=CenterFactory(), nickname="Far away")
    services.request_women_space(user=user)
    return user


def test_learner_asks_to_join(learner_client, learner):
    learner_client.post(reverse("participation:women"))
    assert WomenSpaceMembership.objects.filter(user=learner, confirmed_at__isnull=True).exists()
    assert "will confirm" in learner_client.get(reverse("participation:women")).content.decode()


def test_without_a_center_the_form_says_to_choose_one(client):
    client.force_login(UserFactory(gender="woman"))
    assert "choose your center in your profile" in client.get(reverse("participation:women")).content.decode()


def test_facilitator_sees_only_her_centers_requests(fac_client, asker, elsewhere):
    html = fac_client.get(reverse("participation:women_requests")).content.decode()
    assert asker.nickname in html and "Sok Dara" in html
    assert elsewhere.nickname not in html


def test_learner_cannot_see_requests(learner_client, asker):
    assert learner_client.get(reverse("participation:women_requests")).status_code == 403


def test_confirm_then_she_enters_the_space(fac_client, facilitator, asker, client):
    m = asker.women_space
    fac_client.post(reverse("participation:women_decide", args=[m.pk]), {"action": "confirm"})
    m.refresh_from_db()
    assert m.confirmed_by == facilitator and m.confirmed_at is not None
    client.force_login(asker)
    assert client.get(reverse("participation:proposals"), {"space": "women"}).status_code == 200


def test_decline_removes_the_request(fac_client, asker):
    fac_client.post(reverse("participation:women_decide", args=[asker.women_space.pk]), {"action": "decline"})
    assert not WomenSpaceMembership.objects.filter(user=asker).exists()


def test_revoke_a_member(fac_client, facilitator, asker, women_proposal, client):
    services.confirm_member(facilitator=facilitator, user=asker)
    fac_client.post(reverse("participation:women_decide", args=[asker.women_space.pk]), {"action": "revoke"})
    client.force_login(type(asker).objects.get(pk=asker.pk))
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404


def test_other_centers_request_by_forged_id(fac_client, elsewhere):
    m = elsewhere.women_space
    response = fac_client.post(reverse("participation:women_decide", args=[m.pk]), {"action": "confirm"}, follow=True)
    assert "not from your centers" in response.content.decode()
    m.refresh_from_db()
    assert m.confirmed_at is None


def test_service_refuses_another_centers_person(facilitator, elsewhere):
    with pytest.raises(services.ParticipationError, match="this person's center"):
        services.confirm_member(facilitator=facilitator, user=elsewhere)
    with pytest.raises(services.ParticipationError):
        services.decline_member(facilitator=facilitator, user=elsewhere)
    assert WomenSpaceMembership.objects.get(user=elsewhere).confirmed_at is None


def test_unknown_action_changes_nothing(fac_client, asker):
    response = fac_client.post(reverse("participation:women_decide", args=[asker.women_space.pk]),
                               {"action": "banana"}, follow=True)
    assert "Choose confirm or decline." in response.content.decode()
    assert WomenSpaceMembership.objects.get(user=asker).confirmed_at is None
