"""Gamification: events, point rules, the points ledger and its running totals, levels, badges and
their Open Badges assertions.

Writes go through games.services; reads through games.selectors. Other apps never touch these
models: they send their own signals (games.receivers listens) or call games.services.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from courses.selectors import all_live

MAX_RULE_POINTS = 1000


class EventKind(models.TextChoices):
    LESSON_COMPLETED = "lesson_completed", _("lesson completed")
    COURSE_COMPLETED = "course_completed", _("course completed")
    QUIZ_PASSED = "quiz_passed", _("quiz passed")
    H5P_SCORED = "h5p_scored", _("interactive activity scored")
    SESSION_ATTENDED = "session_attended", _("session attended")
    SESSION_FACILITATED = "session_facilitated", _("session facilitated")
    MINECRAFT_BUILD_SUBMITTED = "minecraft_build_submitted", _("Minecraft build submitted")
    HERCITY_STEP_CONTRIBUTED = "hercity_step_contributed", _("Her City step contributed")
    PROPOSAL_SUBMITTED = "proposal_submitted", _("proposal submitted")
    PROPOSAL_SUPPORTED = "proposal_supported", _("proposal supported")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("proposal accepted by the city")


class Rule(models.Model):
    """How many points one event of a kind is worth. Edited by staff in the Wagtail admin."""

    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    points = models.PositiveSmallIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(MAX_RULE_POINTS)],
        help_text=_("Between 1 and %(max)s points.") % {"max": MAX_RULE_POINTS},
    )
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("note for staff"), max_length=200, blank=True)

    panels = [FieldPanel("kind"), FieldPanel("points"), FieldPanel("active"), FieldPanel("description")]

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1, points__lte=MAX_RULE_POINTS), name="rule_points_sane"),
            models.UniqueConstraint(fields=["kind"], condition=Q(active=True), name="one_active_rule_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.points}"

    def clean(self):
        if self.active and Rule.objects.filter(kind=self.kind, active=True).exclude(pk=self.pk).exists():
            raise ValidationError({"kind": _("There is already an active rule for this event.")})


class Event(models.Model):
    """One thing a person did, once per (person, kind, source). Revoked when its source goes away."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="game_events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    source = models.CharField(max_length=200)
    course_key = models.UUIDField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "source"], name="event_once_per_source")]
        indexes = [models.Index(fields=["user", "kind"], name="event_user_kind")]

    def __str__(self):
        return f"{self.kind} {self.source}"


class Award(models.Model):
    """A ledger row: points a rule gave for one source. The unique constraint makes awarding idempotent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="awards",
                             db_index=False)  # the unique (user, rule, source) index serves lookups
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="awards")
    source = models.CharField(max_length=200)
    points = models.PositiveSmallIntegerField()
    course_key = models.UUIDField(null=True, blank=True)
    week = models.DateField()
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "rule", "source"], name="award_once_per_source")]

    def __str__(self):
        return f"{self.points} for {self.source}"


class Score(models.Model):
    """Running totals for one person, so reading points and ranks never sums the ledger."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="score")
    points = models.PositiveIntegerField(default=0)
    center = models.ForeignKey("labs.Center", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               db_index=False)  # score_center_rank starts with it
    last_active_week = models.DateField(null=True, blank=True)
    streak_weeks = models.PositiveSmallIntegerField(default=0)
    best_streak_weeks = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["-points", "user"], name="score_rank"),
            models.Index(fields=["center", "-points", "user"], name="score_center_rank"),
        ]

    def __str__(self):
        return str(self.points)


class WeeklyScore(models.Model):
    """Points per person per week (weeks start on Monday), for this week's leaderboards."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    center = models.ForeignKey("labs.Center", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    points = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="weekly_score_once")]
        indexes = [
            models.Index(fields=["week", "-points", "user"], name="weekly_rank"),
            models.Index(fields=["week", "center", "-points", "user"], name="weekly_center_rank"),
        ]

    def __str__(self):
        return f"{self.week}: {self.points}"


class CourseScore(models.Model):
    """Points per person per course (keyed by the course's translation_key), for course leaderboards."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_key = models.UUIDField()
    week = models.DateField()
    points = models.PositiveIntegerField(default=0)
    week_points = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course_key"], name="course_score_once")]
        indexes = [
            models.Index(fields=["course_key", "-points", "user"], name="course_rank"),
            models.Index(fields=["course_key", "week", "-week_points", "user"], name="course_week_rank"),
        ]

    def __str__(self):
        return f"{self.course_key}: {self.points}"


class LeaderboardChoice(models.TextChoices):
    HIDDEN = "hidden", _("Do not show me on leaderboards")
    NICKNAME = "nickname", _("Show my nickname")
    NAME = "name", _("Show my full name")


class Preferences(models.Model):
    """How a person appears on leaderboards. Without a row: by nickname (adults) or not at all (minors
    without guardian consent)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="game_preferences")
    leaderboard = models.CharField(_("on leaderboards"), max_length=10, choices=LeaderboardChoice.choices,
                                   default=LeaderboardChoice.NICKNAME)

    def __str__(self):
        return self.leaderboard


class GameLevel(models.Model):
    """A named level reached at a number of points; names in English and Khmer."""

    min_points = models.PositiveIntegerField(_("points needed"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=60)
    name_km = models.CharField(_("name (Khmer)"), max_length=60)

    panels = [FieldPanel("min_points"), FieldPanel("name_en"), FieldPanel("name_km")]

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["min_points"]

    def __str__(self):
        return f"{self.name_en} ({self.min_points})"

    @property
    def name(self):
        return self.name_km if (get_language() or "").startswith("km") and self.name_km else self.name_en


class Criterion(models.TextChoices):
    EVENT_COUNT = "event_count", _("a number of events of one kind")
    COURSE = "course", _("one course completed")
    COURSES = "courses", _("every course in a set completed")
    POINTS = "points", _("points reached")
    AWARDED = "awarded", _("given by staff or by a programme step (for example certification)")


class BadgeDefinition(ClusterableModel):
    """A badge people can earn. Its public face is an Open Badges 2.0 BadgeClass."""

    slug = models.SlugField(_("short name in links"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_km = models.CharField(_("name (Khmer)"), max_length=80, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=500)
    description_km = models.TextField(_("description (Khmer)"), max_length=500, blank=True)
    criteria_en = models.TextField(_("how to earn it (English)"), max_length=500, blank=True)
    level = models.PositiveSmallIntegerField(_("badge level"), default=1,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    color = models.CharField(_("colour"), max_length=7, default="#1f6f5c",
                             help_text=_("Background colour of the badge image, like #1f6f5c."))
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("art"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              help_text=_("Optional picture drawn in the middle of the badge."))
    criterion = models.CharField(_("earned by"), max_length=20, choices=Criterion.choices)
    event_kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices, blank=True)
    count = models.PositiveIntegerField(_("how many"), null=True, blank=True,
                                        validators=[MinValueValidator(1), MaxValueValidator(10000)])
    points = models.PositiveIntegerField(_("points"), null=True, blank=True,
                                         validators=[MinValueValidator(1), MaxValueValidator(10_000_000)])
    course = models.ForeignKey("courses.CoursePage", verbose_name=_("course"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    courses = ParentalManyToManyField("courses.CoursePage", verbose_name=_("courses"), blank=True, related_name="+")
    active = models.BooleanField(_("can be earned"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        MultiFieldPanel([FieldPanel("name_en"), FieldPanel("name_km"), FieldPanel("slug")], heading=_("Name")),
        FieldPanel("description_en"), FieldPanel("description_km"), FieldPanel("criteria_en"),
        MultiFieldPanel([FieldPanel("level"), FieldPanel("color"), FieldPanel("image")], heading=_("Picture")),
        MultiFieldPanel([FieldPanel("criterion"), FieldPanel("event_kind"), FieldPanel("count"),
                         FieldPanel("course"), FieldPanel("courses"), FieldPanel("points")],
                        heading=_("How it is earned")),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["level", "name_en"]

    @property
    def name(self):
        return self.name_km if (get_language() or "").startswith("km") and self.name_km else self.name_en

    @property
    def description(self):
        km = (get_language() or "").startswith("km")
        return self.description_km if km and self.description_km else self.description_en

    def clean(self):
        validate_badge_criteria(self)

    def __str__(self):
        return self.name_en


def validate_badge_criteria(definition: BadgeDefinition) -> None:
    """Reject criteria that cannot be met, with a message naming the field to fix (BadgeDefinition.clean;
    here, next to the model it checks, so the model needs no import of games.services)."""
    c = definition.criterion
    if c == Criterion.EVENT_COUNT:
        errors = {}
        if not definition.event_kind:
            errors["event_kind"] = gettext("Choose which event counts.")
        if not definition.count:
            errors["count"] = gettext("Say how many events are needed.")
        if errors:
            raise ValidationError(errors)
    elif c == Criterion.POINTS and not definition.points:
        raise ValidationError({"points": gettext("Say how many points are needed.")})
    elif c == Criterion.COURSES:
        chosen = [course.pk for course in definition.courses.all()]
        if not chosen:
            raise ValidationError({"courses": gettext("Choose at least one course.")})
        if not all_live(chosen):
            raise ValidationError({"courses": gettext("One of these courses is deleted or not published.")})
    elif c == Criterion.COURSE:
        if definition.course_id is None:
            raise ValidationError({"course": gettext("Choose the course.")})
        if not all_live([definition.course_id]):
            raise ValidationError({"course": gettext("This course is deleted or not published.")})


class BadgeAward(models.Model):
    """A badge earned by one person: an Open Badges 2.0 Assertion, hosted at a URL built from `uid`."""

    # Listed in the admin, but nothing references it: skip Wagtail's reference index on every award.
    wagtail_reference_index_ignore = True

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards")
    badge = models.ForeignKey(BadgeDefinition, on_delete=models.PROTECT, related_name="awards")
    issued_at = models.DateTimeField()
    salt = models.CharField(max_length=32)
    recipient_hash = models.CharField(max_length=80)
    recipient_type = models.CharField(max_length=12)
    # For recipient_type "url": the private link hashed into the assertion, shown only to its owner.
    recipient_link = models.CharField(max_length=200, blank=True, editable=False)
    evidence = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(_("reason revoked"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("badge given")
        verbose_name_plural = _("badges given")
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="badge_once_per_person")]

    def __str__(self):
        return f"{self.badge} → {self.user}"
