"""Restricted media (issue 15, item 6): photos of the women-and-girls space and the files of
co-design sessions live under private/ with random names, and go out only through views that check
access (cms.media): per role, per serving mode, and never through /media/."""

import re

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from cms.media import move_rows_to_private, serve_public_media
from games.minecraft import services as minecraft
from games.minecraft.models import Capture, TeamBuild
from labs.hercity import services as hercity
from labs.participation import services
from labs.participation.models import ProposalFile
from tests.factories import UserFactory
from tests.minecraft.conftest import codesign, sample_site  # noqa: F401

from .conftest import png
from .test_hercity import all_scores, make_workshop

pytestmark = pytest.mark.django_db
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HEX_NAME = re.compile(r"^private/[a-z/]+/[0-9a-f]{32}\.[a-z]+$")


@pytest.fixture
def women_photo(member):
    proposal = services.submit_proposal(author=member, title="Dark corner by the school", body="No lamp.",
                                        category="safety", space="women", images=[png("corner.png")])
    return proposal.files.get()


@pytest.fixture
def public_photo(learner):
    proposal = services.submit_proposal(author=learner, title="Bins", body="Overflowing.", category="waste",
                                        images=[png("bins.png")])
    return proposal.files.get()


def url_of(f: ProposalFile) -> str:
    return reverse("participation:file", args=[f.proposal_id, f.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_proposal_photo_is_stored_privately_under_a_random_name(women_photo):
    assert HEX_NAME.match(women_photo.file.name), women_photo.file.name
    assert f"/{women_photo.proposal_id}/" not in women_photo.file.name


def test_the_proposal_page_links_the_view_not_the_file(client, member, women_photo):
    client.force_login(member)
    page = client.get(reverse("participation:proposal", args=[women_photo.proposal_id])).content.decode()
    assert url_of(women_photo) in page
    assert women_photo.file.name not in page and "/media/" not in page


@pytest.mark.parametrize("who, status", [
    ("member", 200), ("women_moderator", 200), ("anonymous", 404), ("learner", 404), ("staff", 404),
    ("moderator", 404), ("superuser", 404), ("pending", 404), ("removed", 404),
])
def test_a_women_space_photo_per_role(client, women_photo, member, women_moderator, learner, staff, moderator,
                                      facilitator, center, who, status):
    if who in ("pending", "removed"):
        person = UserFactory(gender="woman", home_center=center)
        services.request_women_space(user=person)
        if who == "removed":
            services.confirm_member(facilitator=facilitator, user=person)
            services.decline_member(facilitator=facilitator, user=person)
    else:
        person = {"member": member, "women_moderator": women_moderator, "learner": learner, "staff": staff,
                  "moderator": moderator, "superuser": UserFactory(is_superuser=True), "anonymous": None}[who]
    if person is not None:
        client.force_login(person)
    response = client.get(url_of(women_photo))
    assert response.status_code == status
    if status == 200:
        assert body(response).startswith(PNG_MAGIC)
        assert response["Cache-Control"].startswith("private")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_public_photo_is_for_everyone_and_a_hidden_ones_for_moderators(client, public_photo, moderator):
    assert client.get(url_of(public_photo)).status_code == 200
    services.hide(moderator=moderator, reason="Off topic", proposal=public_photo.proposal)
    assert client.get(url_of(public_photo)).status_code == 404
    client.force_login(moderator)
    assert client.get(url_of(public_photo)).status_code == 200


def test_a_file_of_another_proposal_or_a_forged_id_is_404(client, public_photo, women_photo, member):
    client.force_login(member)
    forged = reverse("participation:file", args=[public_photo.proposal_id, women_photo.pk])
    assert client.get(forged).status_code == 404
    assert client.get(reverse("participation:file", args=[public_photo.proposal_id, 999999])).status_code == 404


def test_an_attachment_is_a_sandboxed_download_under_its_own_name(client, learner):
    pdf = ContentFile(b"%PDF-1.4\n%%EOF\n", name="plan.pdf")
    proposal = services.submit_proposal(author=learner, title="Plan", body="Attached.", category="waste",
                                        attachments=[pdf])
    f = proposal.files.get()
    response = client.get(url_of(f))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and "plan.pdf" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_with_x_accel_the_proxy_sends_the_file(client, member, women_photo, settings):
    settings.SANGKAT_PRIVATE_MEDIA_SERVE = "x-accel"
    client.force_login(member)
    response = client.get(url_of(women_photo))
    assert response["X-Accel-Redirect"] == "/_private_media/" + women_photo.file.name
    assert response.content == b""


def test_with_x_sendfile_the_server_sends_the_file(client, member, women_photo, settings):
    settings.SANGKAT_PRIVATE_MEDIA_SERVE = "x-sendfile"
    client.force_login(member)
    response = client.get(url_of(women_photo))
    assert response["X-Sendfile"] == women_photo.file.path
    assert response.content == b""


def test_with_x_accel_an_outsider_still_gets_nothing(client, learner, women_photo, settings):
    settings.SANGKAT_PRIVATE_MEDIA_SERVE = "x-accel"
    client.force_login(learner)
    response = client.get(url_of(women_photo))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


@pytest.mark.parametrize("path", ["private/participation/x.png", "./private/participation/x.png",
                                  "a/../private/participation/x.png", "private"])
def test_development_media_never_serves_private_files(women_photo, settings, path):
    if path.endswith("x.png"):
        path = path.replace("participation/x.png", women_photo.file.name.removeprefix("private/"))
    with pytest.raises(Http404):
        serve_public_media(RequestFactory().get("/media/" + path), path, document_root=settings.MEDIA_ROOT)


def test_development_media_still_serves_public_files(settings, tmp_path):
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "cover.txt").write_text("hello")
    response = serve_public_media(RequestFactory().get("/media/cover.txt"), "cover.txt",
                                  document_root=tmp_path / "media")
    assert response.status_code == 200


# --- Her City photos -------------------------------------------------------------------------------

def test_safety_walk_and_idea_photos_are_private(center, facilitator, learner):
    workshop = make_workshop(center, facilitator, space="women")
    member = UserFactory(gender="woman", home_center=center)
    services.request_women_space(user=member)
    services.confirm_member(facilitator=facilitator, user=member)
    score = hercity.record_scores(user=member, workshop=workshop, scores=all_scores(2), photo=png("gate.png"))
    workshop = hercity.advance(facilitator=facilitator, workshop=workshop, to_step=2)
    idea = hercity.add_idea(user=member, workshop=workshop, text="Lamps", photo=png("lamp.png"))
    assert HEX_NAME.match(score.photo.name) and score.photo.name.startswith("private/hercity/")
    assert HEX_NAME.match(idea.photo.name)


# --- Block by Block renders and worlds -------------------------------------------------------------

@pytest.fixture
def build(codesign):  # noqa: F811
    capture = Capture.objects.create(session=codesign, source="live", state="done")
    made = TeamBuild(capture=capture, team=codesign.teams.first(), metrics={}, diff={})
    for picture in ("plan", "iso", "before_after"):
        getattr(made, picture).save(f"build-{capture.pk}-{picture}.png", ContentFile(png().read()), save=False)
    made.save()
    return made


def render_url(build, picture="plan"):
    return reverse("minecraft:render", args=[build.capture.session_id, build.pk, picture])


def test_renders_have_private_random_names(build):
    for picture in (build.plan, build.iso, build.before_after):
        assert HEX_NAME.match(picture.name) and picture.name.startswith("private/minecraft/renders/")


@pytest.mark.parametrize("who, status", [
    ("facilitator", 200), ("staff", 200), ("team member", 200), ("learner", 404), ("co-facilitator", 404),
    ("women member", 404), ("anonymous", 302),
])
def test_a_render_per_role(client, build, facilitator, staff, learner, center, who, status):
    person = None
    if who == "team member":
        person = UserFactory()
        minecraft.add_member(team=build.team, user=person, nickname="Kanha")
    elif who == "co-facilitator":
        person = UserFactory(roles=["facilitator"])
        center.facilitators.add(person)
    elif who == "women member":
        person = UserFactory(gender="woman")
    else:
        person = {"facilitator": facilitator, "staff": staff, "learner": learner, "anonymous": None}[who]
    if person is not None:
        client.force_login(person)
    response = client.get(render_url(build))
    assert response.status_code == status
    if status == 200:
        assert body(response).startswith(PNG_MAGIC)
    if status == 302:
        assert reverse("login") in response["Location"]


def test_a_forged_build_or_picture_is_404(client, build, facilitator, sample_site):  # noqa: F811
    client.force_login(facilitator)
    other = minecraft.create_session(facilitator=facilitator, title="Other", site=sample_site, team_names=["A"])
    assert client.get(reverse("minecraft:render", args=[other.pk, build.pk, "plan"])).status_code == 404
    assert client.get(render_url(build, "world")).status_code == 404
    assert client.get(render_url(build, "before-after")).status_code == 200


def test_the_gallery_links_the_view_not_the_files(client, build, facilitator):
    client.force_login(facilitator)
    page = client.get(reverse("minecraft:gallery", args=[build.capture.session_id])).content.decode()
    assert render_url(build) in page and render_url(build, "before-after") in page
    assert "/media/" not in page


# --- files stored before: moved by the migrations --------------------------------------------------

def test_old_public_files_are_moved_to_private_names(women_photo, settings):
    from django.core.files.storage import default_storage

    old = f"participation/{women_photo.proposal_id}/photo.png"
    default_storage.save(old, ContentFile(png().read()))
    ProposalFile.objects.filter(pk=women_photo.pk).update(file=old)
    assert move_rows_to_private(ProposalFile, "file", "participation") == 1
    women_photo.refresh_from_db()
    assert HEX_NAME.match(women_photo.file.name)
    assert not default_storage.exists(old)
    assert default_storage.open(women_photo.file.name).read().startswith(PNG_MAGIC)
