"""The proposal list: anonymous visitors share one rendering that is never stale, signed-in people
get their own page, and the pager keeps every filter."""

import pytest
from django.urls import reverse
from django.utils import translation

from labs.participation import services
from labs.participation.models import Proposal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shared_pages(settings):
    settings.SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS = 60


def url():
    with translation.override("en"):
        return reverse("participation:proposals")


def test_anonymous_visitors_share_one_rendering(client, learner):
    services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    first = client.get(url())
    second = client.get(url())
    assert "participation/proposal_list.html" in [t.name for t in first.templates]
    assert second.templates == [] and second.content == first.content


def test_made_up_query_parameters_share_the_rendering_but_filters_do_not(client, learner):
    services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    services.submit_proposal(author=learner, title="Clean drains", body="b", category="water_flooding")
    first = client.get(url() + "?utm_source=radio")
    again = client.get(url() + "?x=1&y=2")
    assert again.templates == [] and again.content == first.content
    filtered = client.get(url() + "?category=water_flooding&utm_source=radio")
    assert "participation/proposal_list.html" in [t.name for t in filtered.templates]
    assert "Clean drains" in filtered.content.decode() and "Shade trees" not in filtered.content.decode()


def test_a_new_support_shows_at_once_to_anonymous_visitors(client, learner):
    proposal = services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    assert "0 supports" in client.get(url()).content.decode()
    services.support(user=UserFactory(), proposal=proposal)
    assert "1 support" in client.get(url()).content.decode()


def test_a_hidden_proposal_leaves_the_anonymous_list_at_once(client, learner):
    proposal = services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    assert "Shade trees" in client.get(url()).content.decode()
    services.hide(moderator=UserFactory(roles=["moderator"]), reason="Spam", proposal=proposal)
    assert "Shade trees" not in client.get(url()).content.decode()


def test_signed_in_people_get_their_own_page_around_the_shared_cards(client, learner):
    proposal = services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    anonymous = client.get(url()).content.decode()
    client.force_login(UserFactory(nickname="Dara"))
    services.support(user=UserFactory(), proposal=proposal)
    own = client.get(url()).content.decode()
    assert "Dara" in own and "Log out" in own and "1 support" in own
    assert "Dara" not in anonymous and "Log in" in anonymous
    client.force_login(UserFactory(nickname="Sokha"))
    other = client.get(url()).content.decode()
    assert "Sokha" in other and "Dara" not in other


def test_the_pager_keeps_filters_and_sort(client, learner):
    Proposal.objects.bulk_create([Proposal(author=learner, title=f"Drain {i}", body="b", category="water_flooding")
                                  for i in range(21)] + [Proposal(author=learner, title="Market stalls", body="b",
                                                                  category="food")])
    html = client.get(url(), {"category": "water_flooding", "sort": "top", "q": "Drain"}).content.decode()
    assert "?q=Drain&amp;category=water_flooding&amp;sort=top&amp;space=public&amp;page=2" in html
    page2 = client.get(url(), {"q": "Drain", "category": "water_flooding", "sort": "top", "page": 2}).content.decode()
    assert page2.count('<li class="card">') == 1 and "Market stalls" not in page2


def test_a_search_shows_live_counts_and_hiding(client, learner):
    drain = services.submit_proposal(author=learner, title="Drain by the market", body="b", category="water_flooding")
    services.submit_proposal(author=learner, title="Shade trees", body="b", category="public_space")
    first = client.get(url(), {"q": "drain"}).content.decode()
    assert "Drain by the market" in first and "Shade trees" not in first and "0 supports" in first
    services.support(user=UserFactory(), proposal=drain)
    assert "1 support" in client.get(url(), {"q": "drain"}).content.decode()
    services.hide(moderator=UserFactory(roles=["moderator"]), reason="Spam", proposal=drain)
    assert "Drain by the market" not in client.get(url(), {"q": "drain"}).content.decode()


def test_a_search_in_the_women_space_is_only_for_members(client, member, learner):
    services.submit_proposal(author=member, title="Safe toilets", body="b", category="safety", space="women")
    client.force_login(member)
    assert "Safe toilets" in client.get(url(), {"q": "toilets", "space": "women"}).content.decode()
    client.force_login(learner)
    assert client.get(url(), {"q": "toilets", "space": "women"}).status_code == 404
    assert "Safe toilets" not in client.get(url(), {"q": "toilets"}).content.decode()
