"""A member of the women-and-girls space sees her space's photos on her phone; the same photo's
address gives a learner outside the space nothing, nor the member once she has been removed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from labs.participation import services
from labs.participation.models import WomenSpaceMembership
from tests.browser.conftest import screenshot
from tests.browser.test_city_desk_browser import _login
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _photo():
    buf = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 120, 40)).save(buf, "JPEG")
    return SimpleUploadedFile("school-path.jpg", buf.getvalue(), content_type="image/jpeg")


def test_a_members_photo_shows_for_her_and_nobody_outside(phone, live_server):
    center = CenterFactory()
    facilitator = UserFactory(roles=["facilitator"])
    center.facilitators.add(facilitator)
    member = UserFactory(gender="woman", home_center=center, nickname="Bopha")
    WomenSpaceMembership.objects.create(user=member, confirmed_by=facilitator, confirmed_at=timezone.now())
    proposal = services.submit_proposal(author=member, title="A lamp on the school path", body="It is dark.",
                                        category="safety", space="women", images=[_photo()])
    photo = proposal.files.get()
    photo_url = live_server.url + reverse("participation:file", args=[proposal.pk, photo.pk])

    _login(phone, member, live_server)
    phone.goto(f"{live_server.url}/en/participate/proposals/{proposal.pk}/")
    picture = phone.locator("img[alt='school-path.jpg']")
    picture.scroll_into_view_if_needed()
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert picture.get_attribute("src").endswith(f"/files/{photo.pk}/?size=800")
    screenshot(phone, "women-space-photo")

    _login(phone, UserFactory(home_center=center), live_server)
    assert phone.goto(photo_url).status == 404
    assert phone.goto(photo_url + "?size=800").status == 404

    services.decline_member(facilitator=facilitator, user=member)
    _login(phone, member, live_server)
    assert phone.goto(photo_url).status == 404
    # /media/private/ itself is not checked here: Django's test live server serves MEDIA_ROOT on its
    # own (_MediaFilesHandler), unlike the site's URLs (test_development_media_never_serves_private_files).
