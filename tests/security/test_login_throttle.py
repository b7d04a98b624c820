"""Login throttling: five wrong passwords pause logins for that username from that address."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many wrong passwords for this account"


@pytest.fixture
def person(db):
    return UserFactory(username="dara")


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, username="dara", address="203.0.113.7"):
    for _ in range(times):
        response = log_in(client, username, "not my password", address)
    return response


def test_five_wrong_passwords_show_a_clear_message_on_the_login_form(client, person):
    assert LOCKED not in fail(client, 4).content.decode()
    response = fail(client, 1)
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in html and "paused for 15 minutes" in html
    assert 'name="password"' in html  # the login form, not a bare error page


def test_the_right_password_is_refused_while_locked(client, person):
    fail(client, 5)
    response = log_in(client, "dara", PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_however_the_name_is_typed(client, person):
    fail(client, 5)
    assert LOCKED in log_in(client, " DARA ", PASSWORD).content.decode()


def test_the_khmer_login_page_locks_too_and_stays_in_khmer(client, person):
    fail(client, 5)
    response = client.post("/km/accounts/login/", {"username": "dara", "password": PASSWORD},
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert 'lang="km"' in response.content.decode()


def test_another_person_or_another_address_is_not_locked(client, person):
    UserFactory(username="sokha")
    fail(client, 5)
    assert log_in(client, "sokha", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "dara", PASSWORD, address="198.51.100.20").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, person):
    fail(client, 4)
    assert log_in(client, "dara", PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert log_in(client, "dara", PASSWORD).status_code == 302


def test_logins_open_again_after_the_cool_off(client, person, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    fail(client, 5)
    # Fifteen minutes later: the attempts are older than the cool-off.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert log_in(client, "dara", PASSWORD).status_code == 302


def test_the_admin_login_says_why_too(client, person):
    staff = UserFactory(username="editor", roles=["innovation-unit"])
    for _ in range(5):
        response = client.post("/admin/login/", {"username": staff.username, "password": "nope"},
                               REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_behind_the_proxy_each_visitor_counts_separately(client, person, settings):
    settings.SANGKAT_TRUSTED_PROXY_COUNT = 1
    for visitor in ("198.51.100.1", "198.51.100.2"):
        for _ in range(3):
            response = client.post(reverse("login"), {"username": "dara", "password": "nope"},
                                   REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {visitor}")
    assert response.status_code == 200  # 3 + 3 failures from two people: neither is locked
    response = client.post(reverse("login"), {"username": "dara", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert response.status_code == 302
