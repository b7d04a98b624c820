"""Notification links open in the recipient's language, whoever triggered them."""

import pytest
from django.urls import reverse
from django.utils import translation

from cms.models import Notification
from labs.participation import services
from labs.participation.models import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_answer_links_are_in_each_recipients_language(staff, learner):
    khmer = UserFactory(preferred_language="km")
    proposal = services.submit_proposal(author=khmer, title="Lights", body="Dark street.", category="safety")
    services.support(user=learner, proposal=proposal)
    with translation.override("en"):
        services.answer_proposal(staff=staff, proposal=proposal, state=State.ACCEPTED, answer="Yes")
    # (Accepting also earns the author points and badges, notified separately.)
    urls = dict(Notification.objects.filter(kind="proposal_answer").values_list("user_id", "url"))
    assert urls[khmer.pk] == f"/km/participate/proposals/{proposal.pk}/"
    assert urls[learner.pk] == f"/en/participate/proposals/{proposal.pk}/"


def test_khmer_recipient_sees_the_khmer_link_on_her_notifications_page(client, staff):
    khmer = UserFactory(preferred_language="km")
    proposal = services.submit_proposal(author=khmer, title="Lights", body="Dark street.", category="safety")
    services.answer_proposal(staff=staff, proposal=proposal, state=State.EVALUATING, answer="Looking")
    client.force_login(khmer)
    html = client.get("/km/notifications/").content.decode()
    assert f'href="/km/participate/proposals/{proposal.pk}/"' in html


def test_session_notifications_follow_the_recipient_too(center):
    from datetime import timedelta

    from django.utils import timezone

    from labs import services as labs_services
    from labs.models import Session

    khmer = UserFactory(preferred_language="km", home_center=center)
    now = timezone.now()
    session = Session.objects.create(center=center, title="Phone basics", starts_at=now + timedelta(days=1),
                                     ends_at=now + timedelta(days=1, hours=2))
    with translation.override("en"):
        labs_services.register(user=khmer, session=session)
    url = Notification.objects.get(user=khmer).url
    with translation.override("km"):
        assert url == reverse("session_detail", args=[session.pk])
    assert url.startswith("/km/")


def test_answer_state_is_named_in_the_recipients_language(staff):
    khmer = UserFactory(preferred_language="km")
    proposal = services.submit_proposal(author=khmer, title="Lights", body="Dark street.", category="safety")
    with translation.override("en"):
        services.answer_proposal(staff=staff, proposal=proposal, state=State.ACCEPTED, answer="Yes")
    body = Notification.objects.get(user=khmer, kind="proposal_answer").body
    with translation.override("km"):
        assert str(State.ACCEPTED.label) in body
    assert "Accepted" not in body
