"""Classes at a center (a group of learners with a course list) and their printed login cards."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SignInKind(models.TextChoices):
    """How the learners of a class sign in: what they set after their card, and the kind of picture
    password their facilitator gives them for the center's devices (labs.devices uses the same values)."""

    PASSWORD = "password", _("A password")
    PICTURES = "pictures", _("Three pictures on a center device")
    PIN = "pin", _("A PIN (4 to 6 digits) on a center device")


class Class(models.Model):
    center = models.ForeignKey("labs.Center", verbose_name=_("center"), on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField(_("name"), max_length=80)
    sign_in_kind = models.CharField(_("how learners sign in"), max_length=10, choices=SignInKind.choices,
                                    default=SignInKind.PASSWORD)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="one_class_name_per_center"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassCourse(models.Model):
    """A course given to a class, by the course's translation key (the same in every language)."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="courses")
    course_key = models.UUIDField(_("course"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["klass", "course_key"], name="one_course_per_class"),
        ]

    def __str__(self) -> str:
        return f"{self.klass_id}: {self.course_key}"


class Membership(models.Model):
    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A guardian's number for a child without a phone: seen only by the class's facilitators, never
    # a login (User.phone is the person's own number).
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    # Printed on the login card for classes that sign in with pictures or a PIN: the facilitator's own
    # words (never the pictures or the PIN: labs.devices refuses a hint that names them), set through
    # services.set_picture_hint when she gives the learner her picture password.
    picture_hint = models.CharField(_("picture password hint"), max_length=120, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["klass", "learner"], name="one_membership_per_class"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.klass_id}"


class ClassSession(models.Model):
    """A session that took its roster from this class: on the center's devices, the roster of a
    session happening now lists the class's learners (those who joined the class since, too)."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="sessions")
    session = models.ForeignKey("labs.Session", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["klass", "session"], name="one_link_per_class_and_session"),
        ]

    def __str__(self) -> str:
        return f"{self.klass_id} at {self.session_id}"


class LoginCard(models.Model):
    """A one-time sign-in code printed as a QR code. Only its SHA-256 is kept; the code itself exists
    on paper only. Used once, expires, and a new card for the same learner revokes the old one."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="cards")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one card that still works per learner: issuing revokes the one before.
            models.UniqueConstraint(fields=["learner"], condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                                    name="one_open_login_card_per_learner"),
        ]

    def __str__(self) -> str:
        return f"card {self.pk} of {self.learner_id}"
