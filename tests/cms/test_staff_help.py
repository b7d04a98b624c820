"""Facilitators give learners of their own centers a new password and record guardian consent."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_facilitator_resets_a_password_and_the_learner_must_choose_a_new_one(client, facilitator, learner, center):
    client.force_login(facilitator)
    response = client.post(reverse("reset_learner_password", args=[center.pk, learner.pk]))
    temporary = response.context["password"]
    assert response.status_code == 200 and temporary in response.content.decode()
    client.logout()
    assert not client.login(username=learner.username, password=PASSWORD)
    response = client.post(reverse("login"), {"username": learner.username, "password": temporary})
    assert response["Location"].endswith(reverse("choose_password"))
    # Until a new password is chosen, every page leads back to the form.
    assert client.get("/en/learn/")["Location"].endswith(reverse("choose_password"))
    client.post(reverse("choose_password"), {"password1": "new-river-mango-7", "password2": "new-river-mango-7"})
    learner.refresh_from_db()
    assert not learner.must_change_password
    assert client.get("/en/learn/").status_code == 200


def test_a_facilitator_cannot_touch_learners_of_another_center(client, facilitator, center):
    elsewhere = UserFactory(home_center=CenterFactory())
    client.force_login(facilitator)
    # Forged ids: the other learner through my center, and through their own center.
    assert client.post(reverse("reset_learner_password", args=[center.pk, elsewhere.pk])).status_code == 404
    assert client.post(reverse("reset_learner_password", args=[elsewhere.home_center.pk, elsewhere.pk])).status_code == 404
    assert client.post(reverse("set_guardian_consent", args=[center.pk, elsewhere.pk]), {"given": "yes"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.check_password(PASSWORD) and not elsewhere.guardian_consent


def test_learners_cannot_use_staff_help(client, learner, center):
    other = UserFactory(home_center=center)
    client.force_login(learner)
    assert client.post(reverse("reset_learner_password", args=[center.pk, other.pk])).status_code == 403
    assert client.get(reverse("center_learners", args=[center.pk])).status_code == 403


def test_guardian_consent_is_recorded_by_the_facilitator(client, facilitator, center):
    minor = UserFactory(home_center=center, age_band="13-17")
    client.force_login(facilitator)
    client.post(reverse("set_guardian_consent", args=[center.pk, minor.pk]), {"given": "yes"})
    minor.refresh_from_db()
    assert minor.guardian_consent and minor.can_appear_publicly
