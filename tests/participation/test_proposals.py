from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs.participation import services, signals
from labs.participation.models import Proposal, ProposalFile
from labs.participation.services import ParticipationError
from tests.factories import UserFactory

from .conftest import make_call, png

pytestmark = pytest.mark.django_db


def test_submit_proposal_with_workshop_team_shows_team_as_authors(facilitator):
    p = services.submit_proposal(author=facilitator, title="Light the lane", body="Results of the walk",
                                 category="safety", origin="hercity", origin_url="/x/",
                                 team_nicknames=["Dara", "Sokha"], latitude="10.6", longitude="103.5",
                                 images=[png()])
    assert p.author_label == "Dara, Sokha"
    assert p.latitude == Decimal("10.600000")
    assert p.files.get().kind == ProposalFile.Kind.IMAGE


def test_submit_announces_signal(learner, django_capture_on_commit_callbacks):
    seen = []
    signals.proposal_submitted.connect(lambda sender, user, proposal, **kw: seen.append(proposal), weak=False,
                                       dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            p = services.submit_proposal(author=learner, title="t", body="b", category="food")
    finally:
        signals.proposal_submitted.disconnect(dispatch_uid="t1")
    assert seen == [p]


def test_non_image_upload_is_refused_and_nothing_saved(learner):
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ParticipationError, match="not a photo"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", images=[fake])
    assert not Proposal.objects.exists()


def test_oversized_upload_is_refused(learner, settings):
    from labs.participation import services as s

    big = png()
    big.size = s.MAX_IMAGE_BYTES + 1
    with pytest.raises(ParticipationError, match="too big"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", images=[big])
    assert not Proposal.objects.exists()


def test_attachment_must_be_pdf_or_photo(learner):
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    with pytest.raises(ParticipationError, match="PDF"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", attachments=[exe])


def test_unknown_category_refused(learner):
    with pytest.raises(ParticipationError):
        services.submit_proposal(author=learner, title="t", body="b", category="parks")


def test_bad_location_refused(learner):
    with pytest.raises(ParticipationError, match="location"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", latitude="95", longitude="1")


def test_html_in_text_is_rendered_safely(learner_client, learner):
    p = services.submit_proposal(author=learner, title="<script>alert(1)</script>", body="<b>x</b>",
                                 category="food")
    html = learner_client.get(reverse("participation:proposal", args=[p.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_profanity_is_screened(learner):
    with pytest.raises(ParticipationError, match="offensive"):
        services.submit_proposal(author=learner, title="shit road", body="b", category="mobility")


def test_rate_limit_on_proposals(learner):
    for i in range(5):
        services.submit_proposal(author=learner, title=f"t{i}", body="b", category="food")
    with pytest.raises(ParticipationError, match="too fast"):
        services.submit_proposal(author=learner, title="t6", body="b", category="food")
    assert Proposal.objects.count() == 5


def test_editing_another_users_proposal_is_refused(proposal):
    other = UserFactory()
    with pytest.raises(ParticipationError, match="your own"):
        services.edit_proposal(user=other, proposal=proposal, title="mine now", body="x", category="food")
    proposal.refresh_from_db()
    assert proposal.title == "More bins at the market"


def test_submit_form_creates_proposal(learner_client):
    response = learner_client.post(reverse("participation:proposal_new"), {
        "title": "Bus shelter", "body": "Hot sun", "category": "mobility", "space": "public",
        "latitude": "10.62", "longitude": "103.52", "images": png()})
    p = Proposal.objects.get()
    assert response.status_code == 302 and p.files.count() == 1 and p.latitude is not None


def test_submit_to_call_outside_collect_phase_refused(staff, learner):
    call = make_call(staff, current="prioritise")
    with pytest.raises(ParticipationError, match="not collecting"):
        services.submit_proposal(author=learner, title="t", body="b", category="food", call=call)


def test_list_filters_and_sorts(client, learner, staff):
    a = services.submit_proposal(author=learner, title="Alpha drains", body="b", category="water_flooding")
    services.submit_proposal(author=learner, title="Beta market", body="b", category="food")
    services.support(user=staff, proposal=a)
    html = client.get(reverse("participation:proposals"), {"category": "water_flooding", "sort": "top"}).content.decode()
    assert "Alpha drains" in html and "Beta market" not in html
