import pytest
from django.urls import reverse

from cms.models import Notification
from labs.participation import services
from labs.participation.models import ModerationLog, State
from labs.participation.services import ParticipationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_answer_notifies_author_and_supporters(staff, proposal, learner):
    fan = UserFactory()
    services.support(user=fan, proposal=proposal)
    services.answer_proposal(staff=staff, proposal=proposal, state=State.ACCEPTED, answer="We will add bins.",
                             cost="$200", timeline="March")
    assert set(Notification.objects.values_list("user_id", flat=True)) == {learner.pk, fan.pk}


def test_rejection_needs_a_reason(staff, proposal):
    with pytest.raises(ParticipationError, match="reason"):
        services.answer_proposal(staff=staff, proposal=proposal, state=State.REJECTED, answer="")
    proposal.refresh_from_db()
    assert proposal.state == State.SUBMITTED


def test_only_staff_answer(learner_client, proposal):
    learner_client.post(reverse("participation:answer", args=[proposal.pk]), {"state": "accepted", "answer": "yes"})
    proposal.refresh_from_db()
    assert proposal.state == State.SUBMITTED


def test_author_sees_answer_on_page(client, staff, proposal, learner):
    client.force_login(staff)
    client.post(reverse("participation:answer", args=[proposal.pk]), {"state": "in_progress", "answer": "Ordered."})
    client.force_login(learner)
    assert "Ordered." in client.get(reverse("participation:proposal", args=[proposal.pk])).content.decode()


def test_accountability_counts_per_category(client, staff, proposal):
    services.answer_proposal(staff=staff, proposal=proposal, state=State.IMPLEMENTED, answer="Done")
    html = client.get(reverse("participation:accountability")).content.decode()
    assert "More bins at the market" in html and "<td>1</td>" in html


def test_hidden_proposal_disappears_for_everyone_but_moderators(client, moderator, proposal):
    services.hide(moderator=moderator, proposal=proposal, reason="Personal attack")
    assert client.get(reverse("participation:proposal", args=[proposal.pk])).status_code == 404
    assert "More bins" not in client.get(reverse("participation:proposals")).content.decode()
    client.force_login(moderator)
    assert "Personal attack" in client.get(reverse("participation:proposal", args=[proposal.pk])).content.decode()


def test_every_moderation_act_is_logged(moderator, proposal):
    services.hide(moderator=moderator, proposal=proposal, reason="spam")
    services.restore(moderator=moderator, proposal=proposal, reason="appeal")
    assert list(ModerationLog.objects.values_list("action", flat=True)) == ["restore", "hide"]


def test_hide_needs_public_reason(moderator, proposal):
    with pytest.raises(ParticipationError):
        services.hide(moderator=moderator, proposal=proposal, reason=" ")


def test_non_moderator_cannot_hide(learner_client, proposal):
    learner_client.post(reverse("participation:moderate", args=[proposal.pk]), {"action": "hide", "reason": "x"})
    proposal.refresh_from_db()
    assert not proposal.is_hidden


def test_hidden_comment_disappears(client, moderator, proposal, learner):
    c = services.add_comment(user=learner, proposal=proposal, body="Rude words here")
    services.hide(moderator=moderator, comment=c, reason="rude")
    assert "Rude words here" not in client.get(reverse("participation:proposal", args=[proposal.pk])).content.decode()


def test_threaded_reply_shown(client, proposal, learner):
    c = services.add_comment(user=learner, proposal=proposal, body="First")
    services.add_comment(user=learner, proposal=proposal, body="A reply", parent=c)
    assert "A reply" in client.get(reverse("participation:proposal", args=[proposal.pk])).content.decode()


def test_report_once_per_person(learner, proposal):
    services.report(user=learner, proposal=proposal, reason="spam")
    services.report(user=learner, proposal=proposal, reason="spam")
    assert proposal.reports.count() == 1


def test_blocked_user_cannot_post(moderator, learner, proposal):
    services.block_user(moderator=moderator, user=learner, reason="abuse")
    with pytest.raises(ParticipationError, match="cannot post"):
        services.add_comment(user=learner, proposal=proposal, body="hi")


def test_comment_rate_limit(learner, proposal):
    for i in range(20):
        services.add_comment(user=learner, proposal=proposal, body=f"c{i}")
    with pytest.raises(ParticipationError, match="too fast"):
        services.add_comment(user=learner, proposal=proposal, body="one more")
