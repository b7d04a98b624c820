"""Reads for learning pages, "continue where you left off" and My learning; facilitator reports
(courses.reports), quizzes as shown (courses.quizviews), other apps' reads (courses.lookups) and pages by
key (courses.locales) are re-exported.

Query counts do not grow with the number of lessons or learners: each reader fetches pages,
progress and results in a fixed number of queries and joins them in Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from cms import rawsql, structure
from cms.requestids import parse_id
from courses.locales import active_locale_id, forget_locales, localized_by_key  # noqa: F401
from courses.lookups import (  # noqa: F401  (courses.selectors.<name> still works)
    all_live,
    completed_course_keys,
    completions_by_home_center,
    course_pages_by_key,
    lesson_by_key,
    live_courses,
    with_course_titles,
)
from courses.models import (
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    QuizAttempt,
    QuizResult,
    QuizRules,
)
from courses.quizviews import AnswerView, QuestionView, QuizView, quiz_view  # noqa: F401
from courses.reports import CourseReport, LearnerRow, center_course_report  # noqa: F401
from courses.services import QUIZ_TRY_WINDOW


@dataclass
class LessonStatus:
    page: LessonPage
    started: bool = False
    completed: bool = False


@dataclass
class CourseOutline:
    lessons: list[LessonStatus]
    enrolled: bool
    completed_at: datetime | None
    done: int
    total: int
    next_lesson: LessonPage | None
    missing_prerequisites: list[CoursePage] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def lesson_count(self) -> int:
        """Every lesson the page lists (optional ones too): the number the course card shows."""
        return len(self.lessons)


def _lesson_statuses(user, lessons: list[LessonPage]) -> list[LessonStatus]:
    return _learner_state(user, lessons)[0]


@lru_cache(maxsize=64)
def _learner_state_sql(lessons: int, with_results: bool) -> str:
    """_learner_state's SQL for this many lessons, with or without one lesson's quiz results: built once
    per shape (a course has a handful of lessons), not on every page."""
    lp, qr = LessonProgress, QuizResult
    parts = []
    if lessons:
        parts.append(
            f"SELECT NULL, {rawsql.column(lp, 'lesson_key')}, {rawsql.column(lp, 'completed_at')}, NULL, NULL, NULL"
            f" FROM {rawsql.table(lp)} WHERE {rawsql.column(lp, 'user')} = %s"
            f" AND {rawsql.column(lp, 'lesson_key')} IN ({', '.join(['%s'] * lessons)})")
    if with_results:
        parts.append(
            f"SELECT {rawsql.column(qr, 'quiz_id')}, NULL, {rawsql.column(qr, 'passed_at')}, {rawsql.column(qr, 'id')},"
            f" {rawsql.column(qr, 'best_percent')}, {rawsql.column(qr, 'attempts')} FROM {rawsql.table(qr)}"
            f" WHERE {rawsql.column(qr, 'user')} = %s AND {rawsql.column(qr, 'lesson_key')} = %s")
    return " UNION ALL ".join(parts)


def _learner_state(user, lessons: list[LessonPage], results_on: UUID | None = None
                   ) -> tuple[list[LessonStatus], dict[str, QuizResult]]:
    """Her progress on these lessons and, given a lesson key, her quiz results there: one query.

    Hand-written (a UNION ALL of the two tables): the lesson page reads both on every view, and
    building the two ORM queries cost more than running them (0.9 ms against 0.25 ms).
    """
    statuses = [LessonStatus(page=lesson) for lesson in lessons]
    results: dict[str, QuizResult] = {}
    if not user.is_authenticated or not (lessons or results_on):
        return statuses, results
    params: list = []
    if lessons:
        params += [user.pk, *(rawsql.prep(LessonProgress, "lesson_key", lesson.translation_key) for lesson in lessons)]
    if results_on:
        params += [user.pk, rawsql.prep(QuizResult, "lesson_key", results_on)]
    completed: dict[UUID, bool] = {}
    rows = rawsql.fetch(_learner_state_sql(len(lessons), bool(results_on)), params)
    for quiz_id, lesson_key, done_at, pk, best_percent, attempts in rows:
        if quiz_id is None:
            completed[rawsql.value(LessonProgress, "lesson_key", lesson_key)] = done_at is not None
        else:
            # Only the fields the quiz box shows; the others stay deferred (read on access).
            results[quiz_id] = QuizResult.from_db(
                rawsql.alias(), ["id", "user_id", "lesson_key", "quiz_id", "best_percent", "attempts", "passed_at"],
                [pk, user.pk, results_on, quiz_id, best_percent, attempts,
                 rawsql.value(QuizResult, "passed_at", done_at)])
    for status in statuses:
        key = status.page.translation_key
        status.started = key in completed
        status.completed = completed.get(key, False)
    return statuses, results


def counted_lessons():
    """The lessons a course lists and counts, for the home card, the course list and the course page
    alike: live lessons only (a draft or unpublished lesson is not counted), each course with the
    lessons under it in its own language tree (a lesson that exists in English only is counted on
    the English course, not the Khmer one), optional lessons included. Progress ("2 of 3 lessons
    done") counts the required ones among these. Only the columns the lists show are loaded."""
    return LessonPage.objects.live().only(*_LESSON_FIELDS).order_by("path")


def course_outline(*, user, course: CoursePage, request=None) -> CourseOutline:
    # The lesson list is structure (cms.structure): remembered until a page changes.
    lessons = structure.remembered(request, "lessons", course.pk, lambda: list(counted_lessons().child_of(course)))
    statuses = _lesson_statuses(user, lessons)
    enrolment = None
    missing: list[CoursePage] = []
    if user.is_authenticated:
        enrolment = Enrolment.objects.filter(user=user, course_key=course.translation_key).first()
        prerequisites = structure.remembered(request, "prerequisites", course.pk,
                                             lambda: list(course.prerequisites.live()))
        if prerequisites:
            finished = set(
                Enrolment.objects.filter(
                    user=user, completed_at__isnull=False,
                    course_key__in=[p.translation_key for p in prerequisites],
                ).values_list("course_key", flat=True)
            )
            missing = [p for p in prerequisites if p.translation_key not in finished]
    required = [s for s in statuses if s.page.required]
    next_lesson = next((s.page for s in statuses if not s.completed), None)
    return CourseOutline(
        lessons=statuses,
        enrolled=enrolment is not None,
        completed_at=enrolment.completed_at if enrolment else None,
        done=sum(1 for s in required if s.completed),
        total=len(required),
        next_lesson=next_lesson,
        missing_prerequisites=missing,
    )


@dataclass
class CourseCard:
    page: CoursePage
    lessons: list[LessonStatus]
    enrolled: bool = False
    completed: bool = False

    @property
    def required(self) -> list[LessonStatus]:
        return [lesson for lesson in self.lessons if lesson.page.required]

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def lesson_count(self) -> int:
        """Every lesson the course page lists (optional ones too), as `CourseOutline.lesson_count`."""
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.required if lesson.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


_LESSON_FIELDS = ("id", "title", "slug", "path", "depth", "url_path", "translation_key", "locale_id",
                  "live", "required", "estimated_minutes", "content_type_id")


def course_cards(*, user, index: CourseIndexPage | None = None) -> list[CourseCard]:
    """Every live course (under one index page, or in the active language) with the learner's progress.

    Four queries whatever the number of courses and lessons.
    """
    courses = CoursePage.objects.live().select_related("cover_image").order_by("path")
    lessons = counted_lessons()
    if index is not None:
        courses = courses.child_of(index)
        lessons = lessons.descendant_of(index)
    else:
        courses = courses.filter(locale_id=active_locale_id())
        lessons = lessons.filter(locale_id=active_locale_id())
    courses = list(courses)
    if not courses:
        return []
    by_course: dict[str, list[LessonStatus]] = defaultdict(list)
    for lesson in lessons:
        by_course[lesson.path[: -LessonPage.steplen]].append(LessonStatus(page=lesson))
    cards = [CourseCard(page=c, lessons=by_course[c.path]) for c in courses]
    if user.is_authenticated:
        keys = [c.translation_key for c in courses]
        enrolments = {e.course_key: e for e in Enrolment.objects.filter(user=user, course_key__in=keys)}
        progress = {
            row["lesson_key"]: row["completed_at"]
            for row in LessonProgress.objects.filter(user=user, course_key__in=list(enrolments))
            .values("lesson_key", "completed_at")
        } if enrolments else {}
        for card in cards:
            enrolment = enrolments.get(card.page.translation_key)
            if enrolment:
                card.enrolled = True
                card.completed = enrolment.completed_at is not None
            for status in card.lessons:
                key = status.page.translation_key
                status.started = key in progress
                status.completed = progress.get(key) is not None
    return cards


# Lesson blocks rendered for each request: they show the learner's own state.
LIVE_BLOCKS = frozenset({"quiz", "h5p", "scorm", "cmi5"})


def lesson_context(*, user, lesson: LessonPage, request, progress: LessonProgress | None = None) -> dict:
    course = lesson.get_parent()
    siblings = structure.remembered(request, "lessons", course.pk, lambda: list(counted_lessons().child_of(course)))
    has_quiz = bool(lesson.quiz_blocks())
    statuses, results = _learner_state(user, siblings, lesson.translation_key if has_quiz else None)
    position = next((i for i, s in enumerate(statuses) if s.page.pk == lesson.pk), 0)
    feedback = None
    rules = QuizRules()
    recent_tries: dict[str, list[datetime]] = defaultdict(list)
    now = timezone.now()
    if user.is_authenticated and has_quiz:
        rules = structure.remembered(request, "quiz_rules", course.translation_key,
                                     lambda: CoursePage.quiz_rules(course.translation_key))
        if rules.attempts_per_day:
            for quiz_id, created_at in QuizAttempt.objects.filter(
                user=user, lesson_key=lesson.translation_key, created_at__gt=now - QUIZ_TRY_WINDOW,
            ).values_list("quiz_id", "created_at"):
                recent_tries[quiz_id].append(created_at)
        attempt_id = parse_id(request.GET.get("attempt"))
        if attempt_id:
            # Only the learner's own attempt: another learner's id shows nothing.
            feedback = QuizAttempt.objects.filter(
                pk=attempt_id, user=user, lesson_key=lesson.translation_key
            ).first()
    language, signed_in = get_language() or "", bool(user.is_authenticated)
    # The lesson's own content is the same for every learner: rendered once per revision, language
    # and block, and kept with the page structure (cms.structure: a publish, any page, image or
    # restriction change, or a minute, drops it). What depends on the learner stays live: her quiz
    # state, and the H5P, SCORM and cmi5 blocks (their player settings carry her progress).
    revision = (lesson.pk, lesson.live_revision_id, language)
    # A preview (a draft, an old revision) has the live page's id and revision but other content:
    # rendered each time and never kept, so it can never be shown as the live lesson.
    keep = lesson.live and not getattr(request, "is_preview", False)

    def kept(name, key, render):
        return structure.remembered(request, name, key, render) if keep else render()

    body = []
    for block in lesson.body:
        item = {"block": block, "quiz": None, "html": None}
        if block.block_type == "quiz":
            quiz_feedback = feedback if feedback and feedback.quiz_id == block.id else None
            item["quiz"] = quiz = quiz_view(block, results.get(block.id), quiz_feedback, rules=rules,
                                            recent_tries=recent_tries.get(block.id), now=now)
            if quiz_feedback is None:  # nothing chosen or marked: the questions are everyone's
                quiz.questions_html = kept(
                    "quiz_questions", (*revision, block.id, signed_in),
                    lambda quiz=quiz: render_to_string("courses/includes/quiz_questions.html",
                                                       {"quiz": quiz, "signed_in": signed_in}))
        elif block.block_type not in LIVE_BLOCKS:
            item["html"] = kept("block", (*revision, block.id), lambda block=block: block.render())
        body.append(item)
    completed = bool(statuses and statuses[position].completed)
    return {
        "course": course,
        "lessons": statuses,
        "position": position + 1,
        "previous_lesson": statuses[position - 1].page if position > 0 else None,
        "next_lesson": statuses[position + 1].page if position + 1 < len(statuses) else None,
        "body": body,
        "quizzes_pending": [item["quiz"] for item in body if item["quiz"] and not item["quiz"].passed],
        "lesson_completed": completed,
    }


@dataclass
class ContinuePoint:
    course: CoursePage
    lesson: LessonPage
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _latest_unfinished_progress(user) -> LessonProgress | None:
    return (
        LessonProgress.objects.filter(user=user)
        .exclude(course_key__in=Enrolment.objects.filter(user=user, completed_at__isnull=False).values("course_key"))
        .order_by("-last_seen_at")
        .first()
    )


def _resume_point(card: CourseCard, lesson_key: UUID) -> ContinuePoint | None:
    if not card.lessons:
        return None
    last = next((s for s in card.lessons if s.page.translation_key == lesson_key), None)
    resume = last
    if last is None or last.completed:
        resume = next((s for s in card.lessons if not s.completed), last or card.lessons[0])
    return ContinuePoint(course=card.page, lesson=resume.page, done=card.done, total=card.total)


def continue_learning(*, user, cards: list[CourseCard] | None = None) -> ContinuePoint | None:
    """Where the learner left off: the lesson they last opened, or the next one if it is done.

    Pass the course cards already loaded for the page to save their queries.
    """
    if not user.is_authenticated:
        return None
    recent = _latest_unfinished_progress(user)
    if recent is None:
        return None
    card = next((c for c in cards or [] if c.page.translation_key == recent.course_key), None)
    if card is None:
        course = localized_by_key(CoursePage, [recent.course_key]).get(recent.course_key)
        if course is None:
            return None
        card = next(
            (c for c in course_cards(user=user, index=course.get_parent()) if c.page.pk == course.pk), None
        )
        if card is None:
            return None
    return _resume_point(card, recent.lesson_key)


def my_learning(*, user) -> list[CourseCard]:
    enrolled_keys = list(
        Enrolment.objects.filter(user=user).order_by("-last_activity_at").values_list("course_key", flat=True)
    )
    cards = {card.page.translation_key: card for card in course_cards(user=user)}
    # Courses enrolled in another language still show, in that language.
    missing = [key for key in enrolled_keys if key not in cards]
    if missing:
        for page in localized_by_key(CoursePage, missing).values():
            for card in course_cards(user=user, index=page.get_parent()):
                cards.setdefault(card.page.translation_key, card)
    return [cards[key] for key in enrolled_keys if key in cards]


def home_context(*, user, home) -> dict:
    """The home page's course cards and where to continue (added to the home page by CoursesConfig)."""
    cards = course_cards(user=user)
    return {
        "continue_point": continue_learning(user=user, cards=cards),
        "course_cards": cards,
    }
