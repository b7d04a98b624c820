"""A walk-in scans the check-in QR, makes an account, and is checked in, in her own language."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from cms.models import User
from labs.models import Attendance
from tests.cms.test_accounts import signup_data
from tests.factories import PASSWORD, UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(center, facilitator):
    return make_session(center, starts_in=-timedelta(minutes=10))


def checkin_link(client, facilitator, session, language="en"):
    client.force_login(facilitator)
    with translation.override(language):
        page = client.get(reverse("session_run", args=[session.pk]))
    client.logout()
    return page.context["checkin_url"]


def test_the_qr_link_carries_no_language_so_the_scanner_gets_her_own(client, facilitator, running):
    url = checkin_link(client, facilitator, running, language="en")
    path = urlsplit(url).path
    assert path == f"/sessions/{running.pk}/check-in/", url
    # A Khmer phone that scans it lands on the Khmer page (browser language, no account yet).
    response = client.get(path + "?code=" + running.checkin_code, HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 302 and response["Location"].startswith(f"/km/sessions/{running.pk}/check-in/")
    assert running.checkin_code in response["Location"]


def test_the_qr_svg_encodes_the_same_language_free_link(client, facilitator, running, monkeypatch):
    import segno

    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw))
    client.force_login(facilitator)
    with translation.override("km"):
        svg = client.get(reverse("session_qr", args=[running.pk]))
    assert svg.status_code == 200
    assert urlsplit(encoded[0]).path == f"/sessions/{running.pk}/check-in/"


def test_a_walk_in_who_signs_up_from_the_qr_lands_on_check_in_in_her_language_and_is_checked_in(
        client, facilitator, running):
    link = urlsplit(checkin_link(client, facilitator, running))
    start = f"/en{link.path}?{link.query}"
    login_page = client.get(start, follow=True)
    assert login_page.resolver_match.url_name == "login"
    body = login_page.content.decode()
    signup_href = reverse("signup") + "?next="
    assert signup_href in body  # "Create an account" keeps where she was going
    next_url = login_page.context["next"]
    signup_page = client.get(reverse("signup"), {"next": next_url})
    assert f'name="next" value="{next_url}"' in signup_page.content.decode()
    response = client.post(reverse("signup"), {**signup_data(preferred_language="km"), "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == f"/km{link.path}?{link.query}"
    check_in_page = client.get(response["Location"])
    assert check_in_page.status_code == 200
    html = check_in_page.content.decode()
    assert running.checkin_code in html
    with translation.override("km"):
        assert translation.gettext("I am here") in html
        assert translation.gettext("Welcome to Sangkat, %(name)s! Pick a course to start.") % {
            "name": "Sokha"} in html
    client.post(response["Location"], {"code": running.checkin_code})
    sokha = User.objects.get(username="sokha")
    assert Attendance.objects.filter(session=running, user=sokha, method="qr").exists()


def test_a_next_link_to_another_site_is_ignored_at_sign_up(client):
    response = client.post(reverse("signup"), {**signup_data(), "next": "https://evil.example/steal"})
    assert response.status_code == 302 and response["Location"] == "/km/"


def test_a_learner_following_a_link_in_the_other_language_gets_her_own(client, running):
    learner = UserFactory(preferred_language="km")
    client.force_login(learner)
    response = client.get(f"/en/sessions/{running.pk}/check-in/?code={running.checkin_code}")
    assert response.status_code == 302
    assert response["Location"] == f"/km/sessions/{running.pk}/check-in/?code={running.checkin_code}"


def test_after_choosing_a_new_password_she_lands_in_her_language_where_she_was_going(client, facilitator,
                                                                                     running):
    learner = UserFactory(preferred_language="km")
    learner.must_change_password = True
    learner.save()
    target = f"/en/sessions/{running.pk}/check-in/?code={running.checkin_code}"
    response = client.post(reverse("login") + "?next=" + target,
                           {"username": learner.username, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"].startswith("/km/accounts/new-password/?next=")
    page = client.get(response["Location"])
    assert page.context["next"] == target
    response = client.post(response["Location"], {"password1": "river-mango-bicycle-7",
                                                  "password2": "river-mango-bicycle-7", "next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/km/sessions/{running.pk}/check-in/?code={running.checkin_code}"
    home = client.get(response["Location"], follow=True).content.decode()
    with translation.override("km"):
        assert translation.gettext("Your new password is saved.") in home


def test_after_a_new_password_without_next_she_lands_on_her_languages_home(client):
    learner = UserFactory(preferred_language="km")
    client.force_login(learner)
    response = client.post("/en/accounts/new-password/", {"password1": "river-mango-bicycle-7",
                                                          "password2": "river-mango-bicycle-7"})
    assert response.status_code == 302 and response["Location"] == "/km/"
