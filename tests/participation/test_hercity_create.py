"""Facilitators start Her City workshops for sessions of their own centers, then run them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.hercity import services
from labs.hercity.models import Workshop
from labs.models import Session
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def hercity_session(center, **fields):
    now = timezone.now()
    return Session.objects.create(center=center, kind="hercity", title=fields.pop("title", "Her City walk"),
                                  starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=3),
                                  **fields)


@pytest.fixture
def fac_client(client, facilitator):
    client.force_login(facilitator)
    return client


def test_facilitator_starts_a_workshop_and_runs_it(fac_client, center, facilitator):
    session = hercity_session(center)
    page = fac_client.get(reverse("hercity:workshops")).content.decode()
    assert "Her City walk" in page
    response = fac_client.post(reverse("hercity:workshops"), {
        "session": session.pk, "site_name": "Market lane", "latitude": "10.627", "longitude": "103.522",
        "space": "public"})
    w = Workshop.objects.get()
    assert response["Location"] == reverse("hercity:workshop", args=[w.pk])
    assert w.created_by == facilitator and w.step == 1 and str(w.latitude) == "10.627000"
    run = fac_client.get(reverse("hercity:workshop", args=[w.pk])).content.decode()
    assert "Next step" in run
    assert "Market lane" in fac_client.get(reverse("hercity:workshops")).content.decode()


def test_other_centers_session_is_refused(fac_client):
    theirs = hercity_session(CenterFactory(), title="Elsewhere walk")
    assert "Elsewhere walk" not in fac_client.get(reverse("hercity:workshops")).content.decode()
    response = fac_client.post(reverse("hercity:workshops"), {"session": theirs.pk, "site_name": "X", "space": "public"})
    assert "Choose one of your centers" in response.content.decode()
    assert not Workshop.objects.exists()


def test_service_refuses_another_centers_facilitator(center):
    stranger = UserFactory(roles=["facilitator"])
    CenterFactory().facilitators.add(stranger)
    with pytest.raises(services.WorkshopError, match="this session's center"):
        services.create_workshop(facilitator=stranger, session=hercity_session(center), site_name="Lane")
    assert not Workshop.objects.exists()


def test_not_a_hercity_session(fac_client, center, facilitator):
    now = timezone.now()
    session = Session.objects.create(center=center, kind="class", title="Phone class", starts_at=now,
                                     ends_at=now + timedelta(hours=1))
    assert "Phone class" not in fac_client.get(reverse("hercity:workshops")).content.decode()
    with pytest.raises(services.WorkshopError, match="Her City session"):
        services.create_workshop(facilitator=facilitator, session=session, site_name="Lane")


def test_site_needs_a_name_and_a_whole_point(fac_client, center):
    session = hercity_session(center)
    response = fac_client.post(reverse("hercity:workshops"), {"session": session.pk, "site_name": "Lane",
                                                               "latitude": "10.6", "space": "public"})
    assert "needs both latitude and longitude" in response.content.decode()
    response = fac_client.post(reverse("hercity:workshops"), {"session": session.pk, "site_name": "",
                                                               "space": "public"})
    assert response.status_code == 200
    assert not Workshop.objects.exists()


def test_learner_cannot_start_workshops(learner_client, center):
    session = hercity_session(center)
    assert learner_client.get(reverse("hercity:workshops")).status_code == 403
    assert learner_client.post(reverse("hercity:workshops"), {"session": session.pk, "site_name": "X",
                                                              "space": "public"}).status_code == 403
    assert not Workshop.objects.exists()


def test_html_in_site_name_is_escaped(fac_client, center):
    session = hercity_session(center)
    fac_client.post(reverse("hercity:workshops"), {"session": session.pk, "site_name": "<i>x</i>", "space": "public"})
    assert "&lt;i&gt;x&lt;/i&gt;" in fac_client.get(reverse("hercity:workshops")).content.decode()


# --- the destination is decided at the start (issue 16, joint 5) --------------------------------

def _member(user, confirmed_by):
    from labs.participation.models import WomenSpaceMembership

    WomenSpaceMembership.objects.create(user=user, confirmed_by=confirmed_by, confirmed_at=timezone.now())
    return user


def test_the_women_space_is_not_offered_to_a_facilitator_who_cannot_post_there(fac_client, center):
    session = hercity_session(center, audience="women")
    page = fac_client.get(reverse("hercity:workshops")).content.decode()
    assert 'value="women"' not in page and "offered only to its members" in page
    response = fac_client.post(reverse("hercity:workshops"), {
        "session": session.pk, "site_name": "School path", "space": "women"})
    assert response.status_code == 200 and "Choose where the result goes." in response.content.decode()
    assert not Workshop.objects.exists()


def test_the_service_refuses_the_women_space_to_a_non_member(center, facilitator):
    with pytest.raises(services.WorkshopError, match="Only members of the women and girls space"):
        services.create_workshop(facilitator=facilitator, session=hercity_session(center), site_name="Lane",
                                 space="women")
    assert not Workshop.objects.exists()


def _run_to_the_last_step(workshop, facilitator):
    for step in (2, 3, 4, 5):
        workshop = services.advance(facilitator=facilitator, workshop=workshop, to_step=step)
    return workshop


def test_a_member_facilitator_chooses_the_women_space_and_a_colleague_who_is_not_finishes(
        client, center, facilitator):
    """The destination offered at the start is never refused at the end: the result is posted on the
    group's behalf by the member who chose it, whoever presses Finish."""
    sokha = _member(UserFactory(roles=["facilitator"], gender="woman"), facilitator)
    center.facilitators.add(sokha)
    session = hercity_session(center, audience="women")
    session.facilitators.add(facilitator)
    client.force_login(sokha)
    page = client.get(reverse("hercity:workshops")).content.decode()
    assert 'value="women"' in page
    client.post(reverse("hercity:workshops"), {"session": session.pk, "site_name": "School path",
                                               "space": "women"})
    w = _run_to_the_last_step(Workshop.objects.get(space="women"), facilitator)
    client.force_login(facilitator)  # a facilitator of the center, not a member of the space
    page = client.get(reverse("hercity:workshop", args=[w.pk])).content.decode()
    assert "goes to the women and girls space" in page
    response = client.post(reverse("hercity:advance", args=[w.pk]), {"finish": "1", "title": "A lit path"})
    w.refresh_from_db()
    assert w.proposal is not None, response.content.decode()
    assert response["Location"] == reverse("participation:proposal", args=[w.proposal_id])
    assert w.proposal.space == "women" and w.proposal.author == sokha


def test_if_the_starter_left_the_space_a_member_running_it_posts(center, facilitator):
    from labs.participation.models import WomenSpaceMembership

    sokha = _member(UserFactory(roles=["facilitator"], gender="woman"), facilitator)
    dara = _member(UserFactory(roles=["facilitator"], gender="woman"), facilitator)
    center.facilitators.add(sokha, dara)
    session = hercity_session(center)
    session.facilitators.add(dara)
    w = services.create_workshop(facilitator=sokha, session=session, site_name="Lane", space="women")
    w = _run_to_the_last_step(w, dara)
    WomenSpaceMembership.objects.filter(user=sokha).delete()
    w.created_by = UserFactory._meta.model.objects.get(pk=sokha.pk)  # forget the cached membership
    proposal = services.finish(facilitator=facilitator, workshop=w, title="Lane")
    assert proposal.space == "women" and proposal.author == dara
