"""H5P packages for callers: queueing one the admin adds (add_package; a background task installs it,
courses.h5p.install) and upgrading the shared libraries; the install functions are re-exported here.
"""

import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.models import AuditAction
from cms.services import audit
from courses.h5p.install import (  # noqa: F401  (courses.h5p.services.<name> still works)
    CONTENT_ROOT,
    H5P_CONTENT_TYPES,
    INCOMING_ROOT,
    LIBRARY_ROOT,
    PackageWriter,
    _delete_folder,
    _install,
    _libraries_needed,
    _refs,
    _set_failed,
    _Writer,
    delete_file,
    delete_folder,
    delete_package_files,
    give_up_install,
    import_package_from_url,
    install_package,
    install_queued_package,
)
from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
from courses.h5p.tasks import install_package_task


def add_package(*, uploaded_by=None, title: str = "", upload=None, url: str = "") -> H5PPackage:
    """Queue a package the editor adds: `upload`, already checked by the form, is staged in storage
    (the task may run on another server), or `url` is downloaded by the task. Returns the pending row."""
    staged = default_storage.save(f"{INCOMING_ROOT}/{secrets.token_hex(16)}.h5p", upload) if upload else ""
    try:
        with transaction.atomic():
            package = H5PPackage.objects.create(
                title=title[:255], source_url=url, staged_file=staged, uploaded_by=uploaded_by,
                status=H5PPackage.Status.PENDING,
            )
            # The task reports problems in the editor's language.
            language = get_language() or settings.LANGUAGE_CODE
            transaction.on_commit(lambda: install_package_task.enqueue(package_id=package.pk, language=language))
    except BaseException:
        if staged:
            default_storage.delete(staged)
        raise
    return package

class UpgradeRefused(Exception):
    """An upgrade that cannot be applied; `message` is shown to the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def may_upgrade_libraries(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("h5p.upgrade_h5plibrary"))


def upgrade_library(*, actor, upgrade_id: int) -> H5PLibrary:
    """Switch a shared library to the newer patch an upload brought: every package that uses the
    library plays the new code from now on. Only for people who may manage libraries; audited.

    Raises PermissionDenied, H5PLibraryUpgrade.DoesNotExist, or UpgradeRefused (nothing changes).
    """
    if not may_upgrade_libraries(actor):
        raise PermissionDenied
    with transaction.atomic():
        upgrade = H5PLibraryUpgrade.objects.select_for_update().get(pk=upgrade_id)
        library = H5PLibrary.objects.select_for_update().get(pk=upgrade.library_id)
        if upgrade.patch_version <= library.patch_version:
            raise UpgradeRefused(
                _("%(library)s is already at version %(version)s.") % {"library": library, "version": library.version}
            )
        previous, old_folder = library.version, library.storage_path
        library.patch_version, library.title = upgrade.patch_version, upgrade.title
        library.storage_path, library.metadata = upgrade.storage_path, upgrade.metadata
        library.save(update_fields=["patch_version", "title", "storage_path", "metadata"])
        # The new patch may load other libraries: every package's list is worked out again.
        packages = list(library.packages.order_by("pk"))
        for package in packages:
            package.libraries.set(_libraries_needed(_refs(package.metadata.get("preloadedDependencies")), {}))
        # This upgrade and older ones still waiting are used up; their folders (not the one now
        # served) and the previous patch's folder go once the switch is committed.
        superseded = list(library.upgrades.filter(patch_version__lte=upgrade.patch_version))
        folders = {old_folder} | {item.storage_path for item in superseded}
        folders.discard(library.storage_path)
        H5PLibraryUpgrade.objects.filter(pk__in=[item.pk for item in superseded]).delete()
        audit(
            actor=actor, action=AuditAction.H5P_LIBRARY_UPGRADE, target=library,
            library=library.folder_name, from_version=previous, to_version=library.version,
            packages=[package.pk for package in packages],
            brought_with=upgrade.offered_with_id, brought_by=upgrade.offered_by_id,
        )
        for folder in sorted(folders):
            transaction.on_commit(lambda folder=folder: _delete_folder(folder))
    return library


def discard_library_upgrade(*, actor, upgrade_id: int) -> None:
    """Throw away a newer patch that waits: no package changes; its files go."""
    if not may_upgrade_libraries(actor):
        raise PermissionDenied
    with transaction.atomic():
        upgrade = H5PLibraryUpgrade.objects.select_for_update().select_related("library").get(pk=upgrade_id)
        folder = upgrade.storage_path
        if folder != upgrade.library.storage_path:
            transaction.on_commit(lambda: _delete_folder(folder))
        upgrade.delete()
