"""Session reports: counts computed from attendance, photos checked, resized and stripped of location."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from labs import reports, services, signals
from labs.models import ReportPhoto, SessionReport
from tests.factories import UserFactory
from tests.labs.conftest import make_session

pytestmark = pytest.mark.django_db


def jpeg_with_gps(size=(3000, 2000)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (10.0, 37.0, 0.0), 3: "E", 4: (103.0, 31.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("room.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_report_counts_come_from_attendance(ambassador, running_session):
    services.add_walk_in(by=ambassador, session=running_session, nickname="A", age_band="13-17", gender="woman")
    services.add_walk_in(by=ambassador, session=running_session, nickname="B", age_band="13-17", gender="man")
    services.mark_present(by=ambassador, session=running_session, user=UserFactory(age_band="25-59", gender="woman"))
    report = services.file_report(by=ambassador, session=running_session, notes="Good", follow_ups="")
    assert report.counts["total"] == 3
    assert report.counts["age_band"]["13-17"] == 2
    assert report.counts["gender"]["woman"] == 2


def test_photo_is_resized_and_its_location_removed(ambassador, running_session, media):
    report = services.file_report(by=ambassador, session=running_session, notes="", follow_ups="",
                                  photos=[jpeg_with_gps()])
    photo = report.photos.get()
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) <= services.PHOTO_MAX_SIDE
        assert 0x8825 not in stored.getexif()
        assert len(stored.getexif()) == 0


def test_an_upload_that_is_not_an_image_is_refused_and_nothing_saved(ambassador_client, running_session, media):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = ambassador_client.post(reverse("session_report", args=[running_session.pk]),
                                      {"notes": "Hello", "photos": [fake]})
    assert "is not an image" in response.content.decode()
    assert not SessionReport.objects.exists()
    assert not ReportPhoto.objects.exists()


def test_a_refused_photo_is_shown_at_the_photos_field_whatever_its_words(ambassador_client, running_session,
                                                                        media, monkeypatch):
    # "too big" names no image nor photo: the service says which field it is about, not the words.
    monkeypatch.setattr(reports, "PHOTO_MAX_BYTES", 10)  # where clean_photo reads it
    response = ambassador_client.post(reverse("session_report", args=[running_session.pk]),
                                      {"notes": "Hello", "photos": [jpeg_with_gps((40, 30))]})
    form = response.context["form"]
    assert "room.jpg is too big (8 MB at most)." in form.errors["photos"]
    assert not form.non_field_errors()
    assert not SessionReport.objects.exists()


def test_one_bad_photo_among_good_ones_saves_nothing(ambassador, running_session, media):
    bad = SimpleUploadedFile("x.png", b"GIF89a-broken", content_type="image/png")
    with pytest.raises(services.SessionError):
        services.file_report(by=ambassador, session=running_session, notes="", follow_ups="",
                             photos=[jpeg_with_gps((100, 100)), bad])
    assert not SessionReport.objects.exists()
    assert not list(media.rglob("*.jpg"))


def test_filing_the_report_through_the_page(ambassador_client, running_session, media):
    response = ambassador_client.post(reverse("session_report", args=[running_session.pk]),
                                      {"notes": "Ten people learned to send a photo.", "follow_ups": "More phones",
                                       "photos": [jpeg_with_gps((400, 300))]}, follow=True)
    assert "Report filed" in response.content.decode()
    assert SessionReport.objects.get().photos.count() == 1


def test_a_report_for_a_future_session_is_refused(ambassador, center):
    session = make_session(center, starts_in=timedelta(days=1))
    session.ambassadors.add(ambassador)
    with pytest.raises(services.SessionError):
        services.file_report(by=ambassador, session=session, notes="", follow_ups="")


def test_filing_announces_session_facilitated_once_per_runner(ambassador, running_session):
    heard = []
    signals.session_facilitated.connect(lambda sender, user, session, **kw: heard.append(user), weak=False,
                                        dispatch_uid="test-facilitated")
    try:
        services.file_report(by=ambassador, session=running_session, notes="", follow_ups="")
        services.file_report(by=ambassador, session=running_session, notes="updated", follow_ups="")
    finally:
        signals.session_facilitated.disconnect(dispatch_uid="test-facilitated")
    assert heard == [ambassador]


def test_reports_due_reminder_goes_once(ambassador, center):
    from cms.models import Notification

    ended = make_session(center, starts_in=-timedelta(hours=4), hours=2)
    ended.ambassadors.add(ambassador)
    assert services.remind_reports_due() == 1
    assert services.remind_reports_due() == 0
    assert Notification.objects.filter(user=ambassador, kind="report-due").count() == 1
