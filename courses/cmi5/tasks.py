"""Background work for cmi5 courses (django-tasks): installing an uploaded course. Re-running is safe."""

from django.utils import translation
from django_tasks import task


@task()
def install_cmi5_task(course_id: int, language: str) -> None:
    from courses.cmi5.services import install_queued_course

    with translation.override(language):
        install_queued_course(course_id=course_id)
