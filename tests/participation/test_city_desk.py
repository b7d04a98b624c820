"""The city desk: staff open, edit and move calls through their phases, and open a call from a proposal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Session
from labs.participation import services
from labs.participation.models import Call, Phase, PhaseKind, Proposal
from labs.participation.services import ParticipationError

from .conftest import make_call

pytestmark = pytest.mark.django_db


def _day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def call_data(**overrides) -> dict:
    data = {
        "title": "Safer school routes", "question": "What would make the walk to school safer?",
        "description": "Tell us about the streets near schools.", "category": "safety", "support_limit": "3",
        "latitude": "10.627500", "longitude": "103.522000", "radius_m": "800",
        "collect_start": _day(-1), "collect_end": _day(10), "prioritise_start": _day(11),
        "prioritise_end": _day(20), "review_start": _day(21), "review_end": _day(30),
        "results_start": _day(31), "results_end": _day(60),
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_learner_cannot_open_the_desk(learner_client):
    assert learner_client.get(reverse("participation:desk")).status_code == 403
    assert learner_client.post(reverse("participation:call_new"), call_data()).status_code == 403
    assert not Call.objects.exists()


def test_moderator_is_not_city_staff(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("participation:desk")).status_code == 403


def test_desk_lists_calls_and_proposals_awaiting_an_answer(staff_client, staff, proposal):
    make_call(staff)
    html = staff_client.get(reverse("participation:desk")).content.decode()
    assert "Cleaner streets" in html
    assert proposal.title in html
    assert f"?from={proposal.pk}" in html


def test_desk_leaves_out_the_women_space(staff_client, women_proposal):
    assert women_proposal.title not in staff_client.get(reverse("participation:desk")).content.decode()


def test_staff_open_a_call_with_phases_area_and_sessions(staff_client, center):
    now = timezone.now()
    session = Session.objects.create(center=center, title="Meeting at the center", starts_at=now + timedelta(days=3),
                                     ends_at=now + timedelta(days=3, hours=2))
    response = staff_client.post(reverse("participation:call_new"), call_data(sessions=[session.pk]))
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("participation:call", args=[call.pk])
    assert call.support_limit == 3 and call.radius_m == 800 and call.category == "safety"
    assert list(call.sessions.all()) == [session]
    detail = staff_client.get(reverse("participation:call", args=[call.pk])).content.decode()
    assert "Meeting at the center" in detail and reverse("participation:call_edit", args=[call.pk]) in detail
    assert [p.kind for p in call.phases.all()] == ["collect", "prioritise", "review", "results"]
    assert call.current_phase().kind == PhaseKind.COLLECT
    # The last day is included: the collect phase ends at midnight after it.
    collect = call.phases.get(kind="collect")
    assert timezone.localtime(collect.ends_at).date() == timezone.localdate() + timedelta(days=11)


def test_overlapping_phases_are_refused(staff_client):
    response = staff_client.post(reverse("participation:call_new"), call_data(prioritise_start=_day(5)))
    assert "must not overlap" in response.content.decode()
    assert not Call.objects.exists()


def test_phase_with_one_date_is_refused(staff_client):
    response = staff_client.post(reverse("participation:call_new"), call_data(review_end=""))
    assert "needs both a first and a last day" in response.content.decode()
    assert not Call.objects.exists()


def test_call_without_phases_is_refused(staff_client):
    empty = {f"{k}_{e}": "" for k in ("collect", "prioritise", "review", "results") for e in ("start", "end")}
    response = staff_client.post(reverse("participation:call_new"), call_data(**empty))
    assert "at least one phase" in response.content.decode()
    assert not Call.objects.exists()


def test_forged_session_id_is_refused(staff_client):
    response = staff_client.post(reverse("participation:call_new"), call_data(sessions=["999999"]))
    assert response.status_code == 200
    assert not Call.objects.exists()


def test_edit_a_call(staff_client, staff):
    call = make_call(staff)
    form = staff_client.get(reverse("participation:call_edit", args=[call.pk])).content.decode()
    assert "Cleaner streets" in form
    response = staff_client.post(reverse("participation:call_edit", args=[call.pk]),
                                 call_data(title="Cleaner streets and markets", support_limit=""))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title == "Cleaner streets and markets" and call.support_limit is None
    assert call.phases.count() == 4


def test_edit_with_bad_dates_changes_nothing(staff_client, staff):
    call = make_call(staff)
    before = list(call.phases.values_list("kind", "starts_at", "ends_at"))
    staff_client.post(reverse("participation:call_edit", args=[call.pk]),
                      call_data(title="Changed", collect_end=_day(-5)))
    call.refresh_from_db()
    assert call.title == "Cleaner streets"
    assert list(call.phases.values_list("kind", "starts_at", "ends_at")) == before


def test_edit_unknown_call(staff_client):
    response = staff_client.get(reverse("participation:call_edit", args=[424242]), follow=True)
    assert "This call does not exist." in response.content.decode()


def test_advance_from_collecting_to_prioritising(staff_client, staff, learner):
    call = make_call(staff, current="collect")
    staff_client.post(reverse("participation:call_phase", args=[call.pk]), {"action": "advance"})
    call = Call.objects.get(pk=call.pk)
    assert call.current_phase().kind == PhaseKind.PRIORITISE
    with pytest.raises(ParticipationError, match="not collecting"):
        services.submit_proposal(author=learner, title="Late idea", body="Too late.", category="waste", call=call)


def test_advance_the_last_phase_is_refused(staff_client, staff):
    call = make_call(staff, current="results")
    response = staff_client.post(reverse("participation:call_phase", args=[call.pk]), {"action": "advance"},
                                 follow=True)
    assert "close it instead" in response.content.decode()
    assert Call.objects.get(pk=call.pk).current_phase().kind == PhaseKind.RESULTS


def test_close_a_phase(staff_client, staff):
    call = make_call(staff, current="prioritise")
    staff_client.post(reverse("participation:call_phase", args=[call.pk]), {"action": "close"})
    assert Call.objects.get(pk=call.pk).current_phase() is None
    assert Phase.objects.filter(call=call).count() == 4


def test_learner_cannot_move_phases(learner_client, staff):
    call = make_call(staff, current="collect")
    assert learner_client.post(reverse("participation:call_phase", args=[call.pk]),
                               {"action": "advance"}).status_code == 403
    assert Call.objects.get(pk=call.pk).current_phase().kind == PhaseKind.COLLECT


def test_open_a_call_from_a_bottom_up_proposal(staff_client, proposal):
    form = staff_client.get(reverse("participation:call_new"), {"from": proposal.pk}).content.decode()
    assert proposal.title in form and f'value="{proposal.pk}"' in form
    staff_client.post(reverse("participation:call_new"), call_data(from_proposal=proposal.pk))
    call = Call.objects.get()
    assert call.from_proposal == proposal
    assert "a call was opened from it" in staff_client.get(reverse("participation:desk")).content.decode()


def test_a_call_cannot_be_opened_from_the_women_space(staff_client, women_proposal):
    response = staff_client.post(reverse("participation:call_new"), call_data(from_proposal=women_proposal.pk),
                                 follow=True)
    assert "visible bottom-up proposal" in response.content.decode()
    assert women_proposal.title not in response.content.decode()
    assert not Call.objects.exists()


def test_a_call_cannot_be_opened_from_a_proposal_inside_a_call(staff_client, staff, learner):
    call = make_call(staff)
    inside = services.submit_proposal(author=learner, title="Inside", body="In a call.", category="waste", call=call)
    staff_client.post(reverse("participation:call_new"), call_data(from_proposal=inside.pk))
    assert Call.objects.count() == 1
    assert not Proposal.objects.get(pk=inside.pk).calls_opened.exists()


def test_html_in_a_call_is_shown_as_text(staff_client):
    staff_client.post(reverse("participation:call_new"), call_data(title="<script>alert(1)</script>"))
    call = Call.objects.get()
    html = staff_client.get(reverse("participation:call", args=[call.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_supports_open_once_staff_start_prioritising(staff_client, staff, learner):
    call = make_call(staff, current="collect")
    inside = services.submit_proposal(author=learner, title="Inside", body="In a call.", category="waste", call=call)
    with pytest.raises(ParticipationError, match="closed"):
        services.support(user=learner, proposal=inside)
    staff_client.post(reverse("participation:call_phase", args=[call.pk]), {"action": "advance"})
    inside = Proposal.objects.get(pk=inside.pk)
    assert services.support(user=learner, proposal=inside) is True


def test_advance_between_phases_starts_the_next(staff):
    now = timezone.now()
    call = services.open_call(staff=staff, title="Gap", question="?", phases=[
        ("collect", now - timedelta(days=10), now - timedelta(days=5)),
        ("prioritise", now + timedelta(days=5), now + timedelta(days=10))])
    services.advance_phase(staff=staff, call=call)
    assert Call.objects.get(pk=call.pk).current_phase().kind == PhaseKind.PRIORITISE


def test_desk_and_call_form_in_khmer(client, staff):
    client.force_login(staff)
    assert client.get("/km/participate/desk/").status_code == 200
    assert client.get("/km/participate/desk/calls/new/").status_code == 200
