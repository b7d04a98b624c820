"""Installed cmi5 courses, each learner's registration at one lesson block, the AU sessions launched
in it (with their one-time fetch token) and what each AU has reached (completed, passed, satisfied)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.packages import InstalledPackage, PackageStatus


class Cmi5Course(InstalledPackage, models.Model):
    """An uploaded cmi5 course zip (cmi5.xml and its AUs' files), installed like an H5P activity."""

    Status = PackageStatus  # pending, installing, ready, failed: the same for the three kinds

    title = models.CharField(_("title"), max_length=255, blank=True)
    course_id = models.CharField(_("course id"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    staged_file = models.CharField(_("staged file"), max_length=500, blank=True)
    storage_path = models.CharField(_("storage path"), max_length=500, blank=True)
    # [{"id", "title", "url", "moveOn", "masteryScore", "launchMethod", "launchParameters"}], url
    # relative to the package.
    aus = models.JSONField(_("AUs"), default=list, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes, uncompressed)"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cmi5 course")
        verbose_name_plural = _("cmi5 courses")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title or str(self._meta.verbose_name)


class Registration(models.Model):
    """One learner's enrollment in the cmi5 course of one lesson block (across its translations):
    the same registration on every device, so the AU's State resumes anywhere."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cmi5_registrations")
    lesson_key = models.UUIDField()
    block_id = models.CharField(max_length=64)
    course = models.ForeignKey(Cmi5Course, on_delete=models.CASCADE, related_name="registrations")
    registration = models.UUIDField(unique=True)
    satisfied_at = models.DateTimeField(null=True, blank=True)  # every AU satisfied: the block is done
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key", "block_id"], name="one_cmi5_registration_per_block"),
        ]

    def __str__(self) -> str:
        return str(self.registration)


class AuStatus(models.Model):
    """What one AU has reached in a registration (cmi5 section 9.3: completed and passed are kept)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="aus")
    au_index = models.PositiveSmallIntegerField()
    completed_at = models.DateTimeField(null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    satisfied_at = models.DateTimeField(null=True, blank=True)
    waived = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "au_index"], name="one_cmi5_status_per_au")]

    def __str__(self) -> str:
        return f"{self.registration_id}/{self.au_index}"


class AuSession(models.Model):
    """One launch of an AU: its session id, the one-time fetch token and the statements seen so far."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="sessions")
    au_index = models.PositiveSmallIntegerField()
    session_id = models.UUIDField(unique=True)
    # SHA-256 of the secret the fetch URL hands out once; the AU sends it as HTTP Basic.
    token_hash = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField()
    initialized_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    # A completed/passed/failed statement was sent in this session (each at most once per session).
    judged = models.BooleanField(default=False)
    last_statement_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["launched_at"]

    def __str__(self) -> str:
        return str(self.session_id)

    @property
    def is_open(self) -> bool:
        return self.terminated_at is None and self.abandoned_at is None
