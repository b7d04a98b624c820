"""Calls, phases, proposals, supports, comments, moderation, the city's answers, the women space."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.media import PrivateUploadTo


class Category(models.TextChoices):
    WASTE = "waste", _("Waste")
    WATER_FLOODING = "water_flooding", _("Water and flooding")
    MOBILITY = "mobility", _("Mobility")
    SAFETY = "safety", _("Safety")
    PUBLIC_SPACE = "public_space", _("Public space")
    HEALTH = "health", _("Health")
    FOOD = "food", _("Food")
    HOUSING_LAND = "housing_land", _("Housing and land")
    ECONOMY = "economy", _("Economy")
    DIGITAL_ACCESS = "digital_access", _("Digital access")


class Space(models.TextChoices):
    PUBLIC = "public", _("Public")
    WOMEN = "women", _("Women and girls space")


class Call(models.Model):
    """A call for proposals opened by the city on a topic, run in phases."""

    title = models.CharField(_("title"), max_length=200)
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("area radius (metres)"), null=True, blank=True)
    support_limit = models.PositiveSmallIntegerField(
        _("supports per person"), null=True, blank=True,
        help_text=_("Leave empty for no limit; otherwise each person picks their top N."),
    )
    sessions = models.ManyToManyField("labs.Session", verbose_name=_("linked sessions"), blank=True)
    from_proposal = models.ForeignKey(
        "Proposal", verbose_name=_("opened from proposal"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="calls_opened",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def current_phase(self, now=None):
        now = now or timezone.now()
        for phase in self.phases.all():
            if phase.starts_at <= now < phase.ends_at:
                return phase
        return None


class PhaseKind(models.TextChoices):
    COLLECT = "collect", _("Collect ideas")
    PRIORITISE = "prioritise", _("Prioritise")
    REVIEW = "review", _("City review")
    RESULTS = "results", _("Results")


class Phase(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=12, choices=PhaseKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"),
            models.UniqueConstraint(fields=["call", "kind"], name="phase_one_per_kind"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    EVALUATING = "evaluating", _("Evaluating")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")


class Proposal(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    space = models.CharField(_("space"), max_length=8, choices=Space.choices, default=Space.PUBLIC)
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("what and why"), max_length=5000)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=20, blank=True)
    origin_url = models.CharField(_("origin link"), max_length=500, blank=True)
    team_nicknames = models.JSONField(_("team"), default=list, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to",
        help_text=_("The women-space proposal this public one was carried from."),
    )
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SUBMITTED)
    answer = models.TextField(_("the city's answer"), blank=True)
    cost = models.CharField(_("cost"), max_length=120, blank=True)
    timeline = models.CharField(_("timeline"), max_length=120, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("reason hidden"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        # The list reads visible proposals of one space in one of its sort orders (selectors.SORTS), with or
        # without a category: partial indexes (hidden ones left out) in exactly those orders, so a page is
        # the first 21 entries of an index. Text search has trigram indexes (migration 0002, PostgreSQL).
        indexes = [
            models.Index(fields=["space", "-id"], name="prop_new", condition=models.Q(hidden_at__isnull=True)),
            models.Index(fields=["space", "-support_count", "-id"], name="prop_top",
                         condition=models.Q(hidden_at__isnull=True)),
            models.Index(fields=["space", "-comment_count", "-id"], name="prop_discussed",
                         condition=models.Q(hidden_at__isnull=True)),
            models.Index(fields=["space", "category", "-id"], name="prop_cat_new",
                         condition=models.Q(hidden_at__isnull=True)),
            models.Index(fields=["space", "category", "-support_count", "-id"], name="prop_cat_top",
                         condition=models.Q(hidden_at__isnull=True)),
            models.Index(fields=["call", "-support_count"], name="prop_call_top"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="rejected") | ~models.Q(answer=""), name="proposal_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False, latitude__gte=-90, latitude__lte=90,
                           longitude__gte=-180, longitude__lte=180),
                name="proposal_location_valid",
            ),
            models.CheckConstraint(condition=models.Q(space__in=["public", "women"]), name="proposal_space_known"),
        ]

    def __str__(self) -> str:
        return self.title

    # Django's generated get_FOO_display() hashes every (lazily translated) choice on each call: on a
    # list of proposals that was a fifth of the page's time. An enum lookup gives the same label.
    def get_category_display(self) -> str:
        return Category(self.category).label if self.category in Category._value2member_map_ else self.category

    def get_state_display(self) -> str:
        return State(self.state).label if self.state in State._value2member_map_ else self.state

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def author_label(self) -> str:
        if self.team_nicknames:
            return ", ".join(self.team_nicknames)
        if self.anonymous:
            return str(_("Anonymous"))
        if not self.author.can_appear_publicly:
            return str(_("A resident"))
        return self.author.public_name


def _upload_to(instance, filename):
    """`private/participation/<random>`: served only by participation:file, after the proposal's check."""
    return PrivateUploadTo("participation")(instance, filename)


class ProposalFile(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        ATTACHMENT = "attachment", _("Attachment")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to=_upload_to)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="support_once_per_person")]
        indexes = [models.Index(fields=["user", "proposal"], name="support_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=2000)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:50]


class Report(models.Model):
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False, comment__isnull=True)
                | models.Q(proposal__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(fields=["reporter", "proposal"], name="report_once_proposal"),
            models.UniqueConstraint(fields=["reporter", "comment"], name="report_once_comment"),
        ]

    def __str__(self) -> str:
        return self.reason[:50]


class ModerationLog(models.Model):
    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        BLOCK = "block", _("User blocked")
        UNBLOCK = "unblock", _("User unblocked")
        DISMISS = "dismiss", _("Report dismissed")

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action}: {self.reason[:50]}"


class Block(models.Model):
    """A person blocked from posting in participation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_block")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user_id)


class WomenSpaceMembership(models.Model):
    """Self-identified membership of the women-and-girls space, confirmed by a facilitator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="women_space")
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True, confirmed_by__isnull=True)
                | models.Q(confirmed_at__isnull=False, confirmed_by__isnull=False),
                name="women_membership_confirmation_complete",
            )
        ]

    def __str__(self) -> str:
        return str(self.user_id)
