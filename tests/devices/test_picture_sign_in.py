"""Picture sign-in on center devices (issue 18, item 2): roster, pictures or PIN, throttles, bad input."""

import json
import uuid

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cms.models import AuditEntry, Notification
from labs.devices import services
from labs.devices.models import PicturePassword
from labs.devices.selectors import cookie_name, cookie_value
from labs.models import Registration
from tests.devices.conftest import tap
from tests.factories import PASSWORD, CenterFactory, UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


# --- the facilitator sets pictures ----------------------------------------------------------------

def test_a_facilitator_gives_a_learner_pictures_hashed_and_audited(client, facilitator, center, learner):
    client.force_login(facilitator)
    page = client.get(reverse("center_learners", args=[center.pk])).content.decode()
    url = reverse("devices:learner_picture_password", args=[center.pk, learner.pk])
    assert url in page
    response = client.post(url, {"kind": "pictures", "first": "sun", "second": "boat", "third": "sun"})
    assert response.status_code == 302
    credential = PicturePassword.objects.get(user=learner)
    assert credential.kind == "pictures" and credential.set_by == facilitator
    assert "sun" not in credential.secret and identify_hasher(credential.secret)
    entry = AuditEntry.objects.get(action="picture_password.set", target_id=str(learner.pk))
    assert entry.actor == facilitator and entry.details == {"kind": "pictures"}
    client.post(url, {"kind": "pin", "pin": "4071"})
    credential.refresh_from_db()
    assert credential.kind == "pin"
    assert AuditEntry.objects.filter(action="picture_password.reset", target_id=str(learner.pk)).exists()


@pytest.mark.parametrize("data", [
    {"kind": "pin", "pin": "123"}, {"kind": "pin", "pin": "1234567"}, {"kind": "pin", "pin": "12a4"},
    {"kind": "pin", "pin": "1234"}, {"kind": "pin", "pin": "0000"}, {"kind": "pin", "pin": "٤٠٧١"},
    {"kind": "pictures", "first": "sun", "second": "boat"},
    {"kind": "pictures", "first": "sun", "second": "sun", "third": "sun"},
    {"kind": "pictures", "first": "sun", "second": "boat", "third": "dragon"},
    {"kind": "password"},
])
def test_a_bad_picture_password_is_a_form_error_and_changes_nothing(client, facilitator, center, learner, data):
    client.force_login(facilitator)
    response = client.post(reverse("devices:learner_picture_password", args=[center.pk, learner.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not PicturePassword.objects.exists() and not AuditEntry.objects.filter(action__startswith="picture").exists()


def test_a_facilitator_cannot_set_pictures_for_another_centers_learner_or_for_staff(client, facilitator, center):
    elsewhere = UserFactory(home_center=CenterFactory())
    colleague = UserFactory(roles=["facilitator"], home_center=center)
    client.force_login(facilitator)
    for person, at in ((elsewhere, center), (elsewhere, elsewhere.home_center), (colleague, center)):
        url = reverse("devices:learner_picture_password", args=[at.pk, person.pk])
        assert client.post(url, {"kind": "pin", "pin": "4071"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.set_picture_password(actor=facilitator, learner=colleague, kind="pin", value="4071")
    assert not PicturePassword.objects.exists()


# --- the roster ---------------------------------------------------------------------------------------

def test_the_roster_shows_nicknames_only_and_searches_on_the_server(device_client, facilitator, center):
    minor = UserFactory(home_center=center, nickname="Dara", age_band="under13", display_name="Dara Sok",
                        username="dara-sok-2014")
    adult = UserFactory(home_center=center, nickname="Vanna", display_name="Vanna Chan", username="vchan")
    no_pictures = UserFactory(home_center=center, nickname="Bopha")
    other_center = UserFactory(home_center=CenterFactory(), nickname="Kosal")
    for person in (minor, adult):
        services.set_picture_password(actor=facilitator, learner=person, kind="pin", value="4071")
    services.set_picture_password(actor=_staff_for(other_center), learner=other_center, kind="pin",
                                  value="4071")
    page = device_client.get(reverse("devices:roster")).content.decode()
    assert "Dara" in page and "Vanna" in page
    for hidden in ("Dara Sok", "dara-sok-2014", "Vanna Chan", "vchan", "Under 13", no_pictures.nickname, "Kosal"):
        assert hidden not in page
    found = device_client.get(reverse("devices:roster"), {"q": "van"}).content.decode()
    assert "Vanna" in found and "Dara" not in found


def _staff_for(person):
    staff = UserFactory(roles=["facilitator"])
    person.home_center.facilitators.add(staff)
    return staff


def test_the_roster_shows_the_session_happening_now_first(device_client, facilitator, center):
    here, away = UserFactory(home_center=center, nickname="Here"), UserFactory(home_center=center, nickname="Away")
    for person in (here, away):
        services.set_picture_password(actor=facilitator, learner=person, kind="pin", value="4071")
    session = make_session(center, starts_in=-timezone.timedelta(minutes=10), title="Phones 101")
    Registration.objects.create(session=session, user=here)
    page = device_client.get(reverse("devices:roster")).content.decode()
    assert "Phones 101" in page and "Here" in page and "Away" not in page
    everyone = device_client.get(reverse("devices:roster"), {"everyone": "1"}).content.decode()
    assert "Here" in everyone and "Away" in everyone


def test_the_roster_comes_in_small_pages(device_client, facilitator, center):
    for n in range(15):
        person = UserFactory(home_center=center, nickname=f"Learner {n:02}")
        services.set_picture_password(actor=facilitator, learner=person, kind="pin", value="4071")
    first = device_client.get(reverse("devices:roster"))
    assert len(first.context["entries"]) == 12 and "Learner 14" not in first.content.decode()
    assert "Learner 14" in device_client.get(reverse("devices:roster"), {"page": "2"}).content.decode()
    assert device_client.get(reverse("devices:roster"), {"page": "abc"}).status_code == 200


# --- signing in, wrong tries, locks ---------------------------------------------------------------------

def test_a_pin_signs_in(device_client, facilitator, center):
    pupil = UserFactory(home_center=center)
    services.set_picture_password(actor=facilitator, learner=pupil, kind="pin", value="40718")
    response = device_client.post(reverse("devices:sign_in", args=[pupil.pk]), {"pin": "40718"})
    assert response.status_code == 302 and int(device_client.session["_auth_user_id"]) == pupil.pk


def test_a_learner_who_must_change_her_password_is_not_stopped_after_pictures(device_client, pupil):
    pupil.must_change_password = True
    pupil.save()
    tap(device_client, pupil, ["mango", "fish", "cat"])
    assert device_client.get(reverse("devices:roster")).status_code == 200


def test_wrong_pictures_five_times_lock_and_tell_the_facilitator(device_client, pupil, facilitator):
    for left in (4, 3, 2, 1):
        response = tap(device_client, pupil, ["cat", "fish", "mango"])
        assert response.status_code == 400 and f"Tries left: {left}" in response.content.decode()
    response = tap(device_client, pupil, ["cat", "fish", "mango"])
    assert response.status_code == 423 and "locked" in response.content.decode()
    pupil.picture_password.refresh_from_db()
    assert pupil.picture_password.is_locked
    assert Notification.objects.filter(user=facilitator, kind="devices.picture_locked").count() == 1
    assert AuditEntry.objects.filter(action="picture_password.lock", target_id=str(pupil.pk)).exists()
    # Locked: even the right pictures do nothing now, and nothing more is counted.
    response = tap(device_client, pupil, ["mango", "fish", "cat"])
    assert response.status_code == 423 and "_auth_user_id" not in device_client.session
    pupil.picture_password.refresh_from_db()
    assert pupil.picture_password.failed_attempts == 5
    # The facilitator unlocks (audited); the right pictures work again.
    device_client.force_login(facilitator)
    device_client.post(reverse("devices:unlock_picture_password", args=[pupil.home_center_id, pupil.pk]))
    assert AuditEntry.objects.filter(action="picture_password.unlock", target_id=str(pupil.pk)).exists()
    device_client.post(reverse("devices:switch"))
    assert tap(device_client, pupil, ["mango", "fish", "cat"]).status_code == 302


def test_guessing_pins_on_a_device_locks_the_learner(device_client, facilitator, center):
    pupil = UserFactory(home_center=center)
    services.set_picture_password(actor=facilitator, learner=pupil, kind="pin", value="4071")
    url = reverse("devices:sign_in", args=[pupil.pk])
    codes = [device_client.post(url, {"pin": f"{n:04}"}).status_code for n in range(6000, 6006)]
    assert codes == [400, 400, 400, 400, 423, 423]
    assert device_client.post(url, {"pin": "4071"}).status_code == 423
    assert "_auth_user_id" not in device_client.session


def test_many_wrong_tries_on_one_device_pause_it(device_client, facilitator, center, settings):
    settings.SANGKAT_DEVICE_MAX_FAILURES = 3
    people = [UserFactory(home_center=center) for _ in range(4)]
    for person in people:
        services.set_picture_password(actor=facilitator, learner=person, kind="pin", value="4071")
    for person in people[:3]:
        assert device_client.post(reverse("devices:sign_in", args=[person.pk]), {"pin": "9999"}).status_code == 400
    assert Notification.objects.filter(user=facilitator, kind="devices.device_paused").count() == 1
    response = device_client.post(reverse("devices:sign_in", args=[people[3].pk]), {"pin": "4071"})
    assert response.status_code == 429 and "paused" in response.content.decode()
    assert "_auth_user_id" not in device_client.session


def test_guessing_against_another_centers_roster_is_a_404_and_counts_nothing(client, facilitator, center):
    other = CenterFactory()
    other_facilitator = UserFactory(roles=["facilitator"])
    other.facilitators.add(other_facilitator)
    stranger = UserFactory(home_center=other)
    services.set_picture_password(actor=other_facilitator, learner=stranger, kind="pin", value="4071")
    device = services.register_device(actor=facilitator, center=center, name="PC 1")
    client.cookies[cookie_name()] = cookie_value(device)
    url = reverse("devices:sign_in", args=[stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"pin": "4071"}).status_code == 404
    assert client.post(reverse("devices:sign_in", args=[987654]), {"pin": "4071"}).status_code == 404
    stranger.picture_password.refresh_from_db()
    assert stranger.picture_password.failed_attempts == 0 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("data", [
    {"picks": "mango,fish", "pick": "dragon"}, {"picks": "x" * 5000, "pick": "cat"},
    {"picks": "mango,fish,cat,sun", "pick": "cat"}, {"pick": "\x00"}, {"pin": "4071"},
])
def test_malformed_picks_count_nothing(device_client, pupil, data):
    response = device_client.post(reverse("devices:sign_in", args=[pupil.pk]), data)
    assert response.status_code == 200
    pupil.picture_password.refresh_from_db()
    assert pupil.picture_password.failed_attempts == 0


def test_the_normal_password_still_works_and_elsewhere_only_it(client, pupil):
    assert client.login(username=pupil.username, password=PASSWORD)


# --- the offline queue after a switch ------------------------------------------------------------------

def _statement(actor_user):
    from courses.xapi.identity import agent_for

    return {"id": str(uuid.uuid4()), "actor": agent_for(actor_user),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": "http://example.com/activities/a1", "objectType": "Activity"}}


def test_a_queue_replayed_after_the_learner_switched_is_refused(device_client, pupil, facilitator, center):
    from courses.xapi.models import Statement

    next_one = UserFactory(home_center=center, nickname="Next")
    services.set_picture_password(actor=facilitator, learner=next_one, kind="pin", value="4071")
    tap(device_client, pupil, ["mango", "fish", "cat"])
    left_behind = _statement(pupil)  # queued while she was signed in, never sent
    device_client.post(reverse("devices:switch"))
    device_client.post(reverse("devices:sign_in", args=[next_one.pk]), {"pin": "4071"})
    response = device_client.post(reverse("xapi_statements"), json.dumps(left_behind), content_type="application/json",
                                  HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 403 and "about yourself" in response.content.decode()
    assert not Statement.objects.exists()


def test_her_data_export_has_her_picture_password_kind_but_never_its_secret(pupil, facilitator):
    from cms.privacy import export_sections

    sections = dict(export_sections(pupil))
    own = sections["center_devices"]["picture_password"]
    assert own["kind"] == "pictures" and "secret" not in own
    assert "argon2" not in json.dumps(sections["center_devices"], default=str)
    assert dict(export_sections(facilitator))["center_devices"]["picture_passwords_set_for_others"] == 1


# --- the refusals in Khmer (the catalogue gets /work/km/devices.po at merge) ----------------------------

def test_the_refusals_are_clear_in_khmer(client, facilitator, center, settings):
    settings.LANGUAGE_CODE = "km"
    pupil = UserFactory(home_center=center, preferred_language="km")
    services.set_picture_password(actor=facilitator, learner=pupil, kind="pin", value="4071")
    device = services.register_device(actor=facilitator, center=center, name="PC 1")
    client.cookies[cookie_name()] = cookie_value(device)
    wrong = client.post(reverse("devices:sign_in", args=[pupil.pk]).replace("/en/", "/km/"), {"pin": "9999"})
    assert "លេខ PIN នេះមិនត្រឹមត្រូវទេ" in wrong.content.decode()
    services.revoke_device(actor=facilitator, device=device)
    client.cookies[cookie_name()] = cookie_value(device)
    refused = client.get(reverse("devices:roster").replace("/en/", "/km/"))
    assert refused.status_code == 403 and "កុំព្យូទ័រនេះលែងជាឧបករណ៍របស់មជ្ឈមណ្ឌលទៀតហើយ" in refused.content.decode()
