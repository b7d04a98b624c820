"""Accounts (the Sangkat user and what they tell us about themselves) and the Wagtail home page."""

from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.url_routing import RouteResult

from cms import structure
from cms.home import home_context
from cms.pages import SangkatPageMixin


class AgeBand(models.TextChoices):
    UNDER_13 = "under13", _("Under 13")
    TEEN = "13-17", _("13 to 17")
    YOUNG_ADULT = "18-24", _("18 to 24")
    ADULT = "25-59", _("25 to 59")
    SENIOR = "60+", _("60 or older")


MINOR_AGE_BANDS = {AgeBand.UNDER_13, AgeBand.TEEN}
YOUTH_AGE_BANDS = {AgeBand.UNDER_13, AgeBand.TEEN, AgeBand.YOUNG_ADULT}


class Gender(models.TextChoices):
    UNSAID = "", _("Prefer not to say")
    WOMAN = "woman", _("Woman or girl")
    MAN = "man", _("Man or boy")
    ANOTHER = "another", _("Another way")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    KHMER = "km", "ខ្មែរ"


DELETED_USERNAME_PREFIX = "deleted-"


class User(AbstractUser):
    """A person using Sangkat. Many have no email, so a phone number can stand in for it."""

    # Not unique: a family may share one phone (siblings, a mother and her daughter). It logs in
    # only the account that has it alone; see cms.selectors.person_named.
    phone = models.CharField(
        _("phone number"), max_length=20, db_index=True, null=True, blank=True,
        help_text=_("Stored in international form, for example +85512345678."),
    )
    display_name = models.CharField(
        _("full name"), max_length=100, blank=True,
        help_text=_("Seen only by you and the staff of your center."),
    )
    nickname = models.CharField(
        _("public nickname"), max_length=40,
        help_text=_("The only name others can see."),
    )
    home_center = models.ForeignKey(
        "labs.Center", verbose_name=_("home center"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.KHMER
    )
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices, blank=True)
    guardian_consent = models.BooleanField(
        _("guardian consent given"), default=False,
        help_text=_("Needed before a person under 18 can appear anywhere public."),
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True, default=Gender.UNSAID,
        help_text=_("Optional. Used only for women-and-girls spaces and anonymous statistics."),
    )
    must_change_password = models.BooleanField(
        _("must choose a new password"), default=False,
        help_text=_("Set when a staff member resets the password."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(age_band__in=[c.value for c in AgeBand]) | Q(age_band=""),
                name="user_age_band_valid",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=[c.value for c in Gender]), name="user_gender_valid"
            ),
        ]

    @property
    def is_minor(self) -> bool:
        return self.age_band in MINOR_AGE_BANDS

    @property
    def can_appear_publicly(self) -> bool:
        """Minors appear nowhere public until a guardian has consented."""
        return not self.is_minor or self.guardian_consent

    @property
    def is_anonymised(self) -> bool:
        """The account was deleted on request (cms.privacy.anonymise_account): only a shell is left."""
        return not self.is_active and self.username.startswith(DELETED_USERNAME_PREFIX)

    @property
    def public_name(self) -> str:
        if self.is_anonymised:
            return _("Deleted user")
        return self.nickname or _("Learner")

    def __str__(self) -> str:
        return self.display_name or self.username


class HomePage(SangkatPageMixin, Page):
    """The site's front page: what Sangkat is, and for a learner where to continue."""

    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("tagline"), FieldPanel("intro")]
    max_count_per_parent = 1
    subpage_types = ["courses.CourseIndexPage", "labs.CenterIndexPage"]

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find a page below home in one query by its URL path, instead of one query per level.

        Anything the fast path does not find exactly (drafts, routable sub-paths) goes through
        Wagtail's own routing, which gives the same answer or the same 404.
        """
        if path_components:
            parent_path = self.url_path + "".join(f"{c}/" for c in path_components[:-1])
            wanted = parent_path + f"{path_components[-1]}/"

            def find():
                found = {
                    page.url_path: page
                    for page in Page.objects.live().filter(
                        path__startswith=self.path, url_path__in=[wanted, parent_path]
                    )
                }
                target = found.get(wanted)
                if target is not None:
                    target = target.specific
                    if parent_path in found:
                        target._cached_parent_obj = found[parent_path]
                    if hasattr(target, "read_view_restrictions"):
                        # Read now, kept with the page: a restriction's change starts a new generation.
                        restrictions = target.read_view_restrictions()
                        restrictions._fetch_all()
                        target._sangkat_view_restrictions = restrictions
                return target

            # The live page at this path, remembered until any page or site changes (cms.structure).
            target = structure.remembered(request, "route", (self.path, wanted), find)
            if target is not None:
                return RouteResult(target)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(home_context(user=request.user, home=self))
        return context


class Notification(models.Model):
    """A message for one person, stored in their language at the time it was sent."""

    user = models.ForeignKey("cms.User", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class AuditAction(models.TextChoices):
    HIDE = "moderation.hide", _("Moderation: post hidden")
    RESTORE = "moderation.restore", _("Moderation: post restored")
    DISMISS = "moderation.dismiss", _("Moderation: reports dismissed")
    BLOCK = "moderation.block", _("Moderation: person blocked")
    UNBLOCK = "moderation.unblock", _("Moderation: person unblocked")
    ANSWER = "proposal.answer", _("Proposal answered")
    ACCEPT = "ambassador.accept", _("Ambassador application accepted")
    DECLINE = "ambassador.decline", _("Ambassador application declined")
    CERTIFY = "ambassador.certify", _("Ambassador certified")
    REVOKE = "ambassador.revoke", _("Ambassador certification revoked")
    ROLE_ADD = "role.add", _("Role given")
    ROLE_REMOVE = "role.remove", _("Role taken away")
    ACCOUNT_DELETE = "account.delete", _("Account deleted at the person's request")
    PASSWORD_RESET = "account.password_reset", _("Password reset for a learner")
    GUARDIAN_CONSENT = "account.guardian_consent", _("Guardian consent recorded")
    H5P_LIBRARY_UPGRADE = "h5p.library_upgrade", _("H5P library upgraded")
    WOMEN_SPACE_CONFIRM = "women_space.confirm", _("Women and girls space: member confirmed")
    WOMEN_SPACE_DECLINE = "women_space.decline", _("Women and girls space: member declined or removed")
    SESSION_AMBASSADOR_ADD = "session.ambassador_add", _("Ambassador put on a session")
    SESSION_AMBASSADOR_REMOVE = "session.ambassador_remove", _("Ambassador taken off a session")
    DEVICE_REGISTER = "device.register", _("Center device registered")
    DEVICE_REVOKE = "device.revoke", _("Center device revoked")
    PICTURE_PASSWORD_SET = "picture_password.set", _("Picture password set for a learner")
    PICTURE_PASSWORD_RESET = "picture_password.reset", _("Picture password reset for a learner")
    PICTURE_PASSWORD_UNLOCK = "picture_password.unlock", _("Picture sign-in unlocked for a learner")
    PICTURE_PASSWORD_REMOVE = "picture_password.remove", _("Picture password removed for a learner")
    PICTURE_PASSWORD_LOCK = "picture_password.lock", _("Picture sign-in locked after wrong tries")
    SESSION_MARK_ALL = "session.mark_all", _("Everyone registered marked present")
    SESSION_MARK_ALL_UNDO = "session.mark_all_undo", _("Marking everyone present undone")
    PICTURE_PASSWORD_CHOOSE = "picture_password.choose", _("Picture password chosen by the learner after her card")
    CLASS_CREATE = "class.create", _("Class created")
    CLASS_SIGN_IN_KIND = "class.sign_in_kind", _("Class sign-in changed (password, pictures or PIN)")
    CLASS_LEARNER_ADD = "class.learner_add", _("Learner added to a class")
    CLASS_IMPORT = "class.import", _("Learners imported into a class from a file")
    CLASS_LEARNER_REMOVE = "class.learner_remove", _("Learner removed from a class")
    CLASS_COURSE_ASSIGN = "class.course_assign", _("Course given to a class")
    CLASS_COURSE_REMOVE = "class.course_remove", _("Course taken away from a class")
    CLASS_SESSION_ROSTER = "class.session_roster", _("Class put on a session's roster")
    LOGIN_CARD_ISSUE = "login_card.issue", _("Login card printed")
    LOGIN_CARD_REVOKE = "login_card.revoke", _("Login card revoked")
    LOGIN_CARD_USED = "login_card.used", _("Login card used to sign in")


class AuditEntry(models.Model):
    """One act by staff (moderation, answers, certification, roles), kept for accountability.

    Written by cms.services.audit in the same transaction as the act; never edited. The actor's
    and target's names are copied so the entry still reads well if they are renamed or deleted.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey("cms.User", verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("by (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label}"


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for staff")
    DONE = "done", _("Account deleted")
    CANCELLED = "cancelled", _("Cancelled")


class DeletionRequest(models.Model):
    """A person asked for their account to be deleted; Innovation Unit staff fulfil it (cms.privacy)."""

    user = models.ForeignKey("cms.User", on_delete=models.CASCADE, related_name="deletion_requests")
    status = models.CharField(_("status"), max_length=10, choices=DeletionStatus.choices,
                              default=DeletionStatus.PENDING)
    requested_at = models.DateTimeField(_("asked on"), auto_now_add=True)
    handled_by = models.ForeignKey("cms.User", verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("handled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account deletion request")
        verbose_name_plural = _("account deletion requests")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"),
                                    name="one_pending_deletion_request"),
            models.CheckConstraint(condition=Q(status__in=["pending", "done", "cancelled"]),
                                   name="deletion_request_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.status})"


class TaskWorker(models.Model):
    """A running task worker (`manage.py sangkat_worker`), so that others can tell when it is gone.

    The worker renews `lease_until` every few seconds; a worker whose lease ran out, or whose
    process is no longer there on its own machine, died, and cms.workers re-queues its task.
    """

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    lease_until = models.DateTimeField(_("alive until"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
