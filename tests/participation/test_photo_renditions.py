"""Proposal photos go to phones as a rendition (issue 16, smaller friction): at most 800 px wide and
far lighter than the 2048 px original, made once, through the same access check as the original."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from labs.participation import services
from tests.factories import UserFactory

from .conftest import png
from .test_private_media import body

pytestmark = pytest.mark.django_db


def big_photo(name="street.jpg", size=(2048, 1536)):
    """A camera-like photo: detail everywhere (noise over a gradient), so its bytes are honest."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    noise = Image.effect_noise(size, 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    buf = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(buf, "JPEG", quality=90)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def submit(author, space="public", image=None):
    proposal = services.submit_proposal(author=author, title="Broken lamp", body="Dark at night.",
                                        category="safety", space=space, images=[image or big_photo()])
    return proposal.files.get()


def url_of(f, size=None):
    url = reverse("participation:file", args=[f.proposal_id, f.pk])
    return url if size is None else f"{url}?size={size}"


def test_the_800_rendition_is_at_most_800_wide_and_much_lighter(client, learner):
    photo = submit(learner)
    client.force_login(learner)
    original = body(client.get(url_of(photo)))
    response = client.get(url_of(photo, 800))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    small = body(response)
    with Image.open(io.BytesIO(original)) as im:
        assert im.width == 2048
    with Image.open(io.BytesIO(small)) as im:
        assert im.width == 800 and im.height == 600
    assert len(small) * 4 < len(original), (len(small), len(original))
    assert response["Cache-Control"] == "private, max-age=300"  # served like the original


def test_a_portrait_photo_is_800_wide_not_800_tall(client, learner):
    photo = submit(learner, image=big_photo(size=(1536, 2048)))
    client.force_login(learner)
    with Image.open(io.BytesIO(body(client.get(url_of(photo, 800))))) as im:
        assert im.size == (800, 1067)
    with Image.open(io.BytesIO(body(client.get(url_of(photo, 1600))))) as im:
        assert im.width == 1536  # never made wider than the original: the original is served


def test_the_rendition_is_made_once_and_kept_privately_next_to_the_original(client, learner):
    photo = submit(learner)
    client.force_login(learner)
    first = body(client.get(url_of(photo, 800)))
    name = photo.file.name.rsplit(".", 1)[0] + ".w800.jpg"
    assert name.startswith("private/participation/") and photo.file.storage.exists(name)
    with photo.file.storage.open(name, "rb") as handle:
        assert handle.read() == first
    with photo.file.storage.open(name, "wb") as handle:  # a second visit reads the stored copy
        handle.write(b"kept")
    assert body(client.get(url_of(photo, 800))) == b"kept"


def test_a_non_member_gets_404_for_the_rendition_of_a_women_space_photo(client, member, learner):
    photo = submit(member, space="women")
    for person in (None, learner, UserFactory(is_superuser=True)):
        client.logout()
        if person is not None:
            client.force_login(person)
        for size in (800, 1600):
            assert client.get(url_of(photo, size)).status_code == 404
    assert not photo.file.storage.exists(photo.file.name.rsplit(".", 1)[0] + ".w800.jpg")
    client.force_login(member)
    assert client.get(url_of(photo, 800)).status_code == 200


@pytest.mark.parametrize("size", ["", "0", "-800", "abc", "799", "801", "4000", "800\x00", "８００", "1e3"])
def test_any_other_size_is_a_404(client, learner, size):
    photo = submit(learner, image=png())
    client.force_login(learner)
    assert client.get(url_of(photo), {"size": size}).status_code == 404


def test_a_small_photo_is_served_as_it_is(client, learner):
    photo = submit(learner, image=png(size=(40, 30)))
    client.force_login(learner)
    response = client.get(url_of(photo, 800))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert body(response) == body(client.get(url_of(photo)))


def test_an_attachment_has_no_rendition(client, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    proposal = services.submit_proposal(
        author=learner, title="Plan", body="See the plan.", category="safety",
        attachments=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")])
    client.force_login(learner)
    f = proposal.files.get()
    assert client.get(url_of(f)).status_code == 200
    assert client.get(url_of(f, 800)).status_code == 404


def test_the_proposal_page_shows_the_rendition_with_a_srcset(client, learner):
    photo = submit(learner, image=png())
    client.force_login(learner)
    page = client.get(reverse("participation:proposal", args=[photo.proposal_id])).content.decode()
    assert f'src="{url_of(photo, 800)}"' in page
    assert f'{url_of(photo, 800)} 800w, {url_of(photo, 1600)} 1600w' in page
