"""The women-and-girls space is sealed (issue 15, item 6): membership decisions are checked and
audited, a carried proposal stays anonymous, women-space audit details are for designated moderators,
a removed member's export names none of the space's proposals, and a Her City workshop is moved on only
by the people of its own center."""

import json

import pytest
from django.urls import reverse

from cms.models import AuditAction, AuditEntry
from cms.wagtail_hooks import audit_details_visible
from labs.hercity import services as hercity
from labs.participation import services
from labs.participation.models import WomenSpaceMembership
from labs.participation.privacy import collect_participation
from tests.factories import CenterFactory, UserFactory

from .conftest import act
from .test_hercity import make_workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker(center):
    user = UserFactory(gender="woman", home_center=center, nickname="Dara")
    services.request_women_space(user=user)
    return user


# --- membership ---------------------------------------------------------------------------------

def test_a_facilitator_cannot_confirm_her_own_membership(facilitator, center):
    facilitator.home_center = center
    facilitator.save(update_fields=["home_center"])
    services.request_women_space(user=facilitator)
    with pytest.raises(services.ParticipationError, match="your own membership"):
        services.confirm_member(facilitator=facilitator, user=facilitator)
    assert WomenSpaceMembership.objects.get(user=facilitator).confirmed_at is None
    assert not AuditEntry.objects.exists()


def test_her_own_request_is_not_in_her_list(client, facilitator, center, asker):
    facilitator.home_center = center
    facilitator.save(update_fields=["home_center"])
    own = services.request_women_space(user=facilitator)
    client.force_login(facilitator)
    html = client.get(reverse("participation:women_requests")).content.decode()
    assert reverse("participation:women_decide", args=[asker.women_space.pk]) in html
    assert reverse("participation:women_decide", args=[own.pk]) not in html
    client.post(reverse("participation:women_decide", args=[own.pk]), {"action": "confirm"})
    own.refresh_from_db()
    assert own.confirmed_at is None


def test_a_superuser_cannot_confirm_herself(center):
    root = UserFactory(is_superuser=True, home_center=center, gender="woman")
    services.request_women_space(user=root)
    with pytest.raises(services.ParticipationError):
        services.confirm_member(facilitator=root, user=root)
    assert WomenSpaceMembership.objects.get(user=root).confirmed_at is None


def test_a_superuser_confirming_someone_is_audited(asker):
    root = UserFactory(is_superuser=True)
    services.confirm_member(facilitator=root, user=asker)
    entry = AuditEntry.objects.get(action=AuditAction.WOMEN_SPACE_CONFIRM)
    assert entry.actor == root and entry.target_id == str(asker.pk)
    assert entry.details["superuser"] is True and entry.details["space"] == "women"
    assert asker.username not in entry.target_label  # who is a member is itself private


def test_confirm_and_decline_are_audited_once(facilitator, asker):
    services.confirm_member(facilitator=facilitator, user=asker)
    services.confirm_member(facilitator=facilitator, user=asker)  # a double click
    services.decline_member(facilitator=facilitator, user=asker)
    assert AuditEntry.objects.filter(action=AuditAction.WOMEN_SPACE_CONFIRM, actor=facilitator).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.WOMEN_SPACE_DECLINE, actor=facilitator).count() == 1


def test_a_refused_decision_leaves_no_entry(facilitator):
    elsewhere = UserFactory(gender="woman", home_center=CenterFactory())
    services.request_women_space(user=elsewhere)
    with pytest.raises(services.ParticipationError):
        services.confirm_member(facilitator=facilitator, user=elsewhere)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("state", ["pending", "removed"])
def test_a_pending_or_removed_member_sees_nothing(client, facilitator, asker, women_proposal, state):
    if state == "removed":
        services.confirm_member(facilitator=facilitator, user=asker)
        services.decline_member(facilitator=facilitator, user=asker)
    client.force_login(asker)
    for url in (reverse("participation:proposal", args=[women_proposal.pk]),
                reverse("participation:proposals") + "?space=women",
                reverse("participation:proposals_csv") + "?space=women",
                reverse("proposals_api") + "?space=women"):
        assert client.get(url).status_code == 404, url
    assert women_proposal.title not in client.get(reverse("participation:proposals")).content.decode()


def test_a_removed_members_inbox_loses_the_answers_to_other_members_proposals(facilitator, asker, women_proposal,
                                                                             client):
    from cms.models import Notification

    services.confirm_member(facilitator=facilitator, user=asker)
    services.support(user=asker, proposal=women_proposal)
    both = UserFactory(roles=["innovation-unit", "moderator", "women-space-moderator"])
    services.answer_proposal(staff=both, proposal=women_proposal, state="accepted", answer="Lamps by June.")
    assert Notification.objects.filter(user=asker, kind="proposal_answer").exists()
    services.decline_member(facilitator=facilitator, user=asker)
    client.force_login(asker)
    assert women_proposal.title not in client.get(reverse("notifications")).content.decode()
    assert not Notification.objects.filter(user=asker, kind="proposal_answer").exists()
    assert Notification.objects.filter(user=women_proposal.author, kind="proposal_answer").exists()


# --- a carried proposal stays anonymous ---------------------------------------------------------

@pytest.fixture
def carried(member, women_proposal):
    member.nickname = "Srey Leak"
    member.save(update_fields=["nickname"])
    public = services.carry_to_public(user=member, proposal=women_proposal)
    services.report(user=UserFactory(), proposal=public, reason="Looks like spam")
    return public


def test_the_plain_moderators_queue_does_not_name_the_author(mod_client, carried):
    html = mod_client.get(reverse("participation:moderation")).content.decode()
    assert carried.title in html
    assert "Srey Leak" not in html and "Anonymous" in html


def test_blocking_the_anonymous_author_names_her_nowhere(mod_client, moderator, carried, staff, client):
    act(mod_client, action="block", kind="proposal", id=carried.pk, reason="Spam again")
    assert "Srey Leak" not in mod_client.get(reverse("participation:moderation_log")).content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.BLOCK)
    assert carried.author.username not in entry.target_label
    client.force_login(staff)
    index = client.get(reverse("audit_log:index")).content.decode()
    assert carried.author.username not in index and "Srey Leak" not in index


# --- the audit log: details of women-space entries ----------------------------------------------

@pytest.fixture
def hidden_secret(women_moderator, women_proposal):
    services.hide(moderator=women_moderator, reason="Names a neighbour by her house", proposal=women_proposal)
    return AuditEntry.objects.get(action=AuditAction.HIDE)


def test_women_space_details_are_marked_for_designated_moderators(hidden_secret, staff, women_moderator):
    assert hidden_secret.details["space"] == "women"
    assert not audit_details_visible(staff, hidden_secret)
    assert not audit_details_visible(UserFactory(is_superuser=True), hidden_secret)
    assert audit_details_visible(women_moderator, hidden_secret)


def test_staff_read_the_entry_but_not_its_reason(client, staff, hidden_secret):
    client.force_login(staff)
    page = client.get(reverse("audit_log:inspect", args=[hidden_secret.pk])).content.decode()
    assert "Names a neighbour" not in page
    assert "Only women and girls space moderators can read the details" in page


def test_a_designated_moderator_who_is_staff_reads_the_reason(client, hidden_secret):
    both = UserFactory(roles=["innovation-unit", "moderator", "women-space-moderator"])
    client.force_login(both)
    page = client.get(reverse("audit_log:inspect", args=[hidden_secret.pk])).content.decode()
    assert "Names a neighbour" in page


def test_a_public_entry_still_shows_its_details_to_staff(client, staff, moderator, proposal):
    services.hide(moderator=moderator, reason="Off topic here", proposal=proposal)
    entry = AuditEntry.objects.get(action=AuditAction.HIDE)
    client.force_login(staff)
    assert "Off topic here" in client.get(reverse("audit_log:inspect", args=[entry.pk])).content.decode()


def test_an_answer_to_a_women_space_proposal_is_marked(women_proposal):
    both = UserFactory(roles=["innovation-unit", "moderator", "women-space-moderator"])
    services.answer_proposal(staff=both, proposal=women_proposal, state="accepted", answer="Lamps by June.")
    assert AuditEntry.objects.get(action=AuditAction.ANSWER).details["space"] == "women"


def test_a_block_over_a_women_space_post_is_marked(women_moderator, women_proposal, member):
    services.block_user(moderator=women_moderator, user=member, reason="Threats", proposal=women_proposal)
    entry = AuditEntry.objects.get(action=AuditAction.BLOCK)
    assert entry.details["space"] == "women" and member.username not in entry.target_label


# --- the data export of a removed member ---------------------------------------------------------

def test_a_removed_members_export_names_no_women_space_proposal(facilitator, asker, women_proposal):
    services.confirm_member(facilitator=facilitator, user=asker)
    services.support(user=asker, proposal=women_proposal)
    services.add_comment(user=asker, proposal=women_proposal, body="I walk there too.")
    assert women_proposal.title in json.dumps(collect_participation(asker), default=str)  # while a member
    services.decline_member(facilitator=facilitator, user=asker)
    asker = type(asker).objects.get(pk=asker.pk)
    data = json.dumps(collect_participation(asker), default=str)
    assert women_proposal.title not in data
    assert "I walk there too." in data  # her own words stay hers


# --- Her City: only the workshop's own center ---------------------------------------------------

@pytest.mark.parametrize("who", ["other_facilitator", "staff", "superuser"])
def test_only_the_centers_people_advance_or_finish_a_workshop(center, facilitator, staff, who):
    workshop = make_workshop(center, facilitator)
    other = {"other_facilitator": lambda: _facilitator_elsewhere(), "staff": lambda: staff,
             "superuser": lambda: UserFactory(is_superuser=True)}[who]()
    with pytest.raises(hercity.WorkshopError):
        hercity.advance(facilitator=other, workshop=workshop, to_step=2)
    for step in (2, 3, 4, 5):
        workshop = hercity.advance(facilitator=facilitator, workshop=workshop, to_step=step)
    with pytest.raises(hercity.WorkshopError):
        hercity.finish(facilitator=other, workshop=workshop, title="Not mine")
    workshop.refresh_from_db()
    assert workshop.proposal_id is None


def test_a_facilitator_of_the_center_not_named_on_the_session_may_advance(center, facilitator):
    workshop = make_workshop(center, facilitator)
    colleague = UserFactory(roles=["facilitator"])
    center.facilitators.add(colleague)
    assert hercity.advance(facilitator=colleague, workshop=workshop, to_step=2).step == 2


def _facilitator_elsewhere():
    user = UserFactory(roles=["facilitator"])
    CenterFactory().facilitators.add(user)
    return user


def test_advance_by_another_centers_facilitator_over_http_changes_nothing(client, center, facilitator):
    workshop = make_workshop(center, facilitator)
    client.force_login(_facilitator_elsewhere())
    client.post(reverse("hercity:advance", args=[workshop.pk]), {"to_step": 2})
    workshop.refresh_from_db()
    assert workshop.step == 1
