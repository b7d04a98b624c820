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


# --- Issue 15, item 5: no account takeover by a facilitator --------------------------------------

def _with_a_role(center, kind):
    """An account whose self-chosen home center is `center` but who holds some right over others."""
    from django.contrib.auth.models import Group, Permission

    if kind == "superuser":
        return UserFactory(home_center=center, is_superuser=True)
    if kind == "is_staff":
        return UserFactory(home_center=center, is_staff=True)
    if kind == "permission":
        person = UserFactory(home_center=center)
        person.user_permissions.add(Permission.objects.get(codename="access_admin"))
        return person
    if kind == "wagtail editors group":
        person = UserFactory(home_center=center)
        person.groups.add(Group.objects.get_or_create(name="Editors")[0])
        return person
    return UserFactory(home_center=center, roles=["learner", *kind.split("+")])


ROLES_ABOVE_A_LEARNER = ["innovation-unit", "moderator", "facilitator", "moderator+women-space-moderator",
                         "women-space-moderator", "superuser", "is_staff", "permission", "wagtail editors group"]


def test_the_learners_page_lists_only_plain_learners_of_the_center(client, facilitator, learner, center):
    ambassador = UserFactory(home_center=center, roles=["ambassador"], nickname="Ambassador Vanna")
    above = [_with_a_role(center, kind) for kind in ROLES_ABOVE_A_LEARNER]
    elsewhere = UserFactory(home_center=CenterFactory())
    client.force_login(facilitator)
    listed = list(client.get(reverse("center_learners", args=[center.pk])).context["learners"])
    assert listed == sorted([learner, ambassador], key=lambda person: person.nickname)
    assert not {person.pk for person in [*above, elsewhere]} & {person.pk for person in listed}


@pytest.mark.parametrize("kind", ROLES_ABOVE_A_LEARNER)
def test_a_facilitator_cannot_take_over_anyone_with_a_role(client, facilitator, center, kind):
    """Observed: a "new password" for Innovation Unit staff or a moderator whose home center is hers."""
    from cms.models import AuditEntry

    target = _with_a_role(center, kind)
    client.force_login(facilitator)
    response = client.post(reverse("reset_learner_password", args=[center.pk, target.pk]))
    assert response.status_code == 404 and "password" not in (response.context or {})
    assert client.post(reverse("set_guardian_consent", args=[center.pk, target.pk]),
                       {"given": "yes"}).status_code == 404
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.must_change_password and not target.guardian_consent
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("kind", ROLES_ABOVE_A_LEARNER)
def test_the_services_refuse_too_whoever_calls_them(facilitator, center, kind):
    from django.core.exceptions import PermissionDenied

    from cms import services

    target = _with_a_role(center, kind)
    with pytest.raises(PermissionDenied):
        services.reset_password_by_staff(actor=facilitator, learner=target)
    with pytest.raises(PermissionDenied):
        services.set_guardian_consent(actor=facilitator, learner=target, given=True)
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.guardian_consent


def test_the_services_refuse_a_learner_of_another_center_and_a_learner_actor(facilitator, learner, center):
    from django.core.exceptions import PermissionDenied

    from cms import services

    elsewhere = UserFactory(home_center=CenterFactory())
    with pytest.raises(PermissionDenied):
        services.reset_password_by_staff(actor=facilitator, learner=elsewhere)
    with pytest.raises(PermissionDenied):
        services.reset_password_by_staff(actor=UserFactory(home_center=center), learner=learner)
    with pytest.raises(PermissionDenied):
        services.set_guardian_consent(actor=None, learner=learner, given=True)


@pytest.mark.parametrize("kind", ["innovation-unit", "facilitator", "moderator", "superuser", "is_staff"])
def test_innovation_unit_staff_help_learners_anywhere_but_no_one_with_a_role(client, kind):
    staff = UserFactory(roles=["innovation-unit"])
    center = CenterFactory()
    learner, target = UserFactory(home_center=center), _with_a_role(center, kind)
    client.force_login(staff)
    assert client.post(reverse("reset_learner_password", args=[center.pk, learner.pk])).status_code == 200
    assert client.post(reverse("reset_learner_password", args=[center.pk, target.pk])).status_code == 404
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_a_reset_and_a_consent_are_audited_with_who_did_it(client, facilitator, center):
    from cms.models import AuditAction, AuditEntry

    minor = UserFactory(home_center=center, age_band="13-17")
    client.force_login(facilitator)
    temporary = client.post(reverse("reset_learner_password", args=[center.pk, minor.pk])).context["password"]
    client.post(reverse("set_guardian_consent", args=[center.pk, minor.pk]), {"given": "yes"})
    client.post(reverse("set_guardian_consent", args=[center.pk, minor.pk]), {"given": "no"})
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "actor", "target_id", "details"))
    assert entries == [
        (AuditAction.PASSWORD_RESET, facilitator.pk, str(minor.pk), {}),
        (AuditAction.GUARDIAN_CONSENT, facilitator.pk, str(minor.pk), {"given": True}),
        (AuditAction.GUARDIAN_CONSENT, facilitator.pk, str(minor.pk), {"given": False}),
    ]
    assert temporary not in str(list(AuditEntry.objects.values()))  # the password itself is never kept
