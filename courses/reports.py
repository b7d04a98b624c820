"""Facilitator reports on courses: each learner of a center in a course (re-exported by courses.selectors)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum

from cms.selectors import centers_for
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress, QuizResult


@dataclass
class LearnerRow:
    learner: object
    enrolled_at: datetime
    completed_at: datetime | None
    lessons_done: int
    lessons_total: int
    seconds_spent: int
    quiz_percents: dict[str, int | None]


@dataclass
class CourseReport:
    center: object
    course: CoursePage
    quizzes: list[tuple[str, str]]  # (quiz id, "Lesson: quiz title")
    rows: list[LearnerRow]


def center_course_report(*, viewer, center_id: int, course: CoursePage,
                         learner_ids: Iterable[int] | None = None) -> CourseReport:
    """Each learner of a center enrolled in a course: lessons, time, best quiz scores.

    `learner_ids` narrows it to some of them (a class of labs.classes).

    Raises PermissionDenied when the viewer does not facilitate that center, so a forged
    center id shows nothing.
    """
    center = centers_for(viewer).filter(pk=center_id).first()
    if center is None:
        raise PermissionDenied
    lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
    required_keys = [lesson.translation_key for lesson in lessons if lesson.required]
    quizzes = [
        (block.id, f"{lesson.title}: {block.value['title']}")
        for lesson in lessons for block in lesson.quiz_blocks()
    ]
    enrolments = Enrolment.objects.filter(course_key=course.translation_key, user__home_center=center)
    if learner_ids is not None:
        enrolments = enrolments.filter(user_id__in=list(learner_ids))
    enrolments = list(enrolments.select_related("user").order_by("user__nickname", "user__username"))
    user_ids = [e.user_id for e in enrolments]
    progress = {
        row["user_id"]: row
        for row in LessonProgress.objects.filter(user_id__in=user_ids, course_key=course.translation_key)
        .values("user_id")
        .annotate(
            done=Count("id", filter=Q(completed_at__isnull=False, lesson_key__in=required_keys)),
            seconds=Sum("seconds_spent"),
        )
    }
    best: dict[int, dict[str, int]] = defaultdict(dict)
    for result in QuizResult.objects.filter(user_id__in=user_ids, course_key=course.translation_key):
        best[result.user_id][result.quiz_id] = result.best_percent
    rows = [
        LearnerRow(
            learner=e.user,
            enrolled_at=e.enrolled_at,
            completed_at=e.completed_at,
            lessons_done=progress.get(e.user_id, {}).get("done", 0),
            lessons_total=len(required_keys),
            seconds_spent=progress.get(e.user_id, {}).get("seconds") or 0,
            quiz_percents={quiz_id: best[e.user_id].get(quiz_id) for quiz_id, _ in quizzes},
        )
        for e in enrolments
    ]
    return CourseReport(center=center, course=course, quizzes=quizzes, rows=rows)
