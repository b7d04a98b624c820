"""Sign-up and login by username or phone, staff password resets, the language switch."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def signup_data(**overrides):
    data = {
        "username": "sokha", "nickname": "Sokha", "display_name": "Sok Sokha", "phone": "012 345 678",
        "age_band": "18-24", "gender": "woman", "home_center": "", "preferred_language": "km",
        "password1": "river-mango-bicycle", "password2": "river-mango-bicycle",
    }
    data.update(overrides)
    return data


def test_signing_up_makes_a_learner_and_logs_them_in(client, center):
    response = client.post(reverse("signup"), signup_data(home_center=center.pk))
    assert response.status_code == 302 and response["Location"].startswith("/km/")
    user = User.objects.get(username="sokha")
    assert user.phone == "+85512345678"
    assert user.groups.filter(name="learner").exists()
    assert user.home_center == center
    assert client.get("/en/").context["user"] == user


@pytest.mark.parametrize("field, value, message", [
    ("username", "TAKEN", "This username is taken"),
    ("phone", "12", "not a phone number we recognise"),
    ("password2", "something-else", "The two passwords are not the same"),
    ("password1", "123", "too short"),
    ("age_band", "", "This field is required"),
])
def test_a_bad_sign_up_says_why_and_creates_nothing(client, field, value, message):
    UserFactory(username="taken", phone="+85512999888")
    before = User.objects.count()
    data = signup_data(**{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post(reverse("signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before


@pytest.mark.parametrize("login_as", ["walker", "WALKER", "012 345 678", "+855 12 345 678", "85512345678"])
def test_people_log_in_with_their_username_or_phone(client, login_as):
    UserFactory(username="walker", phone="+85512345678")
    response = client.post(reverse("login"), {"username": login_as, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_a_wrong_password_is_refused_with_a_clear_message(client):
    UserFactory(username="walker")
    response = client.post(reverse("login"), {"username": "walker", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_takes_people_to_their_own_language(client):
    UserFactory(username="walker", preferred_language="km")
    response = client.post(reverse("login"), {"username": "walker", "password": PASSWORD})
    assert response["Location"].startswith("/km/")


def test_the_language_switch_remembers_the_choice(client, learner):
    client.force_login(learner)
    response = client.post(reverse("set_language"), {"language": "km", "next": "/en/learn/"})
    assert response["Location"] == "/km/learn/"
    learner.refresh_from_db()
    assert learner.preferred_language == "km"


def test_the_language_switch_is_a_plain_link(client, learner):
    client.force_login(learner)
    response = client.get(reverse("set_language"), {"language": "km", "next": "/en/courses/"})
    assert response["Location"] == "/km/courses/"
    learner.refresh_from_db()
    assert learner.preferred_language == "km"


def test_the_language_switch_refuses_unknown_languages_and_outside_links(client, learner):
    client.force_login(learner)
    client.post(reverse("set_language"), {"language": "xx", "next": "/en/"})
    learner.refresh_from_db()
    assert learner.preferred_language == "en"
    response = client.post(reverse("set_language"), {"language": "km", "next": "https://evil.example/"})
    assert response["Location"] == "/km/"


def test_a_minor_appears_publicly_only_after_guardian_consent():
    minor = UserFactory(age_band="13-17")
    assert minor.is_minor and not minor.can_appear_publicly
    minor.guardian_consent = True
    assert minor.can_appear_publicly
    assert UserFactory(age_band="25-59").can_appear_publicly


def test_the_profile_never_shows_private_fields_of_others(client, learner):
    UserFactory(display_name="Private Person", phone="+85512000111")
    client.force_login(learner)
    body = client.get(reverse("profile")).content.decode()
    assert "Private Person" not in body and "12000111" not in body


def test_sign_ups_from_one_address_are_limited_per_hour(settings, center):
    from django.test import Client
    from django.utils import translation

    with translation.override("en"):
        url = reverse("signup")
    settings.SANGKAT_SIGNUPS_PER_ADDRESS_PER_HOUR = 2
    for n in range(2):
        response = Client(REMOTE_ADDR="10.0.0.7").post(url, signup_data(username=f"kid{n}", phone=""))
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="10.0.0.7").post(url, signup_data(username="kid2", phone="", preferred_language="en"))
    assert response.status_code == 429
    assert "Too many new accounts from this place" in response.content.decode()
    assert not User.objects.filter(username="kid2").exists()
    # Another place is not held back.
    assert Client(REMOTE_ADDR="10.0.0.8").post(url, signup_data(username="kid3", phone="")).status_code == 302


def test_the_signed_in_user_loads_as_the_orm_would_give_her():
    """cms.auth reads the user with her unread count in one hand-written query: every field comes
    back typed as the ORM types it (dates are text on SQLite), and an id beyond any row is no one."""
    from datetime import datetime

    from django.utils import timezone

    from cms.auth import UsernameOrPhoneBackend
    from cms.services import notify

    person = UserFactory(nickname="Dara")
    person.last_login = timezone.now()
    person.save(update_fields=["last_login"])
    notify(users=[person], kind="test", title="Your badge is ready")
    loaded = UsernameOrPhoneBackend().get_user(str(person.pk))
    expected = get_user_model().objects.get(pk=person.pk)
    for field in expected._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert isinstance(loaded.last_login, datetime) and isinstance(loaded.date_joined, datetime)
    assert loaded._unread_notifications == 1 and loaded.nickname == "Dara"
    assert loaded.check_password(PASSWORD)
    backend = UsernameOrPhoneBackend()
    for hostile in (str(2**63), "-1", "0", "99999999999999999999999", "1e9", None, "x"):
        assert backend.get_user(hostile) is None
