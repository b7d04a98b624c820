"""Passwords are stored as Argon2id with OWASP's settings; older PBKDF2 hashes still log in and are
rewritten at that login (docs/decisions.md)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import translation

import cms.settings as production
from tests.cms.test_accounts import signup_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
ARGON2ID = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def _production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def test_a_new_account_gets_an_argon2id_hash(client):
    with translation.override("en"):
        client.post(reverse("signup"), signup_data())
    user = User.objects.get(username="sokha")
    assert user.password.startswith(ARGON2ID) and user.check_password("river-mango-bicycle")


def test_an_older_pbkdf2_hash_logs_in_and_becomes_argon2id(client):
    user = UserFactory(username="walker")
    user.password = make_password("old-river-song", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    with translation.override("en"):
        response = client.post(reverse("login"), {"username": "walker", "password": "old-river-song"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(ARGON2ID) and user.check_password("old-river-song")


def test_a_wrong_password_changes_nothing(client):
    user = UserFactory(username="walker")
    user.password = make_password("old-river-song", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    before = user.password
    with translation.override("en"):
        response = client.post(reverse("login"), {"username": "walker", "password": "wrong"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == before
