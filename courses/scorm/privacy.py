"""Personal data in SCORM: each learner's attempts and the runtime data of every SCO in them."""

from cms.privacy import exclude, register_collector, register_eraser
from courses.scorm.models import Attempt
from courses.scorm.services import erase_attempts_of

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "scorm.ScormPackage.uploaded_by": "course content uploaded by staff, not about them",
})


@register_collector("scorm", covers=["scorm.Attempt.user"])
def collect_scorm(user) -> list[dict]:

    attempts = []
    for attempt in Attempt.objects.filter(user=user).select_related("package").prefetch_related("scos").order_by("pk"):
        attempts.append({
            "package": attempt.package.title, "lesson_key": str(attempt.lesson_key), "block_id": attempt.block_id,
            "started_at": attempt.started_at, "updated_at": attempt.updated_at, "completed": attempt.completed,
            "passed": attempt.passed, "score_scaled": attempt.score_scaled,
            "items": [{
                "item": row.sco, "location": row.location, "suspend_data": row.suspend_data,
                "completion_status": row.completion_status, "success_status": row.success_status,
                "lesson_status": row.lesson_status, "score_raw": row.score_raw, "score_scaled": row.score_scaled,
                "seconds": row.total_seconds + row.session_seconds, "interactions": row.interactions,
                "updated_at": row.updated_at,
            } for row in attempt.scos.order_by("pk")],
        })
    return attempts


@register_eraser("scorm")
def erase_scorm(user, *, on_commit) -> None:

    erase_attempts_of(user=user)
