"""Installed H5P packages and the H5P libraries they share (each library version stored once)."""

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.packages import InstalledPackage, PackageStatus


class H5PLibrary(models.Model):
    """One H5P library (machine name + major.minor), shared by every package that uses it.

    H5P treats patch versions as compatible, so every package plays the one stored patch. A newer
    patch that an upload brings is only kept aside (H5PLibraryUpgrade): switching to it changes
    code every other package runs, which someone who may manage libraries does on purpose.
    """

    machine_name = models.CharField(_("machine name"), max_length=255)
    major_version = models.PositiveIntegerField(_("major version"))
    minor_version = models.PositiveIntegerField(_("minor version"))
    patch_version = models.PositiveIntegerField(_("patch version"))
    title = models.CharField(_("title"), max_length=255, blank=True)
    # Folder in default_storage, e.g. "h5p/libraries/H5P.Foo-1.2.3" (the patch is in the name so
    # an upgrade never overwrites files that another package is being served from).
    storage_path = models.CharField(_("storage path"), max_length=500)
    metadata = models.JSONField(_("library.json"), default=dict)
    installed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("H5P library")
        verbose_name_plural = _("H5P libraries")
        ordering = ["machine_name", "major_version", "minor_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version"], name="one_h5p_library_per_version"
            ),
        ]
        permissions = [("upgrade_h5plibrary", _("Can upgrade shared H5P libraries"))]

    def __str__(self) -> str:
        return self.folder_name

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"

    @property
    def folder_name(self) -> str:
        """The folder name H5P players look for: Machine.Name-major.minor."""
        return f"{self.machine_name}-{self.major_version}.{self.minor_version}"


class H5PPackage(InstalledPackage, models.Model):
    """An uploaded `.h5p` activity: its content files plus links to the libraries it needs.

    The admin adds a package in two steps: a pending row (the upload staged in storage, or the
    address to download), then a background task installs it into that row (courses/h5p/tasks.py).
    """

    Status = PackageStatus  # pending, installing, ready, failed: the same for the three kinds

    # Blank while an import from an address waits: the package's own title is used once installed.
    title = models.CharField(_("title"), max_length=255, blank=True)
    main_library = models.CharField(_("main library"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Why the install failed, in the language of the editor who added the package.
    error = models.TextField(_("error"), blank=True)
    source_url = models.URLField(_("address"), max_length=2000, blank=True)
    # The uploaded file in default_storage (h5p/incoming/...) until the task has installed it.
    staged_file = models.CharField(_("staged file"), max_length=500, blank=True)
    metadata = models.JSONField(_("h5p.json"), default=dict)
    storage_path = models.CharField(_("storage path"), max_length=500, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes, uncompressed)"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    libraries = models.ManyToManyField(H5PLibrary, related_name="packages", blank=True, verbose_name=_("libraries"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("H5P activity")
        verbose_name_plural = _("H5P activities")
        ordering = ["-uploaded_at"]
        constraints = [models.CheckConstraint(condition=models.Q(progress__lte=100), name="h5p_package_progress")]

    def __str__(self) -> str:
        return self.title or PurePosixPath(urlsplit(self.source_url).path).name or self.source_url or str(
            self._meta.verbose_name
        )


class H5PLibraryUpgrade(models.Model):
    """A newer patch of an installed library, brought by an upload and stored aside, unused.

    Packages keep playing the installed patch until someone with the `upgrade_h5plibrary`
    permission looks at which packages would change and applies it (services.upgrade_library).
    """

    library = models.ForeignKey(
        H5PLibrary, verbose_name=_("library"), on_delete=models.CASCADE, related_name="upgrades"
    )
    patch_version = models.PositiveIntegerField(_("patch version"))
    title = models.CharField(_("title"), max_length=255, blank=True)
    # Its own folder, e.g. "h5p/libraries/H5P.Foo-1.2.4": nothing is served from it until applied.
    storage_path = models.CharField(_("storage path"), max_length=500)
    metadata = models.JSONField(_("library.json"), default=dict)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("brought by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    offered_with = models.ForeignKey(
        H5PPackage, verbose_name=_("in the activity"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    offered_at = models.DateTimeField(_("brought at"), auto_now_add=True)

    class Meta:
        verbose_name = _("H5P library upgrade")
        verbose_name_plural = _("H5P library upgrades")
        ordering = ["library__machine_name", "library__major_version", "library__minor_version", "patch_version"]
        constraints = [
            models.UniqueConstraint(fields=["library", "patch_version"], name="one_h5p_library_upgrade_per_patch"),
        ]

    def __str__(self) -> str:
        return f"{self.library.machine_name} {self.version}"

    @property
    def version(self) -> str:
        return f"{self.library.major_version}.{self.library.minor_version}.{self.patch_version}"
