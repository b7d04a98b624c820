import pytest
from django.db import IntegrityError
from django.urls import reverse

from labs.participation import services
from labs.participation.models import Support
from labs.participation.services import ParticipationError
from tests.factories import UserFactory

from .conftest import make_call

pytestmark = pytest.mark.django_db


def test_support_twice_counts_once(proposal, staff):
    assert services.support(user=staff, proposal=proposal) is True
    assert services.support(user=staff, proposal=proposal) is False
    proposal.refresh_from_db()
    assert proposal.support_count == 1 and Support.objects.count() == 1


def test_database_refuses_a_second_support_row(proposal, staff):
    Support.objects.create(user=staff, proposal=proposal)
    with pytest.raises(IntegrityError):
        Support.objects.create(user=staff, proposal=proposal)


def test_withdraw_lowers_count(proposal, staff):
    services.support(user=staff, proposal=proposal)
    services.withdraw_support(user=staff, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 0


def test_support_after_phase_closed_refused(staff, learner):
    call = make_call(staff, current="collect")
    p = services.submit_proposal(author=learner, title="t", body="b", category="food", call=call)
    call.phases.all().delete()  # no phase is open any more
    call = type(call).objects.get(pk=call.pk)
    p.call = call
    with pytest.raises(ParticipationError, match="closed"):
        services.support(user=staff, proposal=p)
    assert not Support.objects.exists()


def test_support_in_collect_phase_refused_until_prioritise(staff, learner):
    call = make_call(staff, current="collect")
    p = services.submit_proposal(author=learner, title="t", body="b", category="food", call=call)
    with pytest.raises(ParticipationError, match="closed"):
        services.support(user=staff, proposal=p)


def test_support_limit_per_call(staff, learner):
    call = make_call(staff, current="collect", support_limit=1)
    a = services.submit_proposal(author=learner, title="a", body="b", category="food", call=call)
    b = services.submit_proposal(author=learner, title="b", body="b", category="food", call=call)
    call.phases.filter(kind="collect").delete()
    prio = call.phases.get(kind="prioritise")
    from django.utils import timezone
    prio.starts_at = timezone.now() - timezone.timedelta(hours=1)
    prio.save()
    a.call = b.call = type(call).objects.get(pk=call.pk)
    voter = UserFactory()
    services.support(user=voter, proposal=a)
    with pytest.raises(ParticipationError, match="all 1 supports"):
        services.support(user=voter, proposal=b)
    services.withdraw_support(user=voter, proposal=a)
    assert services.support(user=voter, proposal=b) is True


def test_support_is_for_the_logged_in_user_only(client, proposal, learner):
    other = UserFactory()
    client.force_login(other)
    client.post(reverse("participation:support", args=[proposal.pk]), {"user": learner.pk})
    assert list(Support.objects.values_list("user_id", flat=True)) == [other.pk]


def test_support_requires_login(client, proposal):
    response = client.post(reverse("participation:support", args=[proposal.pk]))
    assert response.status_code == 302 and not Support.objects.exists()
