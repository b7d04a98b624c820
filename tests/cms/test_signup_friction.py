"""Sign-up says the password rules first, tells centers apart on a phone, and starts in the
language of the page she came from."""

import re

import pytest
from django.urls import reverse

from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

RULES = ("At least 8 characters, not only numbers, not a common password like “password123”, "
         "and not like your username.")


def signup_data(**overrides):
    data = {
        "username": "sokha", "nickname": "Sokha", "display_name": "", "phone": "",
        "age_band": "18-24", "gender": "woman", "home_center": "", "preferred_language": "en",
        "password1": "river-mango-bicycle", "password2": "river-mango-bicycle",
    }
    data.update(overrides)
    return data


def test_the_password_rules_are_shown_before_the_first_try(client):
    page = client.get(reverse("signup")).content.decode()
    assert RULES in page


@pytest.mark.parametrize("password, refused", [
    ("seven77", "too short"),          # "at least 8 characters"
    ("83920174", "entirely numeric"),  # "not only numbers"
    ("password123", "too common"),     # "not a common password"
    ("sokha1234", "too similar"),     # "not like your username"
])
def test_each_stated_rule_is_the_one_that_refuses(client, password, refused):
    response = client.post(reverse("signup"), signup_data(password1=password, password2=password))
    assert refused in response.content.decode()


def test_a_password_that_keeps_the_stated_rules_is_accepted(client):
    response = client.post(reverse("signup"), signup_data(password1="mango-river-42", password2="mango-river-42"))
    assert response.status_code == 302


def test_the_khmer_sign_up_page_states_the_rules_in_khmer_and_preselects_khmer(client):
    with_prefix = reverse("signup").replace("/en/", "/km/", 1)
    page = client.get(with_prefix).content.decode()
    assert re.search(r'<option value="km" selected>', page)
    assert not re.search(r'<option value="en" selected>', page)


def test_the_english_sign_up_page_preselects_english(client):
    page = client.get(reverse("signup")).content.decode()
    assert re.search(r'<option value="en" selected>', page)


def test_centers_whose_names_start_alike_are_told_apart_by_their_neighborhood_first(client):
    for number, word in ((1, "Muoy"), (2, "Pir")):
        CenterFactory(name=f"Smart Neighborhood Center – Sangkat {number} ({word})",
                      neighborhood=f"Sangkat {number} ({word}), Krong Preah Sihanouk")
    page = client.get(reverse("signup")).content.decode()
    labels = re.findall(r'<option value="\d+">([^<]+)</option>', page)
    assert [label[:10] for label in labels] == ["Sangkat 1 ", "Sangkat 2 "]
    assert "Sangkat 1 (Muoy), Krong Preah Sihanouk · Smart Neighborhood Center – Sangkat 1 (Muoy)" in labels


def test_a_center_without_a_neighborhood_shows_its_name(client):
    CenterFactory(name="Old Market Center", neighborhood="")
    page = client.get(reverse("signup")).content.decode()
    assert ">Old Market Center</option>" in page


def test_the_profile_lists_centers_the_same_way(client, learner):
    CenterFactory(name="Smart Neighborhood Center – Sangkat 4 (Buon)", neighborhood="Sangkat 4 (Buon)")
    client.force_login(learner)
    page = client.get(reverse("profile")).content.decode()
    assert "Sangkat 4 (Buon) · Smart Neighborhood Center – Sangkat 4 (Buon)" in page
