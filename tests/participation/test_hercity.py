from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.hercity import services
from labs.hercity.models import FACTOR_KEYS, Dot, SafetyScore
from labs.hercity.selectors import unsafe_places
from labs.models import Session
from labs.participation.models import Proposal, WomenSpaceMembership
from labs.participation.services import ParticipationError
from tests.factories import UserFactory

from .conftest import png

pytestmark = pytest.mark.django_db


def member_facilitator(center, *, confirmed_by):
    """A facilitator of the center who is a confirmed member of the women and girls space."""
    user = UserFactory(roles=["facilitator"], gender="woman")
    center.facilitators.add(user)
    WomenSpaceMembership.objects.create(user=user, confirmed_by=confirmed_by, confirmed_at=timezone.now())
    return user


def make_workshop(center, facilitator, *, audience="open", space="public"):
    now = timezone.now()
    session = Session.objects.create(center=center, kind="hercity", title="Her City walk", starts_at=now,
                                     ends_at=now + timedelta(hours=3), audience=audience)
    session.facilitators.add(facilitator)
    # Only a member may choose the women-and-girls space as the destination (decided at the start).
    starter = member_facilitator(center, confirmed_by=facilitator) if space == "women" else facilitator
    return services.create_workshop(facilitator=starter, session=session, site_name="Market lane",
                                    space=space, latitude="10.627", longitude="103.522")


def all_scores(value):
    return {k: value for k in FACTOR_KEYS}


def test_workshop_from_walk_to_proposal_with_evidence(center, facilitator, learner):
    w = make_workshop(center, facilitator)
    services.record_scores(user=learner, workshop=w, scores=all_scores(2), place="Gate", latitude="10.6271",
                           longitude="103.5221", photo=png("gate.png"))
    services.advance(facilitator=facilitator, workshop=w, to_step=2)
    w.refresh_from_db()
    idea = services.add_idea(user=learner, workshop=w, text="Lights along the lane")
    services.advance(facilitator=facilitator, workshop=w, to_step=3)
    w.refresh_from_db()
    services.add_idea(user=learner, workshop=w, text="Bench design", link="mc-session-42")
    services.advance(facilitator=facilitator, workshop=w, to_step=4)
    w.refresh_from_db()
    services.dot_vote(user=learner, workshop=w, idea=idea)
    services.advance(facilitator=facilitator, workshop=w, to_step=5)
    w.refresh_from_db()
    services.add_action(user=learner, workshop=w, what="Ask the commune for lamps", who="Sokha", when="May")
    proposal = services.finish(facilitator=facilitator, workshop=w, title="A safer market lane")
    assert proposal.origin == "hercity"
    assert "Lights along the lane (1)" in proposal.body
    assert proposal.files.count() == 2  # chart + walk photo
    assert proposal.author_label == learner.public_name


def test_finish_twice_makes_one_proposal(center, facilitator):
    w = make_workshop(center, facilitator)
    for step in (2, 3, 4, 5):
        w = services.advance(facilitator=facilitator, workshop=w, to_step=step)
    services.finish(facilitator=facilitator, workshop=w, title="x")
    services.finish(facilitator=facilitator, workshop=w, title="x")
    assert Proposal.objects.count() == 1


def test_participant_cannot_advance(center, facilitator, learner):
    w = make_workshop(center, facilitator)
    learner.groups.clear()
    with pytest.raises(ParticipationError):
        services.advance(facilitator=learner, workshop=w, to_step=2)


def test_score_out_of_range_refused(center, facilitator, learner):
    w = make_workshop(center, facilitator)
    with pytest.raises(ParticipationError, match="1 to 5"):
        services.record_scores(user=learner, workshop=w, scores=all_scores(9), place="Gate")
    assert not SafetyScore.objects.exists()


def test_contribution_at_wrong_step_refused(center, facilitator, learner):
    w = make_workshop(center, facilitator)
    with pytest.raises(ParticipationError, match="not at this step"):
        services.add_action(user=learner, workshop=w, what="x")


def test_dots_limited_per_person(center, facilitator, learner):
    w = make_workshop(center, facilitator)
    w = services.advance(facilitator=facilitator, workshop=w, to_step=2)
    ideas = [services.add_idea(user=learner, workshop=w, text=f"idea {i}") for i in range(4)]
    for step in (3, 4):
        w = services.advance(facilitator=facilitator, workshop=w, to_step=step)
    for idea in ideas[:3]:
        services.dot_vote(user=learner, workshop=w, idea=idea)
    with pytest.raises(ParticipationError, match="all your dots"):
        services.dot_vote(user=learner, workshop=w, idea=ideas[3])
    assert Dot.objects.count() == 3


def test_women_only_workshop_refuses_outsider(client, center, facilitator):
    w = make_workshop(center, facilitator, audience="women", space="women")
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(reverse("hercity:workshop", args=[w.pk])).status_code == 404
    with pytest.raises(ParticipationError, match="women and girls only"):
        services.record_scores(user=outsider, workshop=w, scores=all_scores(1), place="x")


def test_unsafe_places_layer_hides_women_workshops_from_outsiders(center, facilitator, member, learner):
    w = make_workshop(center, facilitator, audience="women", space="women")
    services.record_scores(user=member, workshop=w, scores=all_scores(1), place="Dark corner",
                           latitude="10.6", longitude="103.5")
    assert unsafe_places(learner) == []
    assert unsafe_places(member)[0]["place"] == "Dark corner"


def test_workshop_page_shows_chart(client, center, facilitator, learner):
    w = make_workshop(center, facilitator)
    services.record_scores(user=learner, workshop=w, scores=all_scores(4), place="Gate")
    client.force_login(learner)
    html = client.get(reverse("hercity:workshop", args=[w.pk])).content.decode()
    assert "<svg" in html and "Lighting" in html and "4.0" in html


def _at_dot_voting(center, facilitator, learner, *, ideas=2, dots=2):
    w = make_workshop(center, facilitator)
    w.dots_per_person = dots
    w.save(update_fields=["dots_per_person"])
    w = services.advance(facilitator=facilitator, workshop=w, to_step=2)
    made = [services.add_idea(user=learner, workshop=w, text=f"idea {i}") for i in range(ideas)]
    for step in (3, 4):
        w = services.advance(facilitator=facilitator, workshop=w, to_step=step)
    return w, made


def test_dot_counter_counts_down_and_a_refused_dot_says_so(client, center, facilitator, learner):
    w, ideas = _at_dot_voting(center, facilitator, learner, ideas=3, dots=2)
    client.force_login(learner)
    page = reverse("hercity:workshop", args=[w.pk])
    post = reverse("hercity:contribute", args=[w.pk])
    assert "You have 2 dots left." in client.get(page).content.decode()
    html = client.post(post, {"idea": ideas[0].pk}, follow=True).content.decode()
    assert "You have 1 dot left." in html and "Your dot" in html
    # A second dot on the same idea is refused with a message, not a silent "saved".
    html = client.post(post, {"idea": ideas[0].pk}, follow=True).content.decode()
    assert "You already placed a dot on this idea." in html
    assert "Thank you, saved." not in html and "You have 1 dot left." in html
    client.post(post, {"idea": ideas[1].pk}, follow=True)
    html = client.post(post, {"idea": ideas[2].pk}, follow=True).content.decode()
    assert "You have placed all your dots." in html and "Thank you, saved." not in html
    assert Dot.objects.filter(user=learner).count() == 2


def test_dot_counter_is_in_khmer_for_a_khmer_page(client, center, facilitator, learner):
    from django.utils import translation

    w, ideas = _at_dot_voting(center, facilitator, learner, dots=3)
    client.force_login(learner)
    with translation.override("km"):
        expected = translation.ngettext("You have %(n)s dot left.", "You have %(n)s dots left.", 3) % {"n": 3}
        refused = translation.gettext("You already placed a dot on this idea. Choose another idea.")
        page = reverse("hercity:workshop", args=[w.pk])
        post = reverse("hercity:contribute", args=[w.pk])
    client.cookies["django_language"] = "km"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="km").content.decode()
    assert 'lang="km"' in html and expected in html
    client.post(post, {"idea": ideas[0].pk}, HTTP_ACCEPT_LANGUAGE="km", follow=True)
    html = client.post(post, {"idea": ideas[0].pk}, HTTP_ACCEPT_LANGUAGE="km", follow=True).content.decode()
    assert refused in html


@pytest.mark.parametrize("value", ["abc", "", "-1", "1e9", "9" * 40, "1\x00"])
def test_malformed_idea_id_is_a_message_not_a_500(client, center, facilitator, learner, value):
    w, _ideas = _at_dot_voting(center, facilitator, learner)
    client.force_login(learner)
    response = client.post(reverse("hercity:contribute", args=[w.pk]), {"idea": value}, follow=True)
    assert response.status_code == 200
    assert "This idea is not in this workshop." in response.content.decode()
    assert not Dot.objects.exists()
