"""Issue 16, joint 6: a link is shown only to those its page admits, and a 403 says what to do instead.

Each test is the role that sees the page, signed in with the Django test client; every link shown
is followed and must not answer 403.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _links(html: str) -> list[str]:
    return [h for h in re.findall(r'href="(/[^"]*)"', html) if not h.startswith(("/static/", "/media/"))]


def _follow_all(client, url):
    page = client.get(url, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    refused = [h for h in _links(html) if client.get(h.replace("&amp;", "&")).status_code == 403]
    return html, refused


def test_learners_are_not_offered_to_plan_a_session(client, learner):
    client.force_login(learner)
    html, refused = _follow_all(client, reverse("session_list"))
    assert reverse("session_plan") not in html
    assert refused == []


def test_a_facilitator_is_offered_to_plan_a_session(client, facilitator):
    client.force_login(facilitator)
    html = client.get(reverse("session_list")).content.decode()
    assert reverse("session_plan") in html
    assert client.get(reverse("session_plan")).status_code == 200


def test_someone_named_on_a_session_is_not_offered_to_plan_one(client, center):
    from tests.labs.conftest import make_session

    helper = UserFactory(home_center=center)
    make_session(center).facilitators.add(helper)
    client.force_login(helper)
    html, refused = _follow_all(client, reverse("hercity:workshops"))
    assert reverse("session_plan") not in html
    assert "A facilitator of your center can plan one." in html
    assert refused == []


def test_innovation_unit_facilitate_page_links_only_to_pages_she_may_open(client, staff):
    client.force_login(staff)
    html, refused = _follow_all(client, reverse("facilitate"))
    assert reverse("participation:women_requests") not in html
    assert reverse("hercity:workshops") not in html
    assert refused == []


def test_a_facilitator_keeps_her_links_on_the_facilitate_page(client, facilitator):
    client.force_login(facilitator)
    html, refused = _follow_all(client, reverse("facilitate"))
    assert reverse("participation:women_requests") in html
    assert reverse("hercity:workshops") in html
    assert refused == []


def test_the_403_page_tells_a_learner_what_she_can_do(client, learner):
    client.force_login(learner)
    response = client.get(reverse("session_plan"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Certified ambassadors and facilitators can plan sessions." in html
    assert "What you can do instead" in html
    assert reverse("my_learning") in html and reverse("session_list") in html
    assert reverse("participation:desk") not in html


def test_the_403_page_sends_staff_to_their_own_pages_not_to_their_center(client, staff):
    client.force_login(staff)
    response = client.get(reverse("participation:women_requests"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "ask the staff at your center" not in html
    assert reverse("participation:desk") in html and reverse("facilitate") in html
    assert "a site administrator can give your account the role it needs" in html


def test_the_403_page_points_a_moderator_to_the_queue(client):
    moderator = UserFactory(roles=["moderator"])
    client.force_login(moderator)
    html = client.get(reverse("privacy_requests")).content.decode()
    assert reverse("participation:moderation") in html
    assert "ask the Innovation Unit" in html


def test_the_403_page_is_in_khmer(client, learner, settings):
    learner.preferred_language = "km"
    learner.save()
    client.force_login(learner)
    response = client.get("/km/sessions/new/")
    html = response.content.decode()
    assert response.status_code == 403
    # The reason is the view's own message, in the person's language.
    assert "Certified ambassadors and facilitators can plan sessions." not in html
    assert "អាចរៀបចំ" in html
