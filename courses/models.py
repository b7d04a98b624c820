"""Curriculum pages (course index, course, lesson) and each learner's enrolment and progress.

Progress is keyed by Wagtail's translation_key, so a learner who switches between English and
Khmer keeps one record per course and lesson.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.models import Page
from wagtail.search import index

from cms import structure
from cms.pages import SangkatPageMixin
from courses.blocks import LessonStreamBlock


class CourseIndexPage(SangkatPageMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course list")

    def get_context(self, request, *args, **kwargs):
        # Here, not at the top: courses.selectors imports these models (a models module loads before anything that uses it).
        from courses.selectors import course_cards

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = course_cards(user=request.user, index=self)
        return context


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


@dataclass(frozen=True)
class QuizRules:
    attempts_per_day: int | None = None
    answers_after_pass: bool = False


class CoursePage(SangkatPageMixin, Page):
    summary = models.TextField(_("summary"), max_length=500)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER)
    estimated_minutes = models.PositiveIntegerField(_("estimated time (minutes)"), default=60)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("cover image"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage", verbose_name=_("recommended first"), blank=True,
        related_name="+",
    )
    # A course that certifies someone (ambassador training) must not be passable by guessing:
    # few tries a day, and which answers were right is shown only once she has passed.
    quiz_attempts_per_day = models.PositiveSmallIntegerField(
        _("quiz tries per day"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many times a learner may send each quiz of this course in 24 hours. "
                    "Leave empty for no limit."),
    )
    quiz_answers_after_pass = models.BooleanField(
        _("show right answers only after passing"), default=False,
        help_text=_("After each try the learner sees only her score; which questions were right, "
                    "and the feedback of each answer, are shown once she has passed."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("level"),
        FieldPanel("estimated_minutes"),
        FieldPanel("cover_image"),
        FieldPanel("prerequisites"),
        MultiFieldPanel(
            [FieldPanel("quiz_attempts_per_day"), FieldPanel("quiz_answers_after_pass")],
            heading=_("Quizzes"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    @classmethod
    def quiz_rules(cls, course_key) -> "QuizRules":
        """The quiz rules of a course, the strictest over its translations.

        Attempts are counted per lesson across languages, so a laxer Khmer or English copy
        must not open a way around the limit.
        """
        rows = list(cls.objects.filter(translation_key=course_key).values_list(
            "quiz_attempts_per_day", "quiz_answers_after_pass"
        ))
        limits = [limit for limit, _hide in rows if limit]
        return QuizRules(
            attempts_per_day=min(limits) if limits else None,
            answers_after_pass=any(hide for _limit, hide in rows),
        )

    def get_context(self, request, *args, **kwargs):
        # Here, not at the top: courses.selectors imports these models (a models module loads before anything that uses it).
        from courses.selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = outline = course_outline(user=request.user, course=self, request=request)
        image = self.cover_image
        if image is not None:
            # Wagtail reads the rendition from the cache and writes it back on every view: kept with
            # the page structure instead (an image saved or deleted starts a new generation).
            context["cover_html"] = structure.remembered(
                request, "cover", (self.pk, image.pk, image.file.name),
                lambda: get_rendition_or_not_found(image, "fill-960x360").img_tag({"alt": "", "class": "cover"}))
        # What "Save for offline" keeps: this page and its lessons (cms/offline.js adds their files).
        if request.user.is_authenticated:
            context["offline_pages"] = [self.get_url(request), *(item.page.get_url(request) for item in outline.lessons)]
        return context


class LessonPage(SangkatPageMixin, Page):
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated time (minutes)"), default=10)
    required = models.BooleanField(
        _("required for course completion"), default=True,
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("lesson content"))

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("required"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def quiz_blocks(self):
        return [block for block in self.body if block.block_type == "quiz"]

    def h5p_blocks(self):
        return [block for block in self.body if block.block_type == "h5p"]

    def activity_blocks(self):
        """H5P and SCORM blocks: played in a sandbox, done by the xAPI statements they lead to."""
        return [block for block in self.body if block.block_type in ("h5p", "scorm")]

    def serve(self, request, *args, **kwargs):
        # Here, not at the top: courses.services imports these models (a models module loads before anything that uses it).
        from courses.services import record_lesson_visit

        # "Save for offline" (cms/offline.js) fetches every lesson of a course: that is not a visit.
        saving = request.headers.get("X-Sangkat-Save") == "1"
        if request.user.is_authenticated and request.method == "GET" and not saving:
            record_lesson_visit(user=request.user, lesson=self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        # Here, not at the top: courses.selectors imports these models (a models module loads before anything that uses it).
        from courses.selectors import lesson_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_context(user=request.user, lesson=self, request=request))
        return context


class Enrolment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course_key = models.UUIDField(_("course"), db_index=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="one_enrolment_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course_key}"


class LessonProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson_key = models.UUIDField()
    course_key = models.UUIDField(db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key"], name="one_progress_per_lesson")
        ]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="progress_recent")]

    def __str__(self) -> str:
        return f"{self.user} on {self.lesson_key}"


class QuizAttempt(models.Model):
    """One submission of a quiz. The token makes a re-sent form (double click, retry) a no-op."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    token = models.UUIDField(default=uuid.uuid4)
    lesson_key = models.UUIDField()
    quiz_id = models.CharField(max_length=64)
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()
    percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="one_attempt_per_token"),
            models.CheckConstraint(condition=models.Q(score__lte=models.F("max_score")), name="attempt_score_within_max"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="attempt_percent_max_100"),
        ]
        indexes = [models.Index(fields=["user", "lesson_key", "quiz_id"], name="attempt_lookup")]

    def __str__(self) -> str:
        return f"{self.user}: {self.score}/{self.max_score}"


class QuizResult(models.Model):
    """The best result a learner has reached on one quiz (kept so reports read one row)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_results")
    lesson_key = models.UUIDField()
    course_key = models.UUIDField(db_index=True)
    quiz_id = models.CharField(max_length=64)
    best_percent = models.PositiveSmallIntegerField()
    attempts = models.PositiveIntegerField(default=1)
    passed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quiz result")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key", "quiz_id"], name="one_result_per_quiz"),
            models.CheckConstraint(condition=models.Q(best_percent__lte=100), name="result_percent_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: best {self.best_percent}%"
