"""From stored statements to progress: each learner's result per H5P activity, and lesson completion.

A result is recomputed from the learner's remaining (not voided) statements about the activity,
so replaying statements changes nothing and voiding one undoes exactly what it did.
"""

from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses import signals
from courses.models import LessonPage, LessonProgress
from courses.services import complete_lesson, register_lesson_requirement, unmet_requirements
from courses.xapi.identity import activity_iri
from courses.xapi.models import ActivityResult, Statement

VERB = "http://adlnet.gov/expapi/verbs/"
COMPLETED, PASSED, FAILED, ANSWERED = (VERB + name for name in ("completed", "passed", "failed", "answered"))
COUNTED_VERBS = {COMPLETED, PASSED, FAILED, ANSWERED}
DEFAULT_PASS_MARK = 60


def _rule(block) -> tuple[str, int]:
    completion = block.value.get("completion") or "completed"
    try:
        pass_mark = int(block.value.get("pass_mark") or DEFAULT_PASS_MARK)
    except (TypeError, ValueError):
        pass_mark = DEFAULT_PASS_MARK
    return completion, pass_mark


def block_title(block) -> str:
    return block.value.get("title") or _("interactive activity")


def _lesson_and_block(lesson_key: UUID, block_id: str):
    """The lesson (any language, live first) that holds this H5P or SCORM block, else (None, None)."""
    for lesson in LessonPage.objects.filter(translation_key=lesson_key).order_by("-live", "pk"):
        for block in lesson.activity_blocks():
            if block.id == block_id:
                return lesson, block
    return None, None


def scaled_of(result) -> float | None:
    """result.score.scaled, or raw on the min..max scale when only raw and max were sent."""
    score = result.get("score") if isinstance(result, dict) else None
    if not isinstance(score, dict):
        return None
    if isinstance(score.get("scaled"), int | float):
        return max(-1.0, min(1.0, float(score["scaled"])))
    raw, low, high = score.get("raw"), score.get("min", 0), score.get("max")
    if all(isinstance(n, int | float) for n in (raw, low, high)) and high > low:
        return max(-1.0, min(1.0, (raw - low) / (high - low)))
    return None


def _summarise(rows, completion: str, pass_mark: int) -> dict:
    best = None
    attempts = 0
    completed_at = passed_at = done_at = None
    for verb, result, stored in rows:
        result = result if isinstance(result, dict) else {}
        scaled = scaled_of(result)
        if verb in COUNTED_VERBS or scaled is not None:
            attempts += 1
        if scaled is not None:
            best = scaled if best is None else max(best, scaled)
        if completed_at is None and (verb == COMPLETED or result.get("completion") is True):
            completed_at = stored
        if passed_at is None and (verb == PASSED or result.get("success") is True):
            passed_at = stored
        if done_at is None and completion == "score" and scaled is not None and scaled * 100 >= pass_mark:
            done_at = stored
    if completion == "passed":
        done_at = passed_at
    elif completion != "score":
        done_at = completed_at
    return {"best_scaled": best, "attempts": attempts, "completed_at": completed_at,
            "passed_at": passed_at, "done_at": done_at}


def _result_for_update(*, user_id: int, lesson, block_id: str) -> ActivityResult:
    lookup = {"user_id": user_id, "lesson_key": lesson.translation_key, "block_id": block_id}
    result = ActivityResult.objects.select_for_update().filter(**lookup).first()
    if result is None:
        parent = lesson.get_parent()
        try:
            with transaction.atomic():
                result = ActivityResult.objects.create(
                    course_key=parent.translation_key if parent else None, **lookup
                )
        except IntegrityError:  # a parallel request created it first
            result = ActivityResult.objects.select_for_update().get(**lookup)
    return result


class Unscored(list):
    """The activities that voided statements undid in one request, (user, lesson, block_id) each,
    announced together as ONE signals.activities_unscored (gamification takes them back in one pass).

    announce() sends what is gathered and empties it: the request calls it once at the end, and
    update_activity before an activity_scored, so nothing awarded later sees points still standing
    that one signal per activity would have taken back first."""

    def announce(self) -> None:
        if self:
            items, self[:] = list(self), []
            signals.activities_unscored.send(sender=LessonPage, items=items)


def update_activity(*, user_id: int, lesson_key: UUID, block_id: str, now: datetime,
                    unscored: Unscored | None = None) -> ActivityResult | None:
    """Recompute one learner's result on one activity; complete the lesson when it becomes done.

    Runs inside the transaction that stored (or voided) the statements. Returns None when no
    lesson holds this activity (the statements are kept; they just make no progress). With
    `unscored`, an activity undone is added to it for the caller to announce with the others;
    without, it is announced at once.
    """
    lesson, block = _lesson_and_block(lesson_key, block_id)
    if lesson is None:
        return None
    completion, pass_mark = _rule(block)
    iri = activity_iri(lesson_key=lesson_key, block_id=block_id, kind=block.block_type)
    result = _result_for_update(user_id=user_id, lesson=lesson, block_id=block_id)
    rows = (
        Statement.objects.filter(user_id=user_id, activity_id=iri, voided=False)
        .order_by("stored", "id").values_list("verb_id", "data__result", "stored")
    )
    summary = _summarise(rows, completion, pass_mark)
    was_done = result.done_at is not None
    changed = [name for name, value in summary.items() if getattr(result, name) != value]
    for name in changed:
        setattr(result, name, summary[name])
    if changed:
        result.save(update_fields=changed)
    is_done = result.done_at is not None
    if is_done == was_done:
        return result
    user = result.user
    pending = Unscored() if unscored is None else unscored
    if is_done:
        pending.announce()  # what this request undid before this activity goes first
        signals.activity_scored.send(
            sender=LessonPage, user=user, lesson=lesson, block_id=block_id, scaled=result.best_scaled
        )
        finished = LessonProgress.objects.filter(
            user=user, lesson_key=lesson.translation_key, completed_at__isnull=False
        ).exists()
        if not finished and not unmet_requirements(user=user, lesson=lesson):
            complete_lesson(user=user, lesson=lesson, now=now)
    else:
        pending.append((user, lesson, block_id))
        if unscored is None:
            pending.announce()
    return result


@register_lesson_requirement
def _activities_done(*, user, lesson) -> list[str]:
    blocks = lesson.activity_blocks()
    if not blocks:
        return []
    done = set(
        ActivityResult.objects.filter(
            user=user, lesson_key=lesson.translation_key, done_at__isnull=False
        ).values_list("block_id", flat=True)
    )
    return [
        _("Finish the activity “%(title)s”.") % {"title": block_title(block)}
        for block in blocks if block.id not in done
    ]
