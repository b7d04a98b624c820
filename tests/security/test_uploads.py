"""Uploads are judged by their content, and stored under a name that content calls for."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from labs.participation import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def gif(name) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "GIF")
    return SimpleUploadedFile(name, buf.getvalue() + b"<script>alert(1)</script>", content_type="text/html")


def submit(learner, **files):
    return services.submit_proposal(author=learner, title="Shade at the bus stop", body="It is too hot to wait.",
                                    category="safety", **files)


def test_a_photo_named_like_a_web_page_is_stored_as_a_photo(learner):
    proposal = submit(learner, images=[gif("page.html")])
    stored = proposal.files.get()
    assert stored.file.name.endswith(".gif")
    assert stored.name == "page.html"  # shown to people under the name they gave it


def test_a_pdf_named_like_a_web_page_is_stored_as_a_pdf(learner):
    pdf = SimpleUploadedFile("plan.html", b"%PDF-1.4\n<html><script>alert(1)</script>", content_type="text/html")
    stored = submit(learner, attachments=[pdf]).files.get()
    assert stored.file.name.endswith(".pdf")


def test_a_web_page_named_like_a_photo_is_refused(learner):
    page = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    with pytest.raises(services.ParticipationError):
        submit(learner, images=[page])
