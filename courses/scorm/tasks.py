"""Background work for SCORM packages (django-tasks): installing a package the admin added. Re-running is safe."""

from django.utils import translation
from django_tasks import task

from courses.scorm.install import install_queued_package


@task()
def install_scorm_task(package_id: int, language: str) -> None:
    with translation.override(language):
        install_queued_package(package_id=package_id)
