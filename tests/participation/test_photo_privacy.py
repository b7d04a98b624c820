"""Photos people post (proposals, Her City safety walks) lose the camera's GPS position and their
file name; a huge photo is made small enough for a phone on slow Wi-Fi."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from labs.hercity import services as hercity
from labs.participation import services
from tests.factories import UserFactory

from .test_hercity import all_scores, make_workshop

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def phone_photo(name="IMG_0001.jpg", size=(64, 48)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # camera model
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (10.0, 37.0, 39.0), "E", (103.0, 31.0, 19.0)
    buf = io.BytesIO()
    Image.new("RGB", size, "green").save(buf, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(buf.getvalue())).getexif().get_ifd(GPS_IFD)  # the test photo has a location
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def stored(field_file) -> Image.Image:
    field_file.open("rb")
    return Image.open(io.BytesIO(field_file.read()))


def test_a_proposal_photo_keeps_no_location_and_not_the_senders_file_name():
    proposal = services.submit_proposal(author=UserFactory(), title="Shade at the bus stop", body="Trees please",
                                        category="public_space", images=[phone_photo("home-of-sokha.jpg")])
    image = proposal.files.get()
    assert image.name == "home-of-sokha.jpg"  # what people see
    assert "sokha" not in image.file.name
    picture = stored(image.file)
    assert picture.format == "JPEG" and not picture.getexif().get_ifd(GPS_IFD)
    assert 0x0110 not in picture.getexif()


def test_a_big_photo_is_made_phone_sized():
    proposal = services.submit_proposal(author=UserFactory(), title="Flooded lane", body="After rain",
                                        category="water_flooding", images=[phone_photo(size=(4000, 3000))])
    assert max(stored(proposal.files.get().file).size) == services.IMAGE_MAX_SIDE


def test_a_safety_walk_photo_keeps_no_location(center, facilitator, learner):
    workshop = make_workshop(center, facilitator)
    row = hercity.record_scores(user=learner, workshop=workshop, scores=all_scores(2), place="Dark corner",
                                photo=phone_photo("my-street.jpg"))
    assert "my-street" not in row.photo.name
    assert not stored(row.photo).getexif().get_ifd(GPS_IFD)
