"""Issue 16, joint 1: a proposal reaches a call from the call's own page, as the learner does it."""

import pytest
from django.urls import reverse

from labs.participation.models import Proposal

from .conftest import make_call

pytestmark = pytest.mark.django_db


def _form_url(call_id) -> str:
    return f"{reverse('participation:proposal_new')}?call={call_id}"


def test_call_page_leads_into_the_form_while_collecting(staff, learner_client):
    call = make_call(staff, current="collect")
    page = learner_client.get(reverse("participation:call", args=[call.pk])).content.decode()
    assert f'href="{_form_url(call.pk)}"' in page
    form = learner_client.get(_form_url(call.pk)).content.decode()
    assert "Your proposal answers the call “Cleaner streets”." in form
    assert call.question in form


def test_proposal_sent_from_the_call_belongs_to_it_and_is_listed(staff, learner, learner_client):
    call = make_call(staff, current="collect")
    response = learner_client.post(_form_url(call.pk), {
        "title": "Bins at every corner", "body": "The street is full of plastic.", "category": "waste",
        "space": "public"})
    proposal = Proposal.objects.get(title="Bins at every corner")
    assert response.status_code == 302
    assert proposal.call_id == call.pk and proposal.author == learner
    page = learner_client.get(reverse("participation:call", args=[call.pk])).content.decode()
    assert "Bins at every corner" in page
    assert "No proposals yet." not in page


def test_a_call_not_collecting_says_so_and_takes_nothing(staff, learner_client):
    call = make_call(staff, current="prioritise")
    page = learner_client.get(reverse("participation:call", args=[call.pk])).content.decode()
    assert _form_url(call.pk) not in page
    assert "This call is not collecting proposals now." in page
    form = learner_client.get(_form_url(call.pk))
    assert form.status_code == 200
    assert "This call is not collecting proposals now." in form.content.decode()
    assert 'name="title"' not in form.content.decode()
    learner_client.post(_form_url(call.pk), {"title": "Late idea", "body": "b", "category": "waste",
                                             "space": "public"})
    assert not Proposal.objects.filter(title="Late idea").exists()


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1e3", "99999999999999999999999", "999999"])
def test_a_malformed_or_unknown_call_is_a_404_not_a_500(learner_client, value):
    assert learner_client.get(_form_url(value)).status_code == 404
    assert learner_client.post(_form_url(value), {"title": "x", "body": "y", "category": "waste"}).status_code == 404


def test_a_call_proposal_is_public_even_for_a_member_of_the_women_space(staff, member, client):
    call = make_call(staff, current="collect")
    client.force_login(member)
    client.post(_form_url(call.pk), {"title": "Lights", "body": "On the path.", "category": "safety",
                                     "space": "women"})
    assert not Proposal.objects.filter(title="Lights").exists()  # "women" is not a choice here
    client.post(_form_url(call.pk), {"title": "Lights", "body": "On the path.", "category": "safety",
                                     "space": "public"})
    assert Proposal.objects.get(title="Lights").space == "public"


def test_the_form_without_a_call_still_makes_a_free_proposal(learner_client):
    learner_client.post(reverse("participation:proposal_new"), {
        "title": "Shade at the bus stop", "body": "It is hot.", "category": "public_space", "space": "public"})
    assert Proposal.objects.get(title="Shade at the bus stop").call_id is None


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_the_list_filter_by_a_malformed_call_is_not_a_500(client, value):
    assert client.get(reverse("participation:proposals"), {"call": value}).status_code == 404
