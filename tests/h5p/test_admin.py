"""Editors add an H5P activity in the admin: upload a .h5p, or import one from an address.

The form checks an upload at once and queues the install; with the immediate task backend (tests,
`make run`) the task runs when the request's transaction commits, so the whole flow ends in the request.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.h5p.models import H5PLibrary, H5PPackage
from tests.factories import UserFactory
from tests.h5p.conftest import good_package, rebuild, stored_files

pytestmark = pytest.mark.django_db

ADD = "wagtailsnippets_h5p_h5ppackage:add"
LIST = "wagtailsnippets_h5p_h5ppackage:list"
EDIT = "wagtailsnippets_h5p_h5ppackage:edit"
CHOOSE = "wagtailsnippetchoosers_h5p_h5ppackage:choose"
FETCH_FAILED = (
    "The file could not be downloaded from this address. Check the address, or download the file "
    "yourself and upload it."
)


@pytest.fixture
def editor_client(client):
    editor = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(editor)
    return client


def upload(client, data: bytes | None, **fields):
    payload = {"title": "", "package_url": ""}
    payload.update(fields)
    if data is not None:
        payload["package_file"] = SimpleUploadedFile("activity.h5p", data, content_type="application/zip")
    return client.post(reverse(ADD), payload)


@pytest.fixture
def add(editor_client, django_capture_on_commit_callbacks):
    """Post the add form and commit: the queued install task runs (immediate backend)."""

    def post(data: bytes | None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return upload(editor_client, data, **fields)

    return post


def test_the_add_form_takes_a_file(editor_client):
    html = editor_client.get(reverse(ADD)).content.decode()
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html


def test_an_editor_uploads_a_package(add, media):
    response = add(good_package())
    assert response.status_code == 302
    package = H5PPackage.objects.get()
    assert package.status == H5PPackage.Status.READY and package.progress == 100
    assert package.title == "Strong passwords"
    assert package.uploaded_by is not None
    files = stored_files(media)
    assert f"h5p/content/{package.pk}/h5p.json" in files
    assert not any(name.startswith("h5p/incoming/") for name in files)
    assert package.staged_file == ""


def test_an_upload_waits_as_pending_until_its_task_runs(editor_client, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert upload(editor_client, good_package()).status_code == 302
    package = H5PPackage.objects.get()
    assert package.status == H5PPackage.Status.PENDING
    assert package.title == "Strong passwords"  # read from the package when the form checked it
    assert stored_files(media) == [package.staged_file]
    assert package.staged_file.startswith("h5p/incoming/")
    for callback in queued:
        callback()
    package.refresh_from_db()
    assert package.status == H5PPackage.Status.READY
    assert not any(name.startswith("h5p/incoming/") for name in stored_files(media))


def test_the_editor_can_name_the_activity(add, media):
    add(good_package(), title="Passwords, week 2")
    assert H5PPackage.objects.get().title == "Passwords, week 2"


def test_a_rejected_upload_says_why_and_writes_nothing(add, media):
    response = add(rebuild(good_package(), drop={"content/content.json"}))
    assert response.status_code == 200
    assert "The package has no content/content.json file." in response.content.decode()
    assert H5PPackage.objects.count() == 0 and H5PLibrary.objects.count() == 0
    assert stored_files(media) == []


def test_neither_file_nor_address(add, media):
    response = add(None)
    assert "Choose a .h5p file, or give the address of one" in response.content.decode()
    assert H5PPackage.objects.count() == 0


def test_only_web_addresses_can_be_imported(add, media):
    response = add(None, package_url="ftp://example.org/activity.h5p")
    assert response.status_code == 200
    assert "Only http:// and https:// addresses can be used." in response.content.decode()
    assert H5PPackage.objects.count() == 0


def test_an_address_with_a_password_is_refused_by_the_form(add, media):
    response = add(None, package_url="https://editor:secret@example.org/activity.h5p")
    assert response.status_code == 200
    assert "Addresses with a user name or password cannot be used." in response.content.decode()
    assert H5PPackage.objects.count() == 0


def test_an_editor_imports_a_package_from_an_address(add, media, web, downloads):
    response = add(None, package_url=f"{web}/good.h5p")
    assert response.status_code == 302
    package = H5PPackage.objects.get()
    assert (package.status, package.title, package.source_url) == (
        H5PPackage.Status.READY, "Strong passwords", f"{web}/good.h5p"
    )
    assert f"h5p/content/{package.pk}/h5p.json" in stored_files(media)
    assert list(downloads.iterdir()) == []


def test_the_form_does_not_download(editor_client, media, django_capture_on_commit_callbacks, monkeypatch):
    import courses.httpclient

    monkeypatch.setattr(courses.httpclient, "download", lambda *a, **k: pytest.fail("downloaded in the request"))
    with django_capture_on_commit_callbacks(execute=False):
        upload(editor_client, None, package_url="https://example.org/files/scam-quiz.h5p")
    package = H5PPackage.objects.get()
    assert (package.status, package.title, str(package)) == (H5PPackage.Status.PENDING, "", "scam-quiz.h5p")
    listing = editor_client.get(reverse(LIST)).content.decode()
    assert "scam-quiz.h5p" in listing and "waiting to be installed" in listing
    edit = editor_client.get(reverse(EDIT, args=[package.pk])).content.decode()
    assert "Reload this page to see how far it is." in edit


@pytest.mark.parametrize(("path", "reason"), [
    ("/missing.h5p", FETCH_FAILED),
    ("/page.h5p", FETCH_FAILED),
    ("/big.h5p", "The file is larger than 0.5 MB."),
    ("/broken.h5p", "The package has no content/content.json file."),
])
def test_a_failed_import_shows_why_and_leaves_no_file(add, editor_client, media, web, downloads, settings, path, reason):
    settings.H5P_MAX_UNCOMPRESSED_BYTES = 512 * 1024
    assert add(None, package_url=f"{web}{path}").status_code == 302
    package = H5PPackage.objects.get()
    assert (package.status, package.error) == (H5PPackage.Status.FAILED, reason)
    assert stored_files(media) == [] and list(downloads.iterdir()) == []
    assert H5PLibrary.objects.count() == 0
    assert f"could not be installed: {reason}" in editor_client.get(reverse(LIST)).content.decode()
    edit = editor_client.get(reverse(EDIT, args=[package.pk])).content.decode()
    assert reason in edit and "Delete it, then add the file again" in edit


def test_editing_the_title_keeps_the_install(add, editor_client, media):
    add(good_package())
    package = H5PPackage.objects.get()
    response = editor_client.post(reverse(EDIT, args=[package.pk]), {"title": "Renamed"})
    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.title, package.status, package.storage_path) == (
        "Renamed", H5PPackage.Status.READY, f"h5p/content/{package.pk}"
    )


def test_lessons_can_choose_only_installed_packages(add, editor_client, media, django_capture_on_commit_callbacks):
    add(good_package(), title="Installed one")
    with django_capture_on_commit_callbacks(execute=False):
        upload(editor_client, good_package(), title="Waiting one")
    H5PPackage.objects.create(title="Failed one", status=H5PPackage.Status.FAILED, error="Broken.")
    html = editor_client.get(reverse(CHOOSE)).content.decode()
    assert "Installed one" in html
    assert "Waiting one" not in html and "Failed one" not in html


def test_the_service_imports_from_an_address(media, web):
    from courses.h5p.services import import_package_from_url

    package = import_package_from_url(url=f"{web}/good.h5p")
    assert package.libraries.count() == 1 and package.status == H5PPackage.Status.READY
