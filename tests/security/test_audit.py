"""Staff acts (moderation, answers, certification, roles) leave one audit entry naming who acted."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ambassadors import services as track
from ambassadors.models import TrackSettings
from cms.models import AuditAction, AuditEntry
from cms.services import acting_as
from labs.participation import services as participation
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db

MOTIVATION = "I want to help my neighbours use the city's e-services and plan our street."


@pytest.fixture
def proposal(learner):
    return participation.submit_proposal(author=learner, title="More bins at the market",
                                         body="The market overflows.", category="waste")


def only_entry(action):
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, entries
    return entries[0]


def test_moderation_acts_are_audited(moderator, proposal, learner):
    participation.report(user=UserFactory(), reason="spam", proposal=proposal)
    participation.dismiss_reports(moderator=moderator, reason="Not spam", proposal=proposal)
    participation.hide(moderator=moderator, reason="Off topic", proposal=proposal)
    participation.restore(moderator=moderator, reason="Back on topic", proposal=proposal)
    participation.block_user(moderator=moderator, user=learner, reason="Insults")
    participation.unblock_user(moderator=moderator, user=learner, reason="Apologised")

    hidden = only_entry(AuditAction.HIDE)
    assert (hidden.actor, hidden.target_label, hidden.details["reason"]) == (moderator, proposal.title, "Off topic")
    assert only_entry(AuditAction.RESTORE).actor == moderator
    assert only_entry(AuditAction.DISMISS).details["reason"] == "Not spam"
    blocked = only_entry(AuditAction.BLOCK)
    assert (blocked.actor, blocked.target_id) == (moderator, str(learner.pk))
    assert only_entry(AuditAction.UNBLOCK).actor == moderator


def test_a_refused_act_leaves_no_entry(learner, proposal):
    with pytest.raises(participation.ParticipationError):
        participation.hide(moderator=learner, reason="I dislike it", proposal=proposal)
    assert not AuditEntry.objects.exists()


def test_a_women_space_post_is_not_named_in_the_log(women_moderator, facilitator):
    from django.utils import timezone

    from labs.participation.models import WomenSpaceMembership

    member = UserFactory(gender="woman")
    WomenSpaceMembership.objects.create(user=member, confirmed_by=facilitator, confirmed_at=timezone.now())
    secret = participation.submit_proposal(author=member, title="Secret lamp idea", body="Dark path.",
                                           category="safety", space="women")
    participation.hide(moderator=women_moderator, reason="Duplicate", proposal=secret)
    assert "Secret lamp" not in only_entry(AuditAction.HIDE).target_label


def test_answering_a_proposal_is_audited(staff, proposal):
    participation.answer_proposal(staff=staff, proposal=proposal, state="accepted", answer="We will add bins.")
    entry = only_entry(AuditAction.ANSWER)
    assert (entry.actor, entry.target_id, entry.details["state"]) == (staff, str(proposal.pk), "accepted")


def test_ambassador_decisions_and_certification_are_audited(staff, learner, center, facilitator):
    application = track.apply(user=learner, center=center, motivation=MOTIVATION, availability="Saturdays")
    track.accept(by=staff, application=application)
    assert only_entry(AuditAction.ACCEPT).actor == staff

    other = UserFactory(home_center=center)
    declined = track.apply(user=other, center=center, motivation=MOTIVATION, availability="Sundays")
    track.decline(by=staff, application=declined, reason="No Saturday time.")
    assert only_entry(AuditAction.DECLINE).details["reason"] == "No Saturday time."

    for _ in range(TrackSettings.current().practice_sessions_required):
        session = make_session(center, starts_in=-timedelta(days=1))
        session.ambassadors.add(learner)
        session.facilitators.add(facilitator)
        track.confirm_practice(by=facilitator, trainee=learner, session=session)
    certification = track.certify(by=staff, user=learner)
    certified = only_entry(AuditAction.CERTIFY)
    assert (certified.actor, certified.target_id) == (staff, str(learner.pk))

    track.revoke(by=staff, certification=certification)
    assert only_entry(AuditAction.REVOKE).actor == staff


def test_accepting_through_the_page_also_logs_the_role_given(client, staff, learner, center):
    application = track.apply(user=learner, center=center, motivation=MOTIVATION, availability="Saturdays")
    client.force_login(staff)
    client.post(reverse("ambassador_decide", args=[application.pk]), {"decision": "accept"})
    assert only_entry(AuditAction.ACCEPT).actor == staff
    role = only_entry(AuditAction.ROLE_ADD)
    assert (role.actor, role.target_id, role.details["role"]) == (staff, str(learner.pk), "ambassador")


def test_role_changes_are_audited_with_the_acting_person(staff, learner):
    moderators = Group.objects.get_or_create(name="moderator")[0]
    with acting_as(staff):
        learner.groups.add(moderators)
        learner.groups.remove(moderators)
        moderators.user_set.add(learner)
        learner.groups.clear()
    given = AuditEntry.objects.filter(action=AuditAction.ROLE_ADD, details__role="moderator")
    taken = AuditEntry.objects.filter(action=AuditAction.ROLE_REMOVE)
    assert given.count() == 2 and {e.actor for e in given} == {staff}
    assert sorted(e.details["role"] for e in taken) == ["learner", "moderator", "moderator"]


def test_signing_up_is_not_a_staff_act(client, center):
    client.post(reverse("signup"), {
        "username": "newcomer", "nickname": "New", "password1": "a long pass phrase", "password2": "a long pass phrase",
        "age_band": "18-24", "home_center": center.pk, "preferred_language": "en",
    })
    assert not AuditEntry.objects.exists()


def test_innovation_unit_staff_read_the_log_in_the_admin(client, staff, moderator, proposal):
    participation.hide(moderator=moderator, reason="Off topic", proposal=proposal)
    entry = AuditEntry.objects.get()
    client.force_login(staff)
    listing = client.get(reverse("audit_log:index"))
    assert listing.status_code == 200
    assert proposal.title in listing.content.decode()
    filtered = client.get(reverse("audit_log:index"), {"action": AuditAction.ANSWER})
    assert proposal.title not in filtered.content.decode()
    detail = client.get(reverse("audit_log:inspect", args=[entry.pk]))
    assert detail.status_code == 200 and "Off topic" in detail.content.decode()


def test_the_log_cannot_be_edited_even_by_a_superuser(client, moderator, proposal):
    participation.hide(moderator=moderator, reason="Off topic", proposal=proposal)
    entry = AuditEntry.objects.get()
    client.force_login(UserFactory(is_superuser=True))
    for url in ("/admin/audit_log/new/", f"/admin/audit_log/edit/{entry.pk}/",
                f"/admin/audit_log/delete/{entry.pk}/"):
        assert client.get(url, follow=True).status_code == 404
        assert client.post(url, {"action": "role.add"}, follow=True).status_code == 404
    listing = client.get("/admin/audit_log/").content.decode()
    assert proposal.title in listing and "/admin/audit_log/new/" not in listing
    entry.refresh_from_db()
    assert entry.action == AuditAction.HIDE


def test_a_learner_or_moderator_cannot_see_the_log(client, learner, moderator, proposal):
    participation.hide(moderator=moderator, reason="Off topic", proposal=proposal)
    for person in (learner, moderator):
        client.force_login(person)
        response = client.get(reverse("audit_log:index"))
        assert response.status_code in (302, 403)
        assert proposal.title not in response.content.decode()


def test_a_decision_that_is_neither_accept_nor_decline_changes_nothing(client, staff, learner, center):
    # It used to decline the application (anything but "accept" did), with a NUL reason a 500 on PostgreSQL.
    application = track.apply(user=learner, center=center, motivation=MOTIVATION, availability="Saturdays")
    client.force_login(staff)
    response = client.post(reverse("ambassador_decide", args=[application.pk]),
                           {"decision": "\x00", "reason": "\x00"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not AuditEntry.objects.filter(action=AuditAction.DECLINE).exists()


def test_a_reason_with_a_nul_character_is_stored_without_it(client, staff, learner, center):
    application = track.apply(user=learner, center=center, motivation=MOTIVATION, availability="Saturdays")
    client.force_login(staff)
    client.post(reverse("ambassador_decide", args=[application.pk]),
                {"decision": "decline", "reason": "No sessions\x00 on Saturdays yet"})
    assert only_entry(AuditAction.DECLINE).actor == staff
