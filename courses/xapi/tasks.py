"""Background work of the statement store (django-tasks): forwarding statements to an outside LRS,
and voiding there the forwarded statements of deleted accounts."""

from django_tasks import task

from courses.xapi.forwarding import forward_due_statements


@task()
def forward_statements() -> dict:
    """Send due statements, then due voiding statements; idempotent (what was sent is marked sent,
    the rest waits; a voiding statement sent twice has the same id and content)."""
    report = forward_due_statements()
    return {"sent": report.sent, "failed": report.failed,
            "voids_sent": report.voids_sent, "voids_failed": report.voids_failed}
