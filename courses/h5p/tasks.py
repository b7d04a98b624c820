"""Background work for H5P activities (django-tasks): installing a package the admin added. Re-running is safe."""

from django.utils import translation
from django_tasks import task

from courses.h5p.install import install_queued_package


@task()
def install_package_task(package_id: int, language: str) -> None:
    with translation.override(language):
        install_queued_package(package_id=package_id)
