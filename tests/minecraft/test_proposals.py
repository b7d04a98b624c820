"""Presentation day: the gallery, one vote per person per team, and a team's build as a proposal."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from games.minecraft import palette, services, volume
from games.minecraft.models import Vote
from games.models import Event, EventKind
from labs.participation.models import Call, Phase, Proposal
from tests.factories import UserFactory


@pytest.fixture
def built(generated, facilitator, django_capture_on_commit_callbacks):
    vol = services.site_volume(generated.site)
    legacy = np.vectorize(lambda i: palette.legacy(palette.block_name(int(i)))[0])(vol.blocks).astype(np.int16)
    legacy[volume.SURFACE_Y + 1 - volume.BASE_Y, 2, 2] = 53
    for team in generated.teams.all():
        services.save_snapshot(team=team, blocks=legacy)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_capture_from_snapshots(session=generated, user=facilitator)
    return generated


@pytest.fixture
def members(built):
    mango, lotus = built.teams.order_by("index")
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    services.add_member(team=mango, user=a, nickname="Dara")
    services.add_member(team=mango, user=b, nickname="Sophea")
    services.add_member(team=lotus, user=c, nickname="Vanna")
    return a, b, c


def test_one_vote_per_person_per_team(built, members, client):
    a, _b, _c = members
    lotus = built.teams.get(index=1)
    client.force_login(a)
    url = reverse("minecraft:vote", args=[built.pk, lotus.pk])
    client.post(url)
    client.post(url)
    assert Vote.objects.filter(team=lotus).count() == 1
    with pytest.raises(IntegrityError):
        Vote.objects.create(team=lotus, user=a)


def test_outsiders_neither_see_nor_vote(built, members, client):
    client.force_login(UserFactory())
    page = client.get(reverse("minecraft:gallery", args=[built.pk])).content.decode()
    assert 'id="how-to-join"' in page and 'id="gallery"' not in page  # how to join, not the builds
    assert client.post(reverse("minecraft:vote", args=[built.pk, built.teams.first().pk])).status_code == 404
    assert not Vote.objects.exists()


def test_gallery_shows_each_build_with_nicknames_only(built, members, client):
    a, _b, _c = members
    client.force_login(a)
    page = client.get(reverse("minecraft:gallery", args=[built.pk])).content.decode()
    assert "Dara" in page and "Vanna" in page
    assert a.username not in page  # nicknames in public places, never usernames
    assert page.count("<img") >= 4  # plan and isometric view per team


def test_a_team_submits_its_build_as_a_proposal_to_the_call(built, members, facilitator, client):
    now = timezone.now()
    call = Call.objects.create(title="Redesign the square", question="What would make it better?",
                               created_by=facilitator)
    Phase.objects.create(call=call, kind="collect", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9))
    built.call = call
    built.save()
    a, b, c = members
    mango = built.teams.get(index=0)
    client.force_login(a)
    response = client.post(reverse("minecraft:proposal", args=[built.pk, mango.pk]),
                           {"title": "Benches in the shade", "description": "We added a bench under the trees."})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.call == call and proposal.origin == "blockbyblock"
    assert proposal.team_nicknames == ["Dara", "Sophea"]
    assert "seats: 8 (+1)" in proposal.body
    assert proposal.files.filter(kind="image").count() == 3
    mango.refresh_from_db()
    assert mango.proposal_id == proposal.pk
    kinds = set(Event.objects.filter(kind=EventKind.MINECRAFT_BUILD_SUBMITTED).values_list("user", flat=True))
    assert kinds == {a.pk, b.pk}
    # A second submission is refused with a message, nothing more is created.
    with pytest.raises(services.CoDesignError, match="already submitted"):
        services.submit_team_proposal(user=b, team=mango, title="Again", description="Again")
    assert Proposal.objects.count() == 1


def test_only_members_submit_their_team_build(built, members):
    _a, _b, c = members
    with pytest.raises(services.CoDesignError, match="Only the team's members"):
        services.submit_team_proposal(user=c, team=built.teams.get(index=0), title="T", description="D")
    assert not Proposal.objects.exists()


def test_a_sent_build_shows_with_the_proposal_and_links_back_to_the_gallery_for_participants(
        built, members, client):
    """Issue 16, joint 4: the build travels with the proposal (renders attached, for everyone who sees
    the proposal); the gallery of every team stays with the session's participants."""
    a, _b, c = members
    mango = built.teams.get(index=0)
    proposal = services.submit_team_proposal(user=a, team=mango, title="Benches in the shade",
                                             description="We added a bench under the trees.")
    url = reverse("participation:proposal", args=[proposal.pk])
    gallery = f'href="{reverse("minecraft:gallery", args=[built.pk])}" id="codesign-gallery"'
    client.force_login(c)  # on another team of the session
    assert gallery in client.get(url).content.decode()
    client.force_login(UserFactory())  # the public: the build, not the gallery
    page = client.get(url).content.decode()
    assert page.count("<img") >= 3 and "codesign-gallery" not in page
