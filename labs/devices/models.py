"""Center devices (a PC or tablet registered by a facilitator) and learners' picture passwords."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 240


class CenterDevice(models.Model):
    """A shared PC or tablet of a center: carries a signed cookie naming `key`; revoked, the cookie is refused."""

    center = models.ForeignKey("labs.Center", verbose_name=_("center"), on_delete=models.CASCADE,
                               related_name="devices")
    name = models.CharField(_("name"), max_length=60, help_text=_("For example: PC 3, by the window."))
    # What the cookie names (signed): never shown, never reused. Revocation is on this row.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idle_minutes = models.PositiveSmallIntegerField(
        _("sign out after minutes without activity"), default=15,
    )
    closing_time = models.TimeField(
        _("closing time"), null=True, blank=True,
        help_text=_("Everyone signed in on this device is signed out at this time of day."),
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(_("registered on"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("center device")
        verbose_name_plural = _("center devices")
        ordering = ["center", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(idle_minutes__gte=MIN_IDLE_MINUTES) & Q(idle_minutes__lte=MAX_IDLE_MINUTES),
                name="center_device_idle_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PictureKind(models.TextChoices):
    PICTURES = "pictures", _("Three pictures")
    PIN = "pin", _("PIN (4 to 6 digits)")


class PicturePassword(models.Model):
    """A learner's sign-in for her center's devices: 3 pictures out of 9, or a PIN; stored hashed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="picture_password")
    kind = models.CharField(_("kind"), max_length=10, choices=PictureKind.choices)
    secret = models.CharField(max_length=255, editable=False)  # make_password() of "<kind>:<value>"
    failed_attempts = models.PositiveSmallIntegerField(_("wrong tries in a row"), default=0)
    locked_at = models.DateTimeField(_("locked on"), null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(_("set on"), auto_now_add=True)

    class Meta:
        verbose_name = _("picture password")
        verbose_name_plural = _("picture passwords")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["pictures", "pin"]), name="picture_password_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user_id})"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
