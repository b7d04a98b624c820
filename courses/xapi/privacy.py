"""Personal data held by courses.xapi: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from cms.privacy import register_collector, register_eraser, rows
from courses.models import QuizAttempt
from courses.xapi.models import ActivityResult, ActivityState, ProfileDocument
from courses.xapi.services import (
    erase_profiles_of,
    erase_statements_about,
    erase_states_of,
    statements_about,
)


@register_collector("learning_records", label=gettext_lazy("learning records (xAPI) and interactive activity results"), covers=[
    "xapi.Statement.user", "xapi.ActivityResult.user", "xapi.ActivityState.user",
    "xapi.ProfileDocument.user",
])
def collect_learning_records(user) -> dict:
    return {
        "xapi_statements": [
            {"id": row["id"], "stored": row["stored"], "voided": row["voided"], "statement": row["data"]}
            for row in statements_about(user).order_by("stored").values("id", "stored", "voided", "data")
        ],
        "h5p_activity_results": rows(
            ActivityResult.objects.filter(user=user).order_by("pk"),
            "course_key", "lesson_key", "block_id", "best_scaled", "attempts", "completed_at", "passed_at",
            "done_at"),
        # Answers saved inside H5P activities, to resume them (the exact JSON each activity wrote).
        "h5p_saved_answers": rows(
            ActivityState.objects.filter(user=user).order_by("pk"),
            "activity_id", "state_id", "registration", "document", "updated_at"),
        # Agent profile documents outside clients keep about her (xAPI's Agent Profile resource).
        "xapi_agent_profiles": rows(
            ProfileDocument.objects.filter(user=user).order_by("pk"),
            "profile_id", "content_type", "document", "updated_at"),
    }


@register_eraser("learning_records")
def erase_learning_records(user, *, on_commit) -> None:
    # Statements already forwarded to the outside LRS are voided there (a voiding statement naming
    # only Sangkat, sent by the forwarding task after this transaction commits); unsent ones are
    # deleted before they can go out.
    erase_statements_about(user=user)
    erase_states_of(user=user)
    erase_profiles_of(user=user)
    QuizAttempt.objects.filter(user=user).delete()
