"""Background work for cmi5 courses (django-tasks): installing an uploaded course. Re-running is safe."""

from django.utils import translation
from django_tasks import task

from courses.cmi5.install import install_queued_course


@task()
def install_cmi5_task(course_id: int, language: str) -> None:
    with translation.override(language):
        install_queued_course(course_id=course_id)
