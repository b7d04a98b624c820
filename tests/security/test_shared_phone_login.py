"""A family phone at login: no sibling is picked, nothing is revealed, and throttling counts the number."""

import pytest
from django.urls import reverse

from cms.auth import throttle_username
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many wrong passwords for this account"
SHARED = "Several accounts use this phone number"


@pytest.fixture
def sisters(db):
    return (UserFactory(username="srey", phone="+85512345678"),
            UserFactory(username="mony", phone="+85512345678"))


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_shared_phone_is_counted_in_its_one_written_form(rf, sisters):
    for typed in ["012 345 678", "+855 12 345 678", "85512345678", "012-345-678"]:
        assert throttle_username(rf.post("/"), {"username": typed}) == "+85512345678"
    assert throttle_username(rf.post("/"), {"username": " MONY "}) == "mony"


def test_wrong_passwords_on_a_shared_phone_pause_the_number_not_the_sisters(client, sisters):
    for typed in ["012 345 678", "+855 12 345 678", "85512345678", "012345678", "855-12-345-678"]:
        response = log_in(client, typed, "not my password")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # Even the right password by phone is now paused, and says nothing about sharing.
    html = log_in(client, "012 345 678", PASSWORD).content.decode()
    assert LOCKED in html and SHARED not in html
    # Each sister still logs in with her username.
    assert log_in(client, "srey", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "mony", PASSWORD).status_code == 302


def test_a_password_right_for_one_sister_never_logs_in_either(client, sisters):
    srey, mony = sisters
    mony.set_password("mony-own-password-7")
    mony.save()
    for password in [PASSWORD, "mony-own-password-7"]:
        response = log_in(client, "012 345 678", password)
        assert response.status_code == 200 and SHARED in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_a_switched_off_sister_does_not_make_the_phone_reveal_anything(client, sisters):
    srey, mony = sisters
    srey.is_active = False
    srey.save()
    mony.set_password("mony-own-password-7")
    mony.save()
    # Srey's password is right but her account is off: the answer is the plain "do not match".
    html = log_in(client, "012 345 678", PASSWORD).content.decode()
    assert SHARED not in html and "do not match" in html
