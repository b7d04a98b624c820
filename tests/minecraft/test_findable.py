"""Block by Block can be found (issue 16, joint 4): facilitators reach it from the Facilitate page and
from the co-design session at their center; participants from that session page and their inbox; a
learner who is not on a team gets a page that says how to join, not a 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.models import Notification
from games.minecraft import services
from games.minecraft.models import CoDesignSession
from labs.models import Session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def center_session(center):
    starts = timezone.now() + timedelta(days=1)
    return Session.objects.create(center=center, kind="blockbyblock", title="Saturday co-design",
                                  starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=20)


def test_the_facilitate_page_links_to_block_by_block(client, facilitator):
    client.force_login(facilitator)
    page = client.get(reverse("facilitate")).content.decode()
    assert f'href="{reverse("minecraft:sessions")}" id="facilitate-codesign"' in page


def test_a_facilitator_sets_up_block_by_block_from_the_co_design_session_at_her_center(
        client, facilitator, center_session, sample_site):
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[center_session.pk])).content.decode()
    start = f'{reverse("minecraft:session_create")}?labs_session={center_session.pk}'
    assert start in page
    form = client.get(start).content.decode()
    assert f'<option value="{center_session.pk}" selected>' in form
    client.post(reverse("minecraft:session_create"), {
        "title": "Square redesign", "site": sample_site.pk, "team_names": "Mango\nLotus",
        "labs_session": center_session.pk, "call": "", "server_host": "", "server_port": 4711})
    codesign = CoDesignSession.objects.get()
    assert codesign.labs_session == center_session
    page = client.get(reverse("session_detail", args=[center_session.pk])).content.decode()
    assert f'href="{reverse("minecraft:session", args=[codesign.pk])}">Square redesign</a>' in page


def test_the_set_up_link_is_only_for_those_who_run_the_center_session(client, learner, center_session):
    client.force_login(learner)
    page = client.get(reverse("session_detail", args=[center_session.pk])).content.decode()
    assert "labs_session=" not in page and 'id="codesign"' not in page


def test_a_participant_reaches_her_team_from_the_center_session_and_her_inbox(
        client, learner, facilitator, center_session, sample_site):
    codesign = services.create_session(facilitator=facilitator, title="Square redesign", site=sample_site,
                                       team_names=["Mango"], labs_session=center_session)
    stranger = UserFactory()
    services.add_member(team=codesign.teams.get(), user=learner, nickname="Srey")
    services.add_member(team=codesign.teams.get(), user=learner, nickname="Srey Mom")  # renamed: no new notice
    (notice,) = Notification.objects.filter(user=learner)
    assert notice.kind == "codesign-team" and "Mango" in notice.title and "Square redesign" in notice.title
    assert notice.url == reverse("minecraft:session", args=[codesign.pk])
    client.force_login(learner)
    response = client.get(notice.url)
    assert response.status_code == 302 and response.url == reverse("minecraft:gallery", args=[codesign.pk])
    page = client.get(reverse("session_detail", args=[center_session.pk])).content.decode()
    assert f'href="{notice.url}">Square redesign</a>' in page
    assert "Square redesign" in client.get(reverse("minecraft:sessions")).content.decode()
    client.force_login(stranger)  # registered for nothing, on no team: sees no link
    assert "Square redesign" not in client.get(reverse("session_detail", args=[center_session.pk])).content.decode()


def test_a_learner_not_on_a_team_gets_a_page_that_says_how_to_join(client, codesign):
    client.force_login(UserFactory())
    for url in (reverse("minecraft:session", args=[codesign.pk]), reverse("minecraft:gallery", args=[codesign.pk])):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and 'id="how-to-join"' in page and "Ask the facilitator" in page
        assert codesign.title not in page  # nothing about the session itself
    missing = client.get(reverse("minecraft:session", args=[codesign.pk + 1000]))
    assert missing.status_code == 200 and 'id="how-to-join"' in missing.content.decode()  # the same page


def test_the_empty_list_tells_a_learner_how_to_join(client, learner):
    client.force_login(learner)
    page = client.get(reverse("minecraft:sessions")).content.decode()
    assert 'id="how-to-join"' in page and "Ask the facilitator" in page
