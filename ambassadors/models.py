"""The Digital City Ambassador track: application, review, training, practice, certification."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrackSettings(models.Model):
    """How the track is configured (one row, edited by the Innovation Unit in the admin)."""

    practice_sessions_required = models.PositiveIntegerField(
        _("supervised sessions required"), default=2,
        help_text=_("How many sessions a trainee co-facilitates, each confirmed by the supervising facilitator."),
    )
    certification_valid_days = models.PositiveIntegerField(
        _("certification valid for (days)"), default=365,
        help_text=_("After this, a certification expires unless a refresher course is completed."),
    )
    expiry_warning_days = models.PositiveIntegerField(_("warn before expiry (days)"), default=30)

    class Meta:
        verbose_name = _("ambassador track settings")
        verbose_name_plural = _("ambassador track settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="track_settings_single_row")]

    def __str__(self) -> str:
        return str(_("Ambassador track settings"))

    @classmethod
    def current(cls) -> "TrackSettings":
        return cls.objects.get_or_create(pk=1)[0]


class CoursePurpose(models.TextChoices):
    TRAINING = "training", _("Required training")
    REFRESHER = "refresher", _("Refresher (renews a certification)")


class RequiredCourse(models.Model):
    """A course the track requires, chosen in the admin. Progress is read by its translation key."""

    course = models.ForeignKey("courses.CoursePage", verbose_name=_("course"), on_delete=models.CASCADE,
                               related_name="+")
    purpose = models.CharField(_("purpose"), max_length=10, choices=CoursePurpose.choices,
                               default=CoursePurpose.TRAINING)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required course")
        ordering = ["purpose", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "purpose"], name="required_course_once")]

    def __str__(self) -> str:
        return f"{self.course.title} ({self.get_purpose_display()})"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted: in training")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ambassador_applications")
    center = models.ForeignKey("labs.Center", verbose_name=_("center"), on_delete=models.PROTECT, related_name="+")
    motivation = models.TextField(_("why do you want to be an ambassador?"), max_length=2000)
    availability = models.CharField(_("when are you free?"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED)
    decline_reason = models.TextField(_("reason"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ambassador application")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status__in=["submitted", "accepted"]),
                                    name="one_open_application_per_person"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="declined_application_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class PracticeSession(models.Model):
    """A session a trainee co-facilitated; counts once the supervising facilitator confirms it."""

    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions")
    session = models.ForeignKey("labs.Session", on_delete=models.CASCADE, related_name="+")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("supervised practice session")
        constraints = [
            models.UniqueConstraint(fields=["trainee", "session"], name="practice_once_per_session"),
            models.CheckConstraint(condition=~Q(trainee=models.F("supervisor")), name="practice_not_self_confirmed"),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} @ {self.session}"


class Certification(models.Model):
    """A Digital City Ambassador certification. Valid until `expires_at` unless revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ambassador_certifications")
    number = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ambassador certification")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True),
                                    name="one_live_certification_per_person"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("issued_at")),
                                   name="certification_expires_after_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.issued_at:%Y-%m-%d})"

    def is_valid(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
