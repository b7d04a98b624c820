"""Background work for Block by Block (django-tasks): world generation and capture. Each task
records its progress on its model so pages can show a progress bar; re-running is safe."""

from django_tasks import task


@task()
def generate_world_task(session_id: int) -> None:
    # Here, not at the top: .services imports this module to enqueue the task.
    from .services import generate_world

    generate_world(session_id=session_id)


@task()
def capture_task(capture_id: int) -> None:
    from .services import run_capture  # (same reason)

    run_capture(capture_id=capture_id)
