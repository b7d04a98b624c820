"""Block by Block: a facilitator adds a team member by username in any case or phone typed any way."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add(client, codesign, typed):
    team = codesign.teams.first()
    response = client.post(reverse("minecraft:add_member", args=[codesign.pk, team.pk]),
                           {"username": typed, "nickname": "Srey"}, follow=True)
    return team, response.content.decode()


@pytest.mark.parametrize("typed", ["012 345 678", "+855 12 345 678", "SREY"])
def test_a_member_is_added_by_local_phone_or_username_in_any_case(client, codesign, facilitator, typed):
    srey = UserFactory(username="srey", phone="+85512345678")
    client.force_login(facilitator)
    team, _ = add(client, codesign, typed)
    assert list(team.memberships.values_list("user", flat=True)) == [srey.pk]


def test_a_shared_phone_adds_no_one_and_asks_for_the_username(client, codesign, facilitator):
    UserFactory(username="srey", phone="+85512345678")
    UserFactory(username="mony", phone="+85512345678")
    client.force_login(facilitator)
    team, html = add(client, codesign, "012 345 678")
    assert not team.memberships.exists()
    assert "Several accounts use this phone number. Type the username" in html
