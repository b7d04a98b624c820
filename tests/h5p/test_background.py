"""The background install: a queued package is installed into its row by a task that is safe to re-run,
fails cleanly (a reason for the editor, no file left), and is never offered or played before it is ready."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from courses.h5p import selectors, services
from courses.h5p.models import H5PLibrary, H5PPackage
from courses.h5p.tasks import install_package_task
from tests.h5p.conftest import BLOCK_ID, good_package, lesson_with_activity, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(media, django_capture_on_commit_callbacks):
    """A package added like the admin does, whose install task has not run yet."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        package = services.add_package(upload=ContentFile(good_package(), name="activity.h5p"), title="Passwords")
    assert len(callbacks) == 1  # the task is queued once the row is committed
    return package


def run(package: H5PPackage) -> H5PPackage:
    install_package_task.enqueue(package_id=package.pk, language="en")
    package.refresh_from_db()
    return package


def test_a_queued_package_is_pending_with_its_file_staged(queued, media):
    assert queued.status == H5PPackage.Status.PENDING
    assert stored_files(media) == [queued.staged_file]
    assert H5PLibrary.objects.count() == 0


def test_the_task_installs_the_staged_file_into_the_row(queued, media):
    package = run(queued)
    assert (package.status, package.progress, package.error, package.staged_file) == (
        H5PPackage.Status.READY, 100, "", ""
    )
    assert (package.title, package.main_library, package.storage_path) == (
        "Passwords", "Sangkat.Choice 1.0", f"h5p/content/{package.pk}"
    )
    assert [str(library) for library in package.libraries.all()] == ["Sangkat.Choice-1.0"]
    files = stored_files(media)
    assert f"h5p/content/{package.pk}/content/content.json" in files
    assert not any(name.startswith("h5p/incoming/") for name in files)


def test_running_the_task_again_changes_nothing(queued, media):
    package = run(queued)
    before = (stored_files(media), H5PLibrary.objects.count())
    services.install_queued_package(package_id=package.pk)
    assert run(package).status == H5PPackage.Status.READY
    assert (stored_files(media), H5PLibrary.objects.count()) == before


def test_a_file_broken_after_the_upload_fails_at_install_time(queued, media):
    default_storage.delete(queued.staged_file)
    default_storage.save(queued.staged_file, ContentFile(b"PK\x03\x04 not really a zip"))
    package = run(queued)
    assert package.status == H5PPackage.Status.FAILED
    assert package.error.startswith("This is not a complete .h5p file")
    assert stored_files(media) == []
    assert H5PLibrary.objects.count() == 0 and package.staged_file == ""


def test_a_crash_while_writing_fails_and_leaves_no_file(queued, media, monkeypatch):
    original = services._Writer.copy
    calls = {"n": 0}

    def failing_copy(self, zip_name, target):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return original(self, zip_name, target)

    monkeypatch.setattr(services._Writer, "copy", failing_copy)
    package = run(queued)
    assert package.status == H5PPackage.Status.FAILED
    assert "error on the server" in package.error
    assert stored_files(media) == []
    assert H5PLibrary.objects.count() == 0


def test_a_failed_package_is_not_retried(queued, media):
    H5PPackage.objects.filter(pk=queued.pk).update(status=H5PPackage.Status.FAILED, error="Broken.")
    assert run(queued).error == "Broken."
    assert not any(name.startswith("h5p/content/") for name in stored_files(media))


def test_a_package_deleted_before_its_task_runs(queued, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued.delete()
    assert stored_files(media) == []  # the staged upload went with it
    services.install_queued_package(package_id=queued.pk)
    assert stored_files(media) == [] and not H5PPackage.objects.exists()


def test_the_one_shot_install_is_ready_at_once(media):
    package = services.install_package(source=io.BytesIO(good_package()))
    assert package.status == H5PPackage.Status.READY and package.is_ready


def test_only_ready_packages_can_be_chosen(queued, media):
    assert list(selectors.choosable_packages()) == []
    package = run(queued)
    assert list(selectors.choosable_packages()) == [package]


def play(lesson):
    url = reverse("h5p_play", kwargs={"lesson_key": lesson.translation_key, "block_id": BLOCK_ID})
    return Client().get(url)


@pytest.mark.parametrize(("status", "message"), [
    (H5PPackage.Status.PENDING, "This activity is still being installed."),
    (H5PPackage.Status.INSTALLING, "This activity is still being installed."),
    (H5PPackage.Status.FAILED, "This activity could not be installed."),
])
def test_a_lesson_with_a_package_that_is_not_ready_says_so(site, queued, status, message):
    H5PPackage.objects.filter(pk=queued.pk).update(status=status)
    lesson = lesson_with_activity(site, queued)
    response = play(lesson)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'id="h5p-config"' not in html
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_lesson_plays_the_package_once_installed(site, queued):
    lesson = lesson_with_activity(site, queued)
    run(queued)
    assert 'id="h5p-config"' in play(lesson).content.decode()
