"""Installed SCORM packages, and each learner's attempt at one lesson block with the runtime data
of every SCO (sharable content object) in it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.packages import InstalledPackage, PackageStatus


class ScormPackage(InstalledPackage, models.Model):
    """An uploaded SCORM zip. Added in two steps like an H5P activity: a pending row with the upload
    staged in storage, then a background task (courses/scorm/tasks.py) installs the files."""

    Status = PackageStatus  # pending, installing, ready, failed: the same for the three kinds

    class Version(models.TextChoices):
        SCORM_12 = "1.2", _("SCORM 1.2")
        SCORM_2004 = "2004", _("SCORM 2004")

    title = models.CharField(_("title"), max_length=255, blank=True)
    version = models.CharField(_("SCORM version"), max_length=4, choices=Version.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    staged_file = models.CharField(_("staged file"), max_length=500, blank=True)
    storage_path = models.CharField(_("storage path"), max_length=500, blank=True)
    # The SCOs in the order of the organization: [{"identifier", "title", "href"}], href relative to
    # the package (with the item's parameters).
    items = models.JSONField(_("items"), default=list, blank=True)
    # What the manifest asks for that Sangkat's player does not do (said to the editor at upload).
    unsupported = models.JSONField(_("not supported"), default=list, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes, uncompressed)"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SCORM package")
        verbose_name_plural = _("SCORM packages")
        ordering = ["-uploaded_at"]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="scorm_package_progress")]

    def __str__(self) -> str:
        return self.title or str(self._meta.verbose_name)


class Attempt(models.Model):
    """One learner's attempt at the SCORM package of one lesson block (across the lesson's translations)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scorm_attempts")
    lesson_key = models.UUIDField()
    block_id = models.CharField(max_length=64)
    package = models.ForeignKey(ScormPackage, on_delete=models.CASCADE, related_name="attempts")
    # The SCO she was last in: a multi-SCO package opens there again.
    current_sco = models.CharField(max_length=255, blank=True)
    # The package's status as lesson completion sees it (rolled up over its SCOs).
    completed = models.BooleanField(default=False)
    passed = models.BooleanField(null=True)
    score_scaled = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key", "block_id"], name="one_scorm_attempt_per_block"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.lesson_key}/{self.block_id}"


class ScoData(models.Model):
    """The runtime data of one SCO in an attempt: what resumes it on any device."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="scos")
    sco = models.CharField(max_length=255)
    location = models.CharField(max_length=1000, blank=True)
    suspend_data = models.TextField(blank=True)
    completion_status = models.CharField(max_length=20, blank=True)
    success_status = models.CharField(max_length=20, blank=True)
    # SCORM 1.2's one status (passed, completed, failed, incomplete, browsed, not attempted).
    lesson_status = models.CharField(max_length=20, blank=True)
    score_raw = models.FloatField(null=True, blank=True)
    score_min = models.FloatField(null=True, blank=True)
    score_max = models.FloatField(null=True, blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    exit = models.CharField(max_length=20, blank=True)
    interactions = models.JSONField(default=list, blank=True)
    # Time of the sessions before this one, and of the session running now (the SCO reports the
    # time of its own session; sessions are told apart by a key made on each launch).
    total_seconds = models.FloatField(default=0)
    session_key = models.CharField(max_length=64, blank=True)
    session_seconds = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "sco"], name="one_runtime_per_sco")]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.sco}"


class Commit(models.Model):
    """A commit already applied, by the id the lesson page gave it: a retry is acknowledged, not applied again."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="commits")
    commit_id = models.UUIDField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "commit_id"], name="one_scorm_commit_per_id")]

    def __str__(self) -> str:
        return str(self.commit_id)
