"""An outsider tries every route into the women and girls space; each must fail."""

import pytest
from django.urls import reverse

from cms.models import Notification
from labs.participation import services
from labs.participation.models import Comment, Support
from labs.participation.services import ParticipationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Secret lamp idea"


@pytest.fixture
def outsider_client(client):
    client.force_login(UserFactory(gender="woman"))  # self-identified but not confirmed
    return client


def test_member_sees_space(client, member, women_proposal):
    client.force_login(member)
    assert SECRET in client.get(reverse("participation:proposals"), {"space": "women"}).content.decode()


def test_outsider_list(outsider_client, women_proposal):
    assert outsider_client.get(reverse("participation:proposals"), {"space": "women"}).status_code == 404
    assert SECRET not in outsider_client.get(reverse("participation:proposals")).content.decode()


def test_outsider_detail_forged_id(outsider_client, women_proposal):
    assert outsider_client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404


def test_outsider_search(outsider_client, women_proposal):
    html = outsider_client.get(reverse("participation:proposals"), {"q": "lamp"}).content.decode()
    assert SECRET not in html


def test_outsider_csv(outsider_client, women_proposal):
    assert SECRET not in outsider_client.get(reverse("participation:proposals_csv")).content.decode()
    assert outsider_client.get(reverse("participation:proposals_csv"), {"space": "women"}).status_code == 404


def test_outsider_api(outsider_client, women_proposal):
    assert SECRET not in outsider_client.get(reverse("proposals_api")).content.decode()


def test_anonymous_api(client, women_proposal):
    assert SECRET not in client.get(reverse("proposals_api"), {"space": "women"}).content.decode()


def test_outsider_support_forged_id(outsider_client, women_proposal):
    outsider_client.post(reverse("participation:support", args=[women_proposal.pk]))
    assert not Support.objects.exists()


def test_outsider_comment_forged_id(outsider_client, women_proposal):
    outsider_client.post(reverse("participation:comment", args=[women_proposal.pk]), {"body": "hi"})
    assert not Comment.objects.exists()


def test_outsider_comment_reply_via_public_proposal(outsider_client, women_proposal, member, proposal):
    secret_comment = services.add_comment(user=member, proposal=women_proposal, body="inside")
    outsider_client.post(reverse("participation:comment", args=[proposal.pk]),
                         {"body": "reply", "parent": secret_comment.pk})
    assert Comment.objects.count() == 1


def test_outsider_report_forged_id(outsider_client, women_proposal):
    outsider_client.post(reverse("participation:report", args=[women_proposal.pk]), {"reason": "x"})
    assert not women_proposal.reports.exists()


def test_outsider_cannot_post_into_space(learner):
    with pytest.raises(ParticipationError, match="Only members"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", space="women")


def test_city_staff_are_not_members(client, staff, women_proposal):
    client.force_login(staff)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404


def test_designated_moderator_can_enter(client, women_moderator, women_proposal):
    client.force_login(women_moderator)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 200


def test_plain_moderator_cannot_enter(client, moderator, women_proposal):
    client.force_login(moderator)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404


def test_answer_notification_skips_non_members(moderator, member, women_proposal):
    staff_member = UserFactory(roles=["innovation-unit", "moderator", "women-space-moderator"])
    services.answer_proposal(staff=staff_member, proposal=women_proposal, state="evaluating", answer="Looking")
    told = Notification.objects.filter(kind="proposal_answer").values_list("user_id", flat=True)
    assert list(told) == [member.pk]


def test_membership_needs_facilitator_confirmation(client, facilitator, center, women_proposal):
    user = UserFactory(gender="woman", home_center=center)
    services.request_women_space(user=user)
    client.force_login(user)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404
    services.confirm_member(facilitator=facilitator, user=user)
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 200


def test_carry_to_public_is_anonymous(client, member, women_proposal):
    public = services.carry_to_public(user=member, proposal=women_proposal)
    html = client.get(reverse("participation:proposal", args=[public.pk])).content.decode()
    assert "Anonymous" in html and member.nickname not in html


def test_outsider_map_and_fallback_plan(outsider_client, member):
    services.submit_proposal(author=member, title=SECRET, body="b", category="safety", space="women",
                             latitude="10.6", longitude="103.5")
    assert SECRET not in outsider_client.get(reverse("participation:map")).content.decode()
    assert SECRET not in outsider_client.get(reverse("participation:map_svg")).content.decode()
