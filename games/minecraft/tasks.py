"""Background work for Block by Block (django-tasks): world generation and capture. Each task
records its progress on its model so pages can show a progress bar; re-running is safe."""

from django_tasks import task

from .captures import run_capture
from .worldgen import generate_world


@task()
def generate_world_task(session_id: int) -> None:
    generate_world(session_id=session_id)


@task()
def capture_task(capture_id: int) -> None:
    run_capture(capture_id=capture_id)
