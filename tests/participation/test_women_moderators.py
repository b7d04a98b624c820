"""Designated moderators: only moderators who also hold `women-space-moderator` enter the
women-and-girls space and moderate it. A plain moderator (and a superuser without the designation)
is an outsider there: 404 on every route, nothing in the queue, the log, the exports or the map."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from cms.models import AuditAction, AuditEntry, Notification
from cms.roles import MODERATOR, WOMEN_SPACE_MODERATOR, is_women_space_moderator
from cms.services import acting_as
from labs.participation import selectors, services
from labs.participation.models import Block, Comment, ModerationLog, Report, Support
from labs.participation.services import ParticipationError
from tests.factories import UserFactory
from tests.participation.conftest import act

pytestmark = pytest.mark.django_db

SECRET = "Secret lamp idea"


def fresh(user):
    """The user as the next request loads it (roles are cached on the object)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def designated_client(client, women_moderator):
    client.force_login(women_moderator)
    return client


# --- who is designated -------------------------------------------------------------------------

def test_only_moderators_with_the_designation_enter(moderator, women_moderator, member, staff):
    assert selectors.can_enter_women_space(women_moderator)
    assert selectors.can_enter_women_space(member)
    assert not selectors.can_enter_women_space(moderator)
    assert not selectors.can_enter_women_space(staff)


def test_the_designation_alone_gives_nothing():
    """It is an addition to `moderator`: without that role it neither admits nor moderates."""
    only_designated = UserFactory(roles=[WOMEN_SPACE_MODERATOR])
    assert not is_women_space_moderator(only_designated)
    assert not selectors.can_enter_women_space(only_designated)
    assert not selectors.is_moderator(only_designated)


def test_a_superuser_is_an_outsider_without_the_designation(client, women_proposal):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert not selectors.can_enter_women_space(admin)
    client.force_login(admin)
    assert client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 404
    assert client.get(reverse("participation:proposals"), {"space": "women"}).status_code == 404
    designated_admin = UserFactory(is_superuser=True, is_staff=True, roles=[WOMEN_SPACE_MODERATOR])
    assert selectors.can_enter_women_space(designated_admin)


# --- a plain moderator: 404 or nothing, everywhere ----------------------------------------------

def test_plain_moderator_gets_404_on_every_women_space_read(mod_client, women_proposal):
    proposal_url = reverse("participation:proposal", args=[women_proposal.pk])
    assert mod_client.get(proposal_url).status_code == 404
    assert mod_client.get(reverse("participation:proposals"), {"space": "women"}).status_code == 404
    assert mod_client.get(reverse("participation:proposals"), {"space": "women", "q": "lamp"}).status_code == 404
    assert mod_client.get(reverse("participation:proposals_csv"), {"space": "women"}).status_code == 404
    assert mod_client.get(reverse("proposals_api"), {"space": "women"}).status_code == 404


def test_plain_moderator_finds_nothing_in_public_lists_search_exports_or_map(mod_client, women_proposal):
    women_proposal.latitude, women_proposal.longitude = "10.6275", "103.5220"
    women_proposal.save()
    for url, params in ((reverse("participation:proposals"), {"q": "lamp"}),
                        (reverse("participation:proposals_csv"), {"q": "lamp"}),
                        (reverse("proposals_api"), {"q": "lamp"}),
                        (reverse("participation:map"), {}),
                        (reverse("participation:map_svg"), {})):
        response = mod_client.get(url, params)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_plain_moderator_cannot_comment_reply_report_or_hide(mod_client, moderator, member, women_proposal):
    comment = services.add_comment(user=member, proposal=women_proposal, body="Me too")
    url = lambda name: reverse(f"participation:{name}", args=[women_proposal.pk])  # noqa: E731
    assert mod_client.post(url("comment"), {"body": "Hello"}).status_code == 404
    assert mod_client.post(url("comment"), {"body": "Hello", "parent": comment.pk}).status_code == 404
    assert mod_client.post(url("report"), {"reason": "x"}).status_code == 404
    assert mod_client.post(url("report"), {"reason": "x", "comment": comment.pk}).status_code == 404
    assert mod_client.post(url("moderate"), {"action": "hide", "reason": "x"}).status_code == 404
    assert mod_client.post(url("moderate"), {"action": "hide", "reason": "x", "comment": comment.pk}).status_code == 404
    assert mod_client.post(url("support")).status_code == 404
    assert Comment.objects.filter(author=moderator).count() == 0
    assert not Report.objects.exists()
    women_proposal.refresh_from_db()
    comment.refresh_from_db()
    assert not women_proposal.is_hidden and not comment.hidden_at


def test_plain_moderator_cannot_act_from_the_queue_with_a_forged_id(mod_client, member, women_proposal):
    comment = services.add_comment(user=member, proposal=women_proposal, body="Me too")
    for kind, target in (("proposal", women_proposal), ("comment", comment)):
        for action in ("hide", "restore", "dismiss", "block"):
            response = act(mod_client, action=action, kind=kind, id=target.pk, reason="x")
            assert "not yours to moderate" in response.content.decode()
    women_proposal.refresh_from_db()
    assert not women_proposal.is_hidden
    assert not ModerationLog.objects.exists() and not Block.objects.exists()


def test_plain_moderator_sees_no_women_space_reports_or_log(mod_client, women_moderator, member, women_proposal):
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    assert selectors.open_reports(fresh(women_moderator))
    assert SECRET not in mod_client.get(reverse("participation:moderation")).content.decode()
    services.hide(moderator=women_moderator, reason="Duplicate", proposal=women_proposal)
    log = mod_client.get(reverse("participation:moderation_log")).content.decode()
    assert SECRET not in log and "Duplicate" not in log


def test_services_refuse_a_plain_moderator_on_a_women_space_post(moderator, member, women_proposal):
    """The rule holds in the services too, not only in the views that look posts up."""
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    comment = services.add_comment(user=member, proposal=women_proposal, body="Me too")
    for fn in (services.hide, services.restore, services.dismiss_reports):
        with pytest.raises(ParticipationError):
            fn(moderator=moderator, reason="x", proposal=women_proposal)
        with pytest.raises(ParticipationError):
            fn(moderator=moderator, reason="x", comment=comment)
    with pytest.raises(ParticipationError):
        services.block_user(moderator=moderator, user=member, reason="x", proposal=women_proposal)
    women_proposal.refresh_from_db()
    assert not women_proposal.is_hidden and not Block.objects.exists()


def test_a_block_over_a_women_space_post_stays_with_designated_moderators(
        mod_client, moderator, women_moderator, member, women_proposal):
    services.report(user=member, proposal=women_proposal, reason="Abuse")
    services.block_user(moderator=women_moderator, user=member, reason="Shared a phone number",
                        proposal=women_proposal)
    assert selectors.blocked_people(fresh(moderator)) == []
    log = mod_client.get(reverse("participation:moderation_log")).content.decode()
    assert "Shared a phone number" not in log and member.public_name not in log
    response = act(mod_client, action="unblock", user=member.pk, reason="x")
    assert "not blocked" in response.content.decode()
    assert Block.objects.filter(user=member).exists()
    # A public-space block stays visible to every moderator.
    other = UserFactory()
    services.block_user(moderator=women_moderator, user=other, reason="Spam")
    assert [b.user for b in selectors.blocked_people(fresh(moderator))] == [other]
    assert {b.user for b in selectors.blocked_people(fresh(women_moderator))} == {member, other}
    services.unblock_user(moderator=women_moderator, user=member, reason="Talked it through")
    assert not Block.objects.filter(user=member).exists()


def test_answer_notifications_skip_a_plain_moderator_who_had_supported(moderator, member, women_proposal):
    Support.objects.create(user=moderator, proposal=women_proposal)  # from before the designation existed
    city = UserFactory(roles=["innovation-unit", MODERATOR, WOMEN_SPACE_MODERATOR])
    services.answer_proposal(staff=city, proposal=women_proposal, state="evaluating", answer="Looking")
    told = set(Notification.objects.filter(kind="proposal_answer").values_list("user_id", flat=True))
    assert told == {member.pk}


def test_city_desk_lists_women_space_proposals_only_to_designated_staff(client, women_proposal):
    plain = UserFactory(roles=["innovation-unit", MODERATOR])
    designated = UserFactory(roles=["innovation-unit", MODERATOR, WOMEN_SPACE_MODERATOR])
    client.force_login(plain)
    assert SECRET not in client.get(reverse("participation:desk")).content.decode()
    client.force_login(designated)
    assert SECRET in client.get(reverse("participation:desk")).content.decode()


# --- a designated moderator reads, hides and restores -------------------------------------------

def test_designated_moderator_reads_the_space(designated_client, women_proposal):
    assert designated_client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 200
    listing = designated_client.get(reverse("participation:proposals"), {"space": "women", "q": "lamp"})
    assert SECRET in listing.content.decode()
    assert SECRET in designated_client.get(reverse("participation:proposals_csv"), {"space": "women"}).content.decode()


def test_designated_moderator_hides_and_restores_from_the_queue(designated_client, member, women_proposal):
    services.report(user=member, proposal=women_proposal, reason="Off topic")
    assert SECRET in designated_client.get(reverse("participation:moderation")).content.decode()
    act(designated_client, action="hide", kind="proposal", id=women_proposal.pk, reason="Duplicate")
    women_proposal.refresh_from_db()
    assert women_proposal.is_hidden
    # Hidden posts stay readable for her.
    assert designated_client.get(reverse("participation:proposal", args=[women_proposal.pk])).status_code == 200
    act(designated_client, action="restore", kind="proposal", id=women_proposal.pk, reason="Appeal accepted")
    women_proposal.refresh_from_db()
    assert not women_proposal.is_hidden
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == ["hide", "restore"]
    assert SECRET in designated_client.get(reverse("participation:moderation_log")).content.decode()


def test_designated_moderator_hides_a_comment_on_the_page(designated_client, member, women_proposal):
    comment = services.add_comment(user=member, proposal=women_proposal, body="Rude words")
    designated_client.post(reverse("participation:moderate", args=[women_proposal.pk]),
                           {"action": "hide", "reason": "Rude", "comment": comment.pk})
    comment.refresh_from_db()
    assert comment.hidden_at is not None


# --- Her City -----------------------------------------------------------------------------------

@pytest.fixture
def women_workshop(facilitator, center):
    from datetime import timedelta

    from django.utils import timezone

    from labs.hercity import services as hercity
    from labs.models import Session
    from labs.participation.models import WomenSpaceMembership

    starts = timezone.now() + timedelta(days=1)
    session = Session.objects.create(center=center, title="Her City walk", kind="hercity", starts_at=starts,
                                     ends_at=starts + timedelta(hours=2), capacity=10)
    # Started by a facilitator of the center who is a member: only she may send the result there.
    starter = UserFactory(roles=["facilitator"], gender="woman")
    center.facilitators.add(starter)
    WomenSpaceMembership.objects.create(user=starter, confirmed_by=facilitator, confirmed_at=timezone.now())
    return hercity.create_workshop(facilitator=starter, session=session, site_name="School path", space="women")


def test_her_city_women_workshop_is_for_designated_moderators_not_plain_ones(client, moderator, women_moderator,
                                                                             women_workshop):
    url = reverse("hercity:workshop", args=[women_workshop.pk])
    client.force_login(moderator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("hercity:chart", args=[women_workshop.pk])).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 404
    client.force_login(women_moderator)
    assert client.get(url).status_code == 200


def test_her_city_women_workshop_is_for_its_own_centers_facilitators(client, facilitator, women_workshop):
    client.force_login(facilitator)
    assert client.get(reverse("hercity:workshop", args=[women_workshop.pk])).status_code == 200
    elsewhere = UserFactory(roles=["facilitator"])
    client.force_login(elsewhere)
    assert client.get(reverse("hercity:workshop", args=[women_workshop.pk])).status_code == 404


# --- granting and revoking, audited --------------------------------------------------------------

def test_granting_and_revoking_the_designation_is_audited(staff, moderator):
    designation = Group.objects.get(name=WOMEN_SPACE_MODERATOR)  # made by ensure_roles after migrate
    with acting_as(staff):
        moderator.groups.add(designation)
    assert selectors.can_enter_women_space(fresh(moderator))
    with acting_as(staff):
        moderator.groups.remove(designation)
    assert not selectors.can_enter_women_space(fresh(moderator))
    entries = AuditEntry.objects.filter(details__role=WOMEN_SPACE_MODERATOR, target_id=str(moderator.pk))
    assert [(e.action, e.actor) for e in entries.order_by("id")] == [
        (AuditAction.ROLE_ADD, staff), (AuditAction.ROLE_REMOVE, staff)]


def test_the_designation_is_granted_in_the_wagtail_user_admin(client, moderator):
    """Staff who manage users tick the role in Wagtail's user form; the change is audited."""
    from cms.forms import WagtailUserEditForm

    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = reverse("wagtailusers_users:edit", args=[moderator.pk])
    page = client.get(url)
    assert page.status_code == 200 and WOMEN_SPACE_MODERATOR in page.content.decode()
    form = WagtailUserEditForm(instance=moderator)
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data["groups"] = [g.pk for g in Group.objects.filter(name__in=[MODERATOR, WOMEN_SPACE_MODERATOR])]
    data.update(email="moderator@example.org", first_name="Mod", last_name="Erator")  # Wagtail's own fields
    data = {k: v for k, v in data.items() if not (isinstance(v, bool) and not v)}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert is_women_space_moderator(fresh(moderator))
    entry = AuditEntry.objects.get(action=AuditAction.ROLE_ADD, details__role=WOMEN_SPACE_MODERATOR)
    assert (entry.actor, entry.target_id) == (admin, str(moderator.pk))


def test_the_demo_moderator_is_designated():
    from site_layer.management.commands.seed_demo import DEMO_USERS

    roles = next(role for username, role, *_rest in DEMO_USERS if username == "demo-moderator")
    assert set(roles) == {MODERATOR, WOMEN_SPACE_MODERATOR}
