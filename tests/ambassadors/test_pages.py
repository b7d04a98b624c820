"""The track's pages show each person the step they are at."""

from datetime import timedelta

import pytest
from django.urls import reverse

from ambassadors import services
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db

MOTIVATION = "I want to help my neighbours use the city's e-services and plan our street."


def test_a_learner_sees_the_application_form(learner_client):
    assert "Send my application" in learner_client.get(reverse("ambassador_track")).content.decode()


def test_staff_see_applications_to_review(client, learner, center):
    services.apply(user=learner, center=center, motivation=MOTIVATION, availability="Sundays")
    client.force_login(UserFactory(roles=["innovation-unit"]))
    assert "Sundays" in client.get(reverse("ambassador_review")).content.decode()


def test_learners_cannot_open_the_review_page(learner_client):
    assert learner_client.get(reverse("ambassador_review")).status_code == 403


def test_the_supervising_facilitator_confirms_practice_from_the_page(client, learner, center, facilitator):
    application = services.apply(user=learner, center=center, motivation=MOTIVATION, availability="x")
    services.accept(by=UserFactory(roles=["innovation-unit"]), application=application)
    session = make_session(center, starts_in=-timedelta(days=1), title="Practice run")
    session.ambassadors.add(learner)
    client.force_login(facilitator)
    assert "Practice run" in client.get(reverse("ambassador_practice")).content.decode()
    client.post(reverse("ambassador_practice"), {"session_id": session.pk, "trainee_id": learner.pk})
    from ambassadors.selectors import track_status

    assert track_status(user=learner).practice_done == 1
