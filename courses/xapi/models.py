"""Stored xAPI statements, the activity providers allowed to send them, and each learner's results.

A statement is kept exactly as accepted (`data`); the columns beside it exist only to filter,
page, void and forward without reading the JSON.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class LRSClient(models.Model):
    """An outside activity provider that sends or reads statements with HTTP Basic credentials."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, editable=False)
    # SHA-256 of a 256-bit random secret: a slow password hash would add ~0.3 s to every request,
    # and a secret this long cannot be guessed from its hash anyway.
    secret_hash = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    may_write = models.BooleanField(_("may send statements"), default=True)
    may_read_own = models.BooleanField(_("may read the statements it sent"), default=True)
    may_read_all = models.BooleanField(
        _("may read every statement"), default=False,
        help_text=_("Only for reporting tools the city trusts: this includes every learner's records."),
    )
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=600,
        help_text=_("More requests than this in one minute are refused until the minute is over."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"), FieldPanel("active"), FieldPanel("may_write"), FieldPanel("may_read_own"),
        FieldPanel("may_read_all"), FieldPanel("requests_per_minute"),
    ]

    class Meta:
        verbose_name = _("learning record client")
        verbose_name_plural = _("learning record clients")

    def __str__(self) -> str:
        return self.name


class ForwardState(models.TextChoices):
    NONE = "", _("not forwarded")
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")


class Statement(models.Model):
    id = models.UUIDField(primary_key=True)
    stored = models.DateTimeField()
    data = models.JSONField()
    # SHA-256 of the statement in comparison form (services.signature_of): same id + same
    # signature is a harmless re-send, same id + another signature is a conflict.
    signature = models.CharField(max_length=64)
    actor_key = models.CharField(max_length=500, blank=True)
    object_agent_key = models.CharField(max_length=500, blank=True)
    # Both foreign keys are served by the composite indexes below (fewer indexes, faster inserts).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )
    client = models.ForeignKey(
        LRSClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
    )
    verb_id = models.CharField(max_length=1000)
    activity_id = models.CharField(max_length=1000, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    voided = models.BooleanField(default=False)
    voids = models.UUIDField(null=True, blank=True)
    # Every activity and agent the statement is about, one "activity:<id>" or "agent:<key>" per
    # line with a newline before and after each: read only by related_activities/related_agents
    # queries (validation.related_of; docs/decisions.md).
    related = models.TextField(blank=True, default="")
    forward_state = models.CharField(max_length=10, choices=ForwardState.choices, default="", blank=True)
    forward_attempts = models.PositiveSmallIntegerField(default=0)
    forward_next_at = models.DateTimeField(null=True, blank=True)
    forward_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("statement")
        indexes = [
            models.Index(fields=["stored", "id"], name="xapi_stmt_stored"),
            models.Index(fields=["actor_key", "stored"], name="xapi_stmt_actor"),
            models.Index(fields=["user", "activity_id"], name="xapi_stmt_user_activity"),
            models.Index(fields=["activity_id", "stored"], name="xapi_stmt_activity"),
            models.Index(fields=["verb_id", "stored"], name="xapi_stmt_verb"),
            models.Index(fields=["registration"], name="xapi_stmt_registration"),
            models.Index(fields=["client", "stored"], name="xapi_stmt_client"),
            models.Index(
                fields=["forward_next_at"], name="xapi_stmt_forward_due",
                condition=models.Q(forward_state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class ActivityResult(models.Model):
    """What one learner reached in one H5P activity of a lesson, recomputed from their statements."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson_key = models.UUIDField()
    course_key = models.UUIDField(null=True, blank=True, db_index=True)
    block_id = models.CharField(max_length=64)
    best_scaled = models.FloatField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    passed_at = models.DateTimeField(null=True, blank=True)
    # When the block's completion rule first held; cleared when voiding undoes it.
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("activity result")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson_key", "block_id"], name="one_result_per_activity"),
            models.CheckConstraint(
                condition=models.Q(best_scaled__isnull=True)
                | models.Q(best_scaled__gte=-1, best_scaled__lte=1),
                name="activity_scaled_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.lesson_key}/{self.block_id}"


class OutgoingVoid(models.Model):
    """A voiding statement the outside LRS still has to get: the account that a forwarded statement
    was about has been deleted here (courses.xapi.services.void_forwarded).

    Only the forwarded statement's id is kept, nothing about the person. The voiding statement's own
    id is derived from it (forwarding.void_id_for), so sending it twice is a no-op for the LRS.
    """

    statement_id = models.UUIDField(unique=True)
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voiding statement for the outside LRS")
        verbose_name_plural = _("voiding statements for the outside LRS")
        indexes = [
            models.Index(fields=["next_at"], name="xapi_void_due", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"void {self.statement_id}"


class ActivityState(models.Model):
    """One state document an activity saved (xAPI's State resource: agent, activity, state id,
    optional registration): H5P's content user data, so a half-done activity opens half-done on
    another device, and what outside clients keep through /xapi/activities/state.

    A Sangkat learner's documents have `user` (and an empty `agent_key`), whoever wrote them; an
    agent that is not one of our accounts has `agent_key` (validation.agent_key) and no user. The
    document is kept as the exact text that was sent, with its content type."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )
    agent_key = models.CharField(max_length=500, blank=True, default="")
    # The outside client that wrote it first (None: the learner's own session, e.g. the H5P player).
    client = models.ForeignKey(
        LRSClient, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    content_type = models.CharField(max_length=255, default="application/json")
    # The activity IRI (courses.xapi.identity.activity_iri), `?subContentId=<id>` for a part of it.
    activity_id = models.CharField(max_length=1000)
    state_id = models.CharField(max_length=200)
    registration = models.UUIDField(null=True, blank=True)
    document = models.TextField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("activity state")
        constraints = [
            # Two partial constraints: a NULL registration would make one unique constraint never match.
            models.UniqueConstraint(
                fields=["user", "activity_id", "state_id"], condition=models.Q(registration__isnull=True),
                name="one_state_per_activity",
            ),
            models.UniqueConstraint(
                fields=["user", "activity_id", "state_id", "registration"],
                condition=models.Q(registration__isnull=False), name="one_state_per_registration",
            ),
            models.UniqueConstraint(
                fields=["agent_key", "activity_id", "state_id"],
                condition=models.Q(user__isnull=True, registration__isnull=True),
                name="one_agent_state_per_activity",
            ),
            models.UniqueConstraint(
                fields=["agent_key", "activity_id", "state_id", "registration"],
                condition=models.Q(user__isnull=True, registration__isnull=False),
                name="one_agent_state_per_registration",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "activity_id"], name="xapi_state_user_activity"),
            models.Index(fields=["agent_key", "activity_id"], name="xapi_state_agent_activity",
                         condition=models.Q(user__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.activity_id}: {self.state_id}"


class ProfileDocument(models.Model):
    """One document of xAPI's Activity Profile resource (about an activity, `agent_key` empty) or
    Agent Profile resource (about an agent, `activity_id` empty), kept as the exact text sent.

    `key` is a SHA-256 of (kind, activity, agent, profile id): one short unique column instead of
    a unique index over 1,700 characters. An agent profile of a Sangkat learner also has `user`,
    so deleting her account deletes it."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("activity profile")
        AGENT = "agent", _("agent profile")

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    activity_id = models.CharField(max_length=1000, blank=True, default="")
    agent_key = models.CharField(max_length=500, blank=True, default="")
    profile_id = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    client = models.ForeignKey(
        LRSClient, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False,
    )
    content_type = models.CharField(max_length=255, default="application/json")
    document = models.TextField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("profile document")
        indexes = [
            models.Index(fields=["kind", "activity_id", "updated_at"], name="xapi_profile_activity"),
            models.Index(fields=["kind", "agent_key", "updated_at"], name="xapi_profile_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} profile {self.profile_id}"


class StatementAttachment(models.Model):
    """The bytes of one attachment a statement was sent with (multipart/mixed, xAPI 1.0.3 Data
    2.4.11), kept beside that statement: deleting the statement (her account erased) deletes them.
    The same file sent with two statements is kept twice; attachments here are small (the whole
    request is at most SANGKAT_XAPI_MAX_BODY_BYTES)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+", db_index=False)
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("statement attachment")
        constraints = [
            models.UniqueConstraint(fields=["statement", "sha2"], name="one_attachment_per_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.sha2[:12]}"
