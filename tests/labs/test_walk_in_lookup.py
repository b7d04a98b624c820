"""Linking a walk-in to her account by what the ambassador types: phone the local way, username in any case."""

import pytest
from django.urls import reverse

from labs import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def link(client, session, attendance, typed):
    return client.post(reverse("session_link_walk_in", args=[session.pk, attendance.pk]),
                       {"username": typed}, follow=True).content.decode()


@pytest.fixture
def walk_in(ambassador, running_session):
    attendance, _ = services.add_walk_in(by=ambassador, session=running_session, nickname="Srey",
                                         age_band="13-17")
    return attendance


@pytest.mark.parametrize("typed", ["012 345 678", "012345678", "+855 12 345 678", "SREY"])
def test_a_walk_in_is_linked_by_her_local_phone_or_username_in_any_case(
        ambassador_client, running_session, walk_in, typed):
    srey = UserFactory(username="srey", phone="+85512345678")
    link(ambassador_client, running_session, walk_in, typed)
    walk_in.refresh_from_db()
    assert walk_in.user == srey


def test_a_shared_phone_links_no_sister_and_asks_for_the_username(ambassador_client, running_session, walk_in):
    UserFactory(username="srey", phone="+85512345678")
    UserFactory(username="mony", phone="+85512345678")
    html = link(ambassador_client, running_session, walk_in, "012 345 678")
    walk_in.refresh_from_db()
    assert walk_in.user is None
    assert "Several accounts use this phone number. Type the username" in html
    # With the username, the ambassador links the sister she means.
    link(ambassador_client, running_session, walk_in, "mony")
    walk_in.refresh_from_db()
    assert walk_in.user.username == "mony"


def test_an_unknown_name_says_so(ambassador_client, running_session, walk_in):
    html = link(ambassador_client, running_session, walk_in, "nobody")
    walk_in.refresh_from_db()
    assert walk_in.user is None and "No account has this username or phone number" in html
