"""A package left waiting with no task (never queued, or its run was cut short) is queued again by
the workers' recovery (cms.workers), goes back to "pending", and a re-run finishes it."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms import workers
from courses.h5p import install, services
from courses.h5p.models import H5PPackage
from tests.h5p.conftest import good_package, stored_files

pytestmark = pytest.mark.django_db

INSTALL = "courses.h5p.tasks.install_package_task"


@pytest.fixture(autouse=True)
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting_package(*, status="pending", minutes_ago=10) -> H5PPackage:
    """A package whose install task was never queued (its process died right after the commit)."""
    package = services.add_package(upload=ContentFile(good_package(), name="activity.h5p"), title="Passwords")
    H5PPackage.objects.filter(pk=package.pk).update(
        status=status, uploaded_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    package.refresh_from_db()
    return package


def install_tasks():
    return DBTaskResult.objects.filter(task_path=INSTALL)


def test_a_package_never_queued_is_queued_again(settings):
    settings.LANGUAGE_CODE = "km"
    package = waiting_package(status="installing")
    report = workers.recover()
    assert report.rows_requeued == [f"h5p.H5PPackage {package.pk}"]
    assert install_tasks().get().args_kwargs == {"args": [], "kwargs": {"package_id": package.pk, "language": "km"}}
    package.refresh_from_db()
    assert (package.status, package.progress) == ("pending", 0)


def test_a_package_just_added_is_left_to_its_own_task():
    waiting_package(minutes_ago=1)
    assert not workers.recover()
    assert not install_tasks().exists()


def test_a_package_with_a_queued_task_is_left_alone():
    package = waiting_package()
    from courses.h5p.tasks import install_package_task

    install_package_task.enqueue(package_id=package.pk, language="en")
    assert not workers.recover()
    assert install_tasks().count() == 1


def test_a_run_cut_short_is_queued_again_with_its_language_and_the_rerun_finishes_it(media, monkeypatch):
    package = waiting_package()
    from courses.h5p.tasks import install_package_task

    install_package_task.enqueue(package_id=package.pk, language="km")
    # The worker was stopped mid-install (a second Ctrl+C): django-tasks records the run failed.
    def stopped(**kwargs):
        raise SystemExit(1)

    monkeypatch.setattr(install, "_install", stopped)
    with pytest.raises(SystemExit):
        services.install_queued_package(package_id=package.pk)
    monkeypatch.undo()
    package.refresh_from_db()
    assert package.status == "installing" and stored_files(media) == [package.staged_file]
    install_tasks().update(status="FAILED", finished_at=timezone.now() - timedelta(minutes=6))

    assert workers.recover().rows_requeued == [f"h5p.H5PPackage {package.pk}"]
    again = install_tasks().get(status="READY")
    assert again.args_kwargs["kwargs"] == {"package_id": package.pk, "language": "km"}

    services.install_queued_package(package_id=package.pk)
    package.refresh_from_db()
    assert (package.status, package.staged_file) == ("ready", "")
    assert not any(name.startswith("h5p/incoming/") for name in stored_files(media))


def test_recovering_twice_queues_once():
    waiting_package()
    workers.recover()
    workers.recover()
    assert install_tasks().count() == 1


def test_a_failure_never_overwrites_a_package_another_run_installed():
    package = waiting_package()
    services.install_queued_package(package_id=package.pk)
    services._set_failed(package.pk, error="late")
    package.refresh_from_db()
    assert (package.status, package.error) == ("ready", "")


def test_giving_up_fails_the_package_with_a_reason_and_removes_the_upload(media, django_capture_on_commit_callbacks):
    package = waiting_package(status="installing")
    with django_capture_on_commit_callbacks(execute=True):
        services.give_up_install(package_id=package.pk, language="en")
    package.refresh_from_db()
    assert package.status == "failed" and package.staged_file == ""
    assert package.status_summary().startswith("could not be installed: The server stopped several times")
    assert stored_files(media) == []
