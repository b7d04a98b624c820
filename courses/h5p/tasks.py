"""Background work for H5P activities (django-tasks): installing a package the admin added. Re-running is safe."""

from django.utils import translation
from django_tasks import task


@task()
def install_package_task(package_id: int, language: str) -> None:
    # Here, not at the top: courses.h5p.services imports this module to enqueue the task.
    from courses.h5p.services import install_queued_package

    with translation.override(language):
        install_queued_package(package_id=package_id)
