"""Personal data held by courses: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from cms.privacy import register_collector, rows
from courses.models import Enrolment, LessonProgress, QuizAttempt, QuizResult
from courses.selectors import with_course_titles


@register_collector("courses", label=gettext_lazy("courses, lesson progress and your quiz answers"), covers=[
    "courses.Enrolment.user", "courses.LessonProgress.user", "courses.QuizAttempt.user",
    "courses.QuizResult.user",
])
def collect_courses(user) -> dict:
    return {
        "enrolments": with_course_titles(rows(
            Enrolment.objects.filter(user=user).order_by("enrolled_at"),
            "course_key", "enrolled_at", "last_activity_at", "completed_at")),
        "lesson_progress": rows(
            LessonProgress.objects.filter(user=user).order_by("started_at"),
            "course_key", "lesson_key", "started_at", "last_seen_at", "completed_at", "seconds_spent"),
        "quiz_answers": rows(
            QuizAttempt.objects.filter(user=user).order_by("created_at"),
            "lesson_key", "quiz_id", "answers", "score", "max_score", "percent", "passed", "created_at"),
        "quiz_results": rows(
            QuizResult.objects.filter(user=user).order_by("pk"),
            "course_key", "lesson_key", "quiz_id", "best_percent", "attempts", "passed_at"),
    }
