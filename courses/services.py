"""Writes for learning: enrolment, lesson visits and completion, quiz attempts.

Every function is one transaction and safe to repeat: a retried request changes nothing twice.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms import rolecache
from courses import signals
from courses.models import (
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
    QuizResult,
)

# Time between two signs of life counts as learning time only up to these caps.
HEARTBEAT_CAP = timedelta(seconds=120)
VISIT_REFRESH = timedelta(seconds=60)  # reopening the last lesson within this writes nothing
ACTION_CAP = timedelta(minutes=30)


class LearningError(Exception):
    """A learner's request that cannot be done; the message is shown to them as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LessonNotReady(LearningError):
    pass


class InvalidQuizAnswer(LearningError):
    pass


class QuizTriesUsed(LearningError):
    pass


QUIZ_TRY_WINDOW = timedelta(hours=24)


def quiz_tries_used_message(*, limit: int, retry_at: datetime, now: datetime) -> str:
    hours = max(1, -(-int((retry_at - now).total_seconds()) // 3600))
    return " ".join([
        ngettext(
            "You have used your %(count)s try at this quiz for today.",
            "You have used your %(count)s tries at this quiz for today.", limit,
        ) % {"count": limit},
        ngettext(
            "Read the lesson again; you can try again in %(hours)s hour.",
            "Read the lesson again; you can try again in %(hours)s hours.", hours,
        ) % {"hours": hours},
    ])


# Other parts of courses (H5P activities) add their own conditions for completing a lesson.
# Each returns human-readable descriptions of what is still missing.
LessonRequirement = Callable[..., list[str]]
_lesson_requirements: list[LessonRequirement] = []


def register_lesson_requirement(requirement: LessonRequirement) -> LessonRequirement:
    if requirement not in _lesson_requirements:
        _lesson_requirements.append(requirement)
    return requirement


@register_lesson_requirement
def _quizzes_passed(*, user, lesson: LessonPage) -> list[str]:
    quizzes = lesson.quiz_blocks()
    if not quizzes:
        return []
    passed = set(
        QuizResult.objects.filter(
            user=user, lesson_key=lesson.translation_key, passed_at__isnull=False
        ).values_list("quiz_id", flat=True)
    )
    return [
        _("Pass the quiz “%(title)s”.") % {"title": quiz.value["title"]}
        for quiz in quizzes
        if quiz.id not in passed
    ]


def unmet_requirements(*, user, lesson: LessonPage) -> list[str]:
    missing: list[str] = []
    for requirement in _lesson_requirements:
        missing.extend(requirement(user=user, lesson=lesson))
    return missing


def _course_of(lesson: LessonPage):
    """The lesson's course page (free when the lesson was just routed: Wagtail caches the parent)."""
    return lesson.get_parent()


def _add_time(progress: LessonProgress, now: datetime, cap: timedelta) -> None:
    gap = now - progress.last_seen_at
    if gap > timedelta(0):
        progress.seconds_spent += int(min(gap, cap).total_seconds())
    progress.last_seen_at = max(progress.last_seen_at, now)


def enrol(*, user, course: CoursePage, now: datetime | None = None) -> Enrolment:
    now = now or timezone.now()
    try:
        with transaction.atomic():
            enrolment, _created = Enrolment.objects.get_or_create(
                user=user, course_key=course.translation_key, defaults={"last_activity_at": now}
            )
    except IntegrityError:  # a parallel request enrolled first
        enrolment = Enrolment.objects.get(user=user, course_key=course.translation_key)
    return enrolment


def _progress_for_update(*, user, lesson: LessonPage, now: datetime) -> LessonProgress:
    course = _course_of(lesson)
    key = lesson.translation_key
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson_key=key).first()
    if progress is None:
        enrol(user=user, course=course, now=now)
        try:
            with transaction.atomic():
                progress = LessonProgress.objects.create(
                    user=user, lesson_key=key, course_key=course.translation_key, last_seen_at=now
                )
        except IntegrityError:
            progress = LessonProgress.objects.select_for_update().get(user=user, lesson_key=key)
    return progress


def _last_visit_key(user_id) -> str:
    return f"courses:last-visit:{user_id}"


# Every signed-in lesson page reads it: it comes with her roles, in the same cache round trip.
rolecache.read_with_roles(_last_visit_key)


def record_lesson_visit(*, user, lesson: LessonPage, now: datetime | None = None) -> None:
    """A learner opened a lesson: enrol them if needed, and remember it as where they are.

    A repeat visit is one UPDATE; only the first visit creates rows. Reopening the lesson she last
    opened less than VISIT_REFRESH ago (a reload, a language switch, back from a quiz) writes
    nothing: the cache remembers it, and her heartbeats count that time anyway.
    """
    live = now is None
    now = now or timezone.now()
    key = _last_visit_key(user.pk)
    if live:
        last = rolecache.kept_with_roles(user, key)  # read with her roles when she signed in this request
        if (cache.get(key) if last is rolecache.MISSING else last) == str(lesson.translation_key):
            return
    seen = LessonProgress.objects.filter(user=user, lesson_key=lesson.translation_key).update(
        last_seen_at=Greatest("last_seen_at", Value(now))
    )
    if not seen:
        with transaction.atomic():
            _progress_for_update(user=user, lesson=lesson, now=now)
    if live:
        cache.set(key, str(lesson.translation_key), int(VISIT_REFRESH.total_seconds()))
        rolecache.changed_with_roles(user, key, str(lesson.translation_key))


@transaction.atomic
def record_heartbeat(*, user, lesson: LessonPage, now: datetime | None = None) -> LessonProgress:
    """The lesson is still open and visible: count the time since the last sign of life."""
    now = now or timezone.now()
    progress = _progress_for_update(user=user, lesson=lesson, now=now)
    _add_time(progress, now, HEARTBEAT_CAP)
    progress.save(update_fields=["last_seen_at", "seconds_spent"])
    return progress


@transaction.atomic
def complete_lesson(*, user, lesson: LessonPage, now: datetime | None = None) -> LessonProgress:
    """Mark a lesson complete. Repeating it changes nothing; missing requirements raise."""
    now = now or timezone.now()
    progress = _progress_for_update(user=user, lesson=lesson, now=now)
    if progress.completed_at is not None:
        return progress
    missing = unmet_requirements(user=user, lesson=lesson)
    if missing:
        raise LessonNotReady(" ".join(missing))
    _add_time(progress, now, ACTION_CAP)
    progress.completed_at = now
    progress.save(update_fields=["completed_at", "last_seen_at", "seconds_spent"])
    Enrolment.objects.filter(user=user, course_key=progress.course_key).update(last_activity_at=now)
    signals.lesson_completed.send(sender=LessonPage, user=user, lesson=lesson)
    _update_course_completion(user=user, course=_course_of(lesson), now=now)
    return progress


def _update_course_completion(*, user, course, now: datetime) -> None:
    required = set(
        LessonPage.objects.live().child_of(course).filter(required=True)
        .values_list("translation_key", flat=True)
    )
    done = set(
        LessonProgress.objects.filter(
            user=user, lesson_key__in=required, completed_at__isnull=False
        ).values_list("lesson_key", flat=True)
    )
    if required - done:
        return
    updated = Enrolment.objects.filter(
        user=user, course_key=course.translation_key, completed_at__isnull=True
    ).update(completed_at=now)
    if updated:
        signals.course_completed.send(sender=CoursePage, user=user, course=course.specific)


@dataclass(frozen=True)
class QuizOutcome:
    attempt: QuizAttempt
    first_pass: bool
    lesson_completed: bool
    answers_hidden: bool = False


def _parse_choices(raw: Sequence[str], answer_count: int) -> list[int]:
    choices = []
    for item in raw:
        try:
            index = int(item)
        except (TypeError, ValueError):
            raise InvalidQuizAnswer(_("One of your answers is not one of the choices.")) from None
        if not 0 <= index < answer_count:
            raise InvalidQuizAnswer(_("One of your answers is not one of the choices."))
        choices.append(index)
    return sorted(set(choices))


def score_quiz(*, quiz: Mapping, answers: Mapping[str, Sequence[str]]) -> tuple[dict, int, int]:
    """Check answers (question index -> chosen answer indexes) against a quiz block's value.

    A question scores a point only when exactly the correct answers are chosen.
    """
    questions = list(quiz["questions"])
    chosen_by_question: dict[str, list[int]] = {}
    score = 0
    for number, question in enumerate(questions):
        options = list(question["answers"])
        chosen = _parse_choices(answers.get(str(number), []), len(options))
        if not chosen:
            raise InvalidQuizAnswer(_("Please answer every question before you send the quiz."))
        if question["kind"] in ("single", "true_false") and len(chosen) > 1:
            raise InvalidQuizAnswer(_("Choose only one answer for this kind of question."))
        correct = [index for index, option in enumerate(options) if option["correct"]]
        if chosen == correct:
            score += 1
        chosen_by_question[str(number)] = chosen
    unknown = set(answers) - set(chosen_by_question)
    if unknown:
        raise InvalidQuizAnswer(_("The quiz you answered has changed. Please answer it again."))
    return chosen_by_question, score, len(questions)


@transaction.atomic
def submit_quiz(
    *, user, lesson: LessonPage, quiz_id: str, token: UUID,
    answers: Mapping[str, Sequence[str]], now: datetime | None = None,
) -> QuizOutcome:
    """Score a quiz attempt on the server and keep the learner's best result.

    The same token sent twice returns the first attempt: a double click or a retry after a
    dropped connection records nothing new.
    """
    now = now or timezone.now()
    existing = QuizAttempt.objects.filter(user=user, token=token).first()
    if existing is not None:
        if existing.lesson_key != lesson.translation_key or existing.quiz_id != quiz_id:
            raise InvalidQuizAnswer(_("This answer sheet belongs to another quiz. Please reload the page."))
        return QuizOutcome(attempt=existing, first_pass=False, lesson_completed=False)
    quiz = next((block for block in lesson.quiz_blocks() if block.id == quiz_id), None)
    if quiz is None:
        raise InvalidQuizAnswer(_("This quiz is no longer part of the lesson. Please reload the page."))
    chosen, score, max_score = score_quiz(quiz=quiz.value, answers=answers)
    percent = round(100 * score / max_score)
    passed = percent >= quiz.value["pass_mark"]
    # The progress row is locked first, so two answer sheets sent at once are counted in turn.
    progress = _progress_for_update(user=user, lesson=lesson, now=now)
    rules = CoursePage.quiz_rules(progress.course_key)
    if rules.attempts_per_day:
        recent = list(QuizAttempt.objects.filter(
            user=user, lesson_key=lesson.translation_key, quiz_id=quiz_id,
            created_at__gt=now - QUIZ_TRY_WINDOW,
        ).order_by("created_at").values_list("created_at", flat=True))
        if len(recent) >= rules.attempts_per_day:
            raise QuizTriesUsed(quiz_tries_used_message(
                limit=rules.attempts_per_day,
                retry_at=recent[-rules.attempts_per_day] + QUIZ_TRY_WINDOW, now=now,
            ))
    _add_time(progress, now, ACTION_CAP)
    progress.save(update_fields=["last_seen_at", "seconds_spent"])
    attempt = QuizAttempt.objects.create(
        user=user, token=token, lesson_key=lesson.translation_key, quiz_id=quiz_id,
        answers=chosen, score=score, max_score=max_score, percent=percent, passed=passed,
    )
    result = QuizResult.objects.select_for_update().filter(
        user=user, lesson_key=lesson.translation_key, quiz_id=quiz_id
    ).first()
    first_pass = False
    if result is None:
        result = QuizResult.objects.create(
            user=user, lesson_key=lesson.translation_key, course_key=progress.course_key,
            quiz_id=quiz_id, best_percent=percent, attempts=1, passed_at=now if passed else None,
        )
        first_pass = passed
    else:
        result.attempts += 1
        result.best_percent = max(result.best_percent, percent)
        if passed and result.passed_at is None:
            result.passed_at = now
            first_pass = True
        result.save(update_fields=["attempts", "best_percent", "passed_at"])
    if first_pass:
        signals.quiz_passed.send(
            sender=LessonPage, user=user, lesson=lesson, quiz_id=quiz_id, percent=percent
        )
    lesson_completed = False
    if passed and progress.completed_at is None and not unmet_requirements(user=user, lesson=lesson):
        complete_lesson(user=user, lesson=lesson, now=now)
        lesson_completed = True
    return QuizOutcome(
        attempt=attempt, first_pass=first_pass, lesson_completed=lesson_completed,
        answers_hidden=rules.answers_after_pass and result.passed_at is None,
    )
