"""The moderator queue: open reports oldest first, hide/restore/dismiss/block, each logged; the
women-and-girls space stays with the moderators allowed in it."""

import pytest
from django.urls import reverse

from cms.models import Notification
from labs.participation import services
from labs.participation.models import Block, ModerationLog, Report
from tests.factories import UserFactory
from tests.participation.conftest import act

pytestmark = pytest.mark.django_db


def test_learner_cannot_see_queue_or_log(learner_client, proposal):
    assert learner_client.get(reverse("participation:moderation")).status_code == 403
    assert learner_client.get(reverse("participation:moderation_log")).status_code == 403


def test_learner_cannot_act(learner_client, proposal):
    response = learner_client.post(reverse("participation:moderation_act"),
                                   {"action": "hide", "kind": "proposal", "id": proposal.pk, "reason": "x"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert not proposal.is_hidden


def test_queue_groups_reports_oldest_first(mod_client, proposal, learner, staff):
    later = services.submit_proposal(author=staff, title="Second post", body="Another.", category="food")
    services.report(user=UserFactory(), proposal=proposal, reason="Rude words")
    services.report(user=UserFactory(), proposal=proposal, reason="Not true")
    comment = services.add_comment(user=learner, proposal=later, body="You are all idiots")
    services.report(user=UserFactory(), comment=comment, reason="Insult")
    html = mod_client.get(reverse("participation:moderation")).content.decode()
    assert "2 people reported" in html and "1 person reported" in html
    assert "Rude words" in html and "Not true" in html and "Insult" in html
    assert html.index(proposal.title) < html.index("You are all idiots")


def test_hide_from_queue_logs_resolves_and_notifies(mod_client, moderator, proposal, learner):
    services.report(user=UserFactory(), proposal=proposal, reason="Spam")
    act(mod_client, action="hide", kind="proposal", id=proposal.pk, reason="Advertising")
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.hidden_reason == "Advertising"
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert ModerationLog.objects.get().action == "hide"
    assert Notification.objects.filter(user=learner, kind="moderation").exists()
    assert proposal.title not in mod_client.get(reverse("participation:moderation")).content.decode()


def test_hide_needs_a_public_reason(mod_client, proposal):
    services.report(user=UserFactory(), proposal=proposal, reason="Spam")
    response = act(mod_client, action="hide", kind="proposal", id=proposal.pk, reason="  ")
    assert "Give a public reason." in response.content.decode()
    proposal.refresh_from_db()
    assert not proposal.is_hidden and not ModerationLog.objects.exists()


def test_restore_a_hidden_comment(mod_client, moderator, proposal, learner):
    comment = services.add_comment(user=learner, proposal=proposal, body="Borderline")
    services.hide(moderator=moderator, comment=comment, reason="Check later")
    act(mod_client, action="restore", kind="comment", id=comment.pk, reason="It was fine")
    comment.refresh_from_db()
    assert comment.hidden_at is None
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == ["hide", "restore"]


def test_dismiss_keeps_the_post_and_logs(mod_client, proposal):
    services.report(user=UserFactory(), proposal=proposal, reason="I disagree")
    response = act(mod_client, action="dismiss", kind="proposal", id=proposal.pk, reason="Disagreement is allowed")
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    log = mod_client.get(reverse("participation:moderation_log")).content.decode()
    assert "Report dismissed" in log and "Disagreement is allowed" in log
    assert "No open reports" in response.content.decode()


def test_dismiss_without_open_report_changes_nothing(mod_client, proposal):
    response = act(mod_client, action="dismiss", kind="proposal", id=proposal.pk, reason="Nothing")
    assert "no open report" in response.content.decode()
    assert not ModerationLog.objects.exists()


def test_block_the_author_from_the_queue_then_unblock(mod_client, proposal, learner):
    services.report(user=UserFactory(), proposal=proposal, reason="Abuse")
    act(mod_client, action="block", kind="proposal", id=proposal.pk, reason="Repeated abuse")
    assert Block.objects.filter(user=learner).exists()
    log = mod_client.get(reverse("participation:moderation_log")).content.decode()
    assert "User blocked" in log and learner.public_name in log
    act(mod_client, action="unblock", user=learner.pk, reason="Talked it through")
    assert not Block.objects.exists()
    assert ModerationLog.objects.filter(action="unblock", target_user=learner).exists()


def test_forged_target_id(mod_client):
    response = act(mod_client, action="hide", kind="proposal", id=999999, reason="x")
    assert "not yours to moderate" in response.content.decode()
    response = act(mod_client, action="hide", kind="banana", id=1, reason="x")
    assert "not yours to moderate" in response.content.decode()
    assert not ModerationLog.objects.exists()


def test_html_in_reports_is_escaped(mod_client, proposal):
    services.report(user=UserFactory(), proposal=proposal, reason="<b>bold</b>")
    html = mod_client.get(reverse("participation:moderation")).content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_women_space_reports_reach_designated_moderators(client, women_moderator, member, women_proposal):
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    client.force_login(women_moderator)
    assert women_proposal.title in client.get(reverse("participation:moderation")).content.decode()


def test_women_space_reports_skip_plain_moderators(mod_client, member, women_proposal):
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    assert women_proposal.title not in mod_client.get(reverse("participation:moderation")).content.decode()


def test_women_space_stays_out_of_reach_of_other_staff(client, member, women_proposal):
    """City staff are not designated for the space: no queue, no log, no acting on forged ids."""
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    client.force_login(UserFactory(roles=["innovation-unit"]))
    assert client.get(reverse("participation:moderation")).status_code == 403
    assert client.post(reverse("participation:moderation_act"),
                       {"action": "hide", "kind": "proposal", "id": women_proposal.pk, "reason": "x"}).status_code == 403
    women_proposal.refresh_from_db()
    assert not women_proposal.is_hidden


def test_moderation_selectors_refuse_a_non_moderator(member, women_proposal):
    from labs.participation import selectors

    services.report(user=member, proposal=women_proposal, reason="Off topic")
    assert selectors.open_reports(member) == []
    assert selectors.moderation_target(member, kind="proposal", target_id=women_proposal.pk) is None
    assert selectors.moderation_log(member) == []


def test_unblock_a_forged_or_unblocked_person(mod_client, learner):
    response = act(mod_client, action="unblock", user="abc", reason="x")
    assert "not blocked" in response.content.decode()
    response = act(mod_client, action="unblock", user=learner.pk, reason="x")
    assert "not blocked" in response.content.decode()
    assert not ModerationLog.objects.exists()
