"""What the three uploaded package kinds (H5P, SCORM, cmi5) share on their rows: the install's status,
its choices, and how the admin shows it. A mixin without fields, so no model or migration changes."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PackageStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be installed")
    INSTALLING = "installing", _("being installed")
    READY = "ready", _("ready")
    FAILED = "failed", _("could not be installed")


class InstalledPackage:
    """For a model with `Status = PackageStatus`, `status`, `error` and, where the install reports it,
    `progress`."""

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def status_summary(self) -> str:
        """The status as the admin shows it: with the progress while installing, the reason once failed."""
        label = self.get_status_display()
        if self.status == self.Status.FAILED and self.error:
            return gettext("%(status)s: %(error)s") % {"status": label, "error": self.error}
        if self.status == self.Status.INSTALLING and hasattr(self, "progress"):
            return gettext("%(status)s (%(progress)s%%)") % {"status": label, "progress": self.progress}
        return label
