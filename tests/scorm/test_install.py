"""Installing SCORM packages: the admin upload (checked at once, installed in the background with a
status), and what a refused package leaves behind (nothing)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.scorm.models import ScormPackage
from courses.scorm.packaging import DEMO, manifest_2004
from courses.scorm.services import install_package, install_queued_package
from courses.scorm.validation import PackageRejected
from tests.factories import UserFactory
from tests.scorm.conftest import package_12, package_2004, stored_files, with_manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group, Permission

    user = UserFactory()
    group, _ = Group.objects.get_or_create(name="SCORM editors")
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label="scorm", codename__in=["add_scormpackage", "change_scormpackage", "view_scormpackage"]))
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


def test_install_stores_every_file_under_the_package(media):
    package = install_package(source=io.BytesIO(package_12()))
    assert package.is_ready and package.version == "1.2"
    assert stored_files(media) == [f"scorm/content/{package.pk}/imsmanifest.xml",
                                   f"scorm/content/{package.pk}/phone-safety/index.html",
                                   f"scorm/content/{package.pk}/shared/sco.js"]


def test_a_refused_package_leaves_nothing(media):
    with pytest.raises(PackageRejected):
        install_package(source=io.BytesIO(with_manifest(b"<manifest>&x;</manifest>")))
    assert stored_files(media) == [] and not ScormPackage.objects.exists()


def upload(client, data: bytes, name="course.zip"):
    return client.post(reverse("wagtailsnippets_scorm_scormpackage:add"), {
        "package_file": SimpleUploadedFile(name, data, content_type="application/zip"), "title": "",
    })


def test_editor_uploads_a_package_and_a_task_installs_it(client, editor, media, django_capture_on_commit_callbacks):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, package_2004())
    assert response.status_code == 302
    package = ScormPackage.objects.get()
    # The immediate backend of the tests ran the task: installed, items listed.
    assert package.status == ScormPackage.Status.READY, package.error
    assert [item["title"] for item in package.items] == ["Strong passwords", "Sharing photos"]
    page = client.get(reverse("wagtailsnippets_scorm_scormpackage:edit", args=[package.pk])).content.decode()
    assert "Strong passwords" in page and "Sharing photos" in page and "SCORM 2004" in page


def test_a_refusal_names_the_problem_and_stores_nothing(client, editor, media):
    client.force_login(editor)
    bad = with_manifest('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>')
    response = upload(client, bad)
    assert response.status_code == 200
    assert "DTD or entities" in response.content.decode()
    assert not ScormPackage.objects.exists() and stored_files(media) == []


def test_what_is_not_supported_is_said_at_upload(client, editor, media):
    client.force_login(editor)
    manifest = manifest_2004(title="T", scos=DEMO["en"]["scorm2004"]["scos"],
                             sequencing='<imsss:rollupRules><imsss:rollupRule/></imsss:rollupRules>')
    response = upload(client, with_manifest(manifest, base=package_2004()))
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "rollupRules" in page and "does not apply them" in page


def test_the_background_install_fails_with_a_reason(media):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    staged = default_storage.save("scorm/incoming/x.zip", ContentFile(with_manifest(b"", drop=["imsmanifest.xml"])))
    package = ScormPackage.objects.create(staged_file=staged)
    install_queued_package(package_id=package.pk)
    package.refresh_from_db()
    assert package.status == ScormPackage.Status.FAILED
    assert "imsmanifest.xml" in package.error and "imsmanifest.xml" in package.status_summary()
    assert stored_files(media) == []
