"""The other apps' events reach games: sessions, proposals and the ambassador certification."""

from datetime import timedelta

import pytest
from django.db import transaction

from ambassadors import services as ambassadors
from ambassadors.models import RequiredCourse, TrackSettings
from games.models import BadgeAward, Score
from labs import services as labs
from labs.participation import services as participation
from tests.ambassadors.test_track import MOTIVATION, complete, practise
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def points(user):
    return Score.objects.filter(user=user).values_list("points", flat=True).first() or 0


def test_being_ticked_present_gives_session_points_once(center, learner):
    ambassador = UserFactory(roles=["ambassador"], home_center=center)
    session = make_session(center, starts_in=-timedelta(minutes=10))
    session.ambassadors.add(ambassador)
    labs.mark_present(by=ambassador, session=session, user=learner)
    labs.mark_present(by=ambassador, session=session, user=learner)
    assert points(learner) == 20


def test_a_hidden_proposal_loses_its_points(learner, django_capture_on_commit_callbacks):
    moderator = UserFactory(roles=["moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        proposal = participation.submit_proposal(
            author=learner, title="Shade at the bus stop", body="Trees and a roof for people waiting.",
            category="public_space")
    assert points(learner) == 25
    with django_capture_on_commit_callbacks(execute=True):
        participation.hide(moderator=moderator, reason="Contains a phone number", proposal=proposal)
    assert points(learner) == 0


def test_certification_issues_the_ambassador_open_badge(center, site):
    staff = UserFactory(roles=["innovation-unit"])
    facilitator = UserFactory(roles=["facilitator"])
    center.facilitators.add(facilitator)
    trainee = UserFactory(home_center=center)
    application = ambassadors.apply(user=trainee, center=center, motivation=MOTIVATION, availability="Saturdays")
    ambassadors.accept(by=staff, application=application)
    RequiredCourse.objects.create(course=site["course"])
    complete(trainee, site["course"])
    practise(trainee, facilitator, center, TrackSettings.current().practice_sessions_required)
    with transaction.atomic():
        certification = ambassadors.certify(by=staff, user=trainee)
    award = BadgeAward.objects.get(user=trainee, badge__slug="digital-city-ambassador")
    assert award.expires_at == certification.expires_at and award.revoked_at is None
    ambassadors.revoke(by=staff, certification=certification)
    award.refresh_from_db()
    assert award.revoked_at is not None and "withdrawn" in award.revocation_reason


def test_a_support_and_its_points_commit_together(learner):
    """The points are written in the support's own transaction, not after it: no window to lose them."""
    author = UserFactory()
    proposal = participation.submit_proposal(author=author, title="Lights on the river path",
                                             body="The path is dark after six.", category="safety")
    assert points(author) == 25  # no on-commit callback needed
    assert participation.support(user=learner, proposal=proposal) is True
    assert points(learner) == 2
    participation.withdraw_support(user=learner, proposal=proposal)
    assert points(learner) == 0


def test_a_support_whose_points_fail_is_not_stored(learner, monkeypatch):
    from games import services as games
    from labs.participation.models import Proposal, Support

    proposal = participation.submit_proposal(author=UserFactory(), title="Bins at the market",
                                             body="Rubbish piles up by noon.", category="waste")

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(games, "record_event", broken)
    with pytest.raises(RuntimeError):
        participation.support(user=learner, proposal=proposal)
    assert not Support.objects.filter(user=learner).exists()
    assert Proposal.objects.get(pk=proposal.pk).support_count == 0
