"""Media in an S3-compatible bucket: what the production profile does when AWS_STORAGE_BUCKET_NAME
is set (docs/deploy.md), against a real S3 server on loopback.

The server is moto's (PyPI `moto[server]`): it speaks the S3 REST protocol that MinIO, Ceph and
AWS speak, and keeps the objects in memory. A real bucket behaves the same for these calls (put,
get, head, list, delete); what moto does not check is access policy. Nothing may land on the
local disk: several app servers and workers must see the same files.
"""

import html
import io
import re
import socket
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.h5p.services import install_package
from games.minecraft import services as minecraft
from tests.h5p.conftest import good_package
from tests.minecraft.conftest import codesign, sample_site, unzip_world, zip_folder  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch, tmp_path):
    """A new bucket, and the settings cms/settings.py makes from AWS_* variables for it."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "sangkat-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sangkat-test-secret")
    name = f"sangkat-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    settings.AWS_STORAGE_BUCKET_NAME = name
    settings.AWS_S3_ENDPOINT_URL = s3_server
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_LOCATION = "media"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.MEDIA_ROOT = tmp_path / "local-media"  # must stay empty
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}

    def objects() -> list[str]:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    yield objects
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_an_h5p_package_is_installed_into_the_bucket_and_served_from_it(bucket, client):
    package = install_package(source=io.BytesIO(good_package()))
    stored = bucket()
    assert f"media/{package.storage_path}/h5p.json" in stored
    assert f"media/{package.storage_path}/content/content.json" in stored
    assert any(key.startswith("media/h5p/libraries/") and key.endswith("/choice.js") for key in stored)

    content = client.get(f"/h5p/files/content/{package.pk}/content/content.json")
    assert content.status_code == 200
    assert b"Which is strongest?" in b"".join(content.streaming_content)
    script = client.get("/h5p/files/libraries/Sangkat.Choice-1.0/choice.js")
    assert script.status_code == 200 and b"".join(script.streaming_content)
    assert client.get(f"/h5p/files/content/{package.pk}/content/missing.json").status_code == 404


def test_a_world_is_made_into_the_bucket_and_its_builds_rendered_there(
    bucket, codesign, facilitator, s3_server, tmp_path, django_capture_on_commit_callbacks, client  # noqa: F811
):
    session = codesign
    with django_capture_on_commit_callbacks(execute=True):
        minecraft.request_world(session=session)
    session.refresh_from_db()
    assert session.world_state == "done", session.world_error
    assert f"media/{session.world_zip.name}" in bucket()

    client.force_login(facilitator)
    # The download view checks access, then sends the browser to a short-lived signed link.
    download = client.get(reverse("minecraft:download_world", args=[session.pk]))
    assert download.status_code == 302 and "Signature=" in download["Location"]
    with urllib.request.urlopen(download["Location"], timeout=10) as response:  # noqa: S310 (loopback)
        world = response.read()
    assert len(world) > 100_000

    upload = SimpleUploadedFile("build.zip", zip_folder(unzip_world(world, tmp_path)), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        item = minecraft.request_capture_from_upload(session=session, user=facilitator, upload=upload)
    item.refresh_from_db()
    assert item.state == "done", item.error
    renders = [key for key in bucket() if key.startswith("media/private/minecraft/renders/")]
    assert len(renders) == 2 * 3  # plan, isometric, before/after for each team

    # The gallery links each picture at a view that checks access; it answers with a signed,
    # short-lived link at the bucket, and the link works from a browser.
    gallery = client.get(reverse("minecraft:gallery", args=[session.pk])).content.decode()
    build = item.builds.get(team__index=0)  # the gallery shows the teams in order
    src = html.unescape(re.search(r'<img src="([^"]+)"', gallery)[1])
    assert src == reverse("minecraft:render", args=[session.pk, build.pk, "plan"])
    url = client.get(src)["Location"]
    assert url.startswith(f"{s3_server}/{settings.AWS_STORAGE_BUCKET_NAME}/media/{build.plan.name}?")
    assert "X-Amz-Signature=" in url or "Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback test server)
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_course_cover_and_its_rendition_live_in_the_bucket_and_show_on_the_course_list(bucket, site, client):
    from django.core.files.images import ImageFile
    from PIL import Image as Picture
    from wagtail.images import get_image_model

    png = io.BytesIO()
    Picture.new("RGB", (960, 480), (20, 120, 90)).save(png, "PNG")
    image = get_image_model().objects.create(title="Canal", file=ImageFile(png, name="canal.png"))
    course = site["course"]
    course.cover_image = image
    course.save_revision().publish()

    page = client.get(site["index"].url).content.decode()
    renditions = [key for key in bucket() if key.startswith("media/images/")]
    assert any(key.startswith("media/original_images/canal") for key in bucket())
    assert len(renditions) == 1 and ".fill-480x240" in renditions[0]
    cover = html.unescape(re.search(r'<img [^>]*class="cover"[^>]*src="([^"]+)"', page)[1])
    assert cover.startswith(f"{settings.AWS_S3_ENDPOINT_URL}/{settings.AWS_STORAGE_BUCKET_NAME}/{renditions[0]}?")
    with urllib.request.urlopen(cover, timeout=10) as response:  # noqa: S310 (loopback test server)
        assert Picture.open(io.BytesIO(response.read())).size == (480, 240)
