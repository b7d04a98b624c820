"""The header is reused between requests, but always shows this person's current name, roles and inbox."""

import pytest
from django.contrib.auth.models import Group

from cms.roles import FACILITATOR
from cms.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_person_sees_their_own_name_and_unread_count(client, site):
    amara, dara = UserFactory(nickname="Amara"), UserFactory(nickname="Dara")
    client.force_login(amara)
    assert ">Amara</a>" in client.get("/en/").content.decode()
    notify(users=[amara], kind="test", title="Welcome")
    page = client.get("/en/").content.decode()
    assert '<span class="count">1</span>' in page
    client.force_login(dara)
    page = client.get("/en/").content.decode()
    assert ">Dara</a>" in page and "Amara" not in page and '<span class="count">' not in page


def test_a_new_role_shows_its_link_at_once(client, site):
    person = UserFactory()
    client.force_login(person)
    assert "Facilitate</a>" not in client.get("/en/").content.decode()
    person.groups.add(Group.objects.get_or_create(name=FACILITATOR)[0])
    assert "Facilitate</a>" in client.get("/en/").content.decode()


def test_language_links_return_to_the_page_being_read(client, site):
    page = client.get("/en/sessions/?x=1&y=2").content.decode()
    assert page.count("next=/en/sessions/%3Fx%3D1%26y%3D2") == 2  # English and Khmer


def test_the_logout_form_carries_a_working_token_for_this_person(site):
    from django.test import Client

    person = UserFactory(nickname="Sreymom")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    page = browser.get("/en/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert "SANGKAT" not in page  # no placeholder left behind
    response = browser.post("/en/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
