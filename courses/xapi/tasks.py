"""Background work of the statement store (django-tasks): forwarding statements to an outside LRS."""

from django_tasks import task


@task()
def forward_statements() -> dict:
    """Send due statements; idempotent (what was sent is marked sent, the rest waits)."""
    from courses.xapi.forwarding import forward_due_statements

    report = forward_due_statements()
    return {"sent": report.sent, "failed": report.failed}
