"""Innovation Unit staff add a cmi5 course in the admin: the zip is checked at once (a refusal says
why and stores nothing), then installed by the background task (immediate in tests)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms.roles import INNOVATION_UNIT
from courses.cmi5.demo import build, course_xml, demo_package
from courses.cmi5.models import Cmi5Course
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADD = "wagtailsnippets_cmi5_cmi5course:add"


@pytest.fixture
def staff_client(client):
    from cms.services import ensure_roles

    ensure_roles()
    client.force_login(UserFactory(roles=[INNOVATION_UNIT]))
    return client


def upload(client, data: bytes):
    return client.post(reverse(ADD), {"title": "", "course_file": SimpleUploadedFile(
        "course.zip", data, content_type="application/zip")})


def test_staff_add_a_cmi5_course_and_it_installs(staff_client, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, demo_package("en"))
    assert response.status_code == 302, response.content.decode()[:2000]
    course = Cmi5Course.objects.get()
    assert course.is_ready, course.status_summary() and course.title == "Safe messages" and course.aus[0]["moveOn"] == "Completed"
    assert not list((media / "cmi5" / "incoming").glob("*"))


def test_an_au_on_another_site_is_refused_with_a_message(staff_client, media):
    data = build(xml=course_xml(title="x", language="en", au_url="https://evil.example/au.html"))
    response = upload(staff_client, data)
    assert response.status_code == 200
    assert "is on another site" in response.content.decode()
    assert not Cmi5Course.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]
