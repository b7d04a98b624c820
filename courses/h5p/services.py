"""Installing and removing H5P packages (one module: an install, its undo and the library upgrades share
the storage writer and the transaction, ~400 lines): files through Django's storage API, rows in one transaction.

The admin queues packages (add_package) and a background task installs them (install_queued_package);
install_package does it all at once, for the demo, commands and tests.
"""

import logging
import secrets
import zipfile
from collections import deque
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cms.models import AuditAction
from cms.services import audit
from courses import httpclient  # httpclient.download is looked up at call time (tests replace it)
from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
from courses.h5p.tasks import install_package_task
from courses.h5p.validation import (
    LibraryRef,
    PackageLibrary,
    PackageRejected,
    ValidatedPackage,
    max_bytes,
    validate_package,
)

logger = logging.getLogger(__name__)

CONTENT_ROOT = "h5p/content"
LIBRARY_ROOT = "h5p/libraries"
# Uploads wait here, under random names, for the task that installs them.
INCOMING_ROOT = "h5p/incoming"


class _Writer:
    """Writes files to storage and remembers them, so a failed install removes every one."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.written: list[str] = []

    def copy(self, zip_name: str, target: str) -> None:
        # A crashed earlier attempt may have left a file here that no row refers to: replace it,
        # otherwise the storage would pick another name and the player would not find the file.
        if default_storage.exists(target):
            default_storage.delete(target)
        with self.archive.open(zip_name) as handle:
            saved = default_storage.save(target, File(handle, name=Path(target).name))
        self.written.append(saved)
        if saved != target:
            raise RuntimeError(f"storage saved {target!r} as {saved!r}")

    def remove_all(self) -> None:
        for name in reversed(self.written):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove %s after a failed H5P install", name, exc_info=True)


def _install_library(library: PackageLibrary, writer: _Writer, parked: list[H5PLibraryUpgrade]) -> H5PLibrary:
    """The installed library the package will use, installing it when it is new.

    A newer patch of an installed library is stored aside (an H5PLibraryUpgrade) and not used:
    an upload never changes the code other packages run (see upgrade_library).
    """
    ref = library.ref
    existing = (
        H5PLibrary.objects.select_for_update()
        .filter(machine_name=ref.machine_name, major_version=ref.major, minor_version=ref.minor)
        .first()
    )
    folder = f"{LIBRARY_ROOT}/{ref.folder_name}.{library.patch}"
    if existing is None:
        # The row first: a second upload of the same new library waits on it instead of writing
        # the same files at the same time.
        try:
            with transaction.atomic():
                existing = H5PLibrary.objects.create(
                    machine_name=ref.machine_name, major_version=ref.major, minor_version=ref.minor,
                    patch_version=library.patch, title=library.title, storage_path=folder, metadata=library.metadata,
                )
        except IntegrityError:
            raise PackageRejected(
                _("Another upload is installing the library %(library)s right now. Try again in a minute.")
                % {"library": ref}
            ) from None
    elif existing.patch_version >= library.patch or existing.upgrades.filter(patch_version=library.patch).exists():
        return existing  # stored once: the same or a newer patch is installed, or this one waits already
    else:
        # The installed library row stays locked (select_for_update above) until commit, so a
        # second upload of the same patch waits here and then finds this one (or, on a database
        # without row locks, meets the unique constraint and leaves the files to the first).
        try:
            with transaction.atomic():
                parked.append(H5PLibraryUpgrade.objects.create(
                    library=existing, patch_version=library.patch, title=library.title, storage_path=folder,
                    metadata=library.metadata,
                ))
        except IntegrityError:
            return existing
    for zip_name, relative in library.files:
        writer.copy(zip_name, f"{folder}/{relative}")
    return existing


def _refs(items) -> list[LibraryRef]:
    refs = []
    for item in items or []:
        try:
            refs.append(LibraryRef(item["machineName"], int(item["majorVersion"]), int(item["minorVersion"])))
        except (KeyError, TypeError, ValueError):
            continue
    return refs


def _libraries_needed(dependencies: list[LibraryRef], installed: dict[LibraryRef, H5PLibrary]) -> list[H5PLibrary]:
    """Every library the package loads, following dependencies through installed libraries too."""
    found: dict[LibraryRef, H5PLibrary] = {}
    queue = deque(dependencies)
    while queue:
        ref = queue.popleft()
        if ref in found:
            continue
        library = installed.get(ref) or H5PLibrary.objects.filter(
            machine_name=ref.machine_name, major_version=ref.major, minor_version=ref.minor
        ).first()
        if library is None:
            continue
        found[ref] = library
        queue.extend(_refs(library.metadata.get("preloadedDependencies")))
    return list(found.values())


def _delete_folder(folder: str) -> None:
    try:
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in directories:
        _delete_folder(f"{folder}/{name}")
    try:
        default_storage.delete(folder)
    except OSError:
        pass


def install_package(
    *, source, uploaded_by=None, title: str = "", validated: ValidatedPackage | None = None
) -> H5PPackage:
    """Validate (unless done already) and install a `.h5p` given as a path or a seekable file, in one go.

    Raises PackageRejected and leaves no file or row behind when anything is wrong.
    """
    return _install(source=source, validated=validated, package=H5PPackage(title=title[:255], uploaded_by=uploaded_by))


def _install(*, source, validated: ValidatedPackage | None, package: H5PPackage) -> H5PPackage:
    """Install into `package`: a new row, or a queued one (locked and read again first: the editor
    may have renamed or deleted it, or another run of the task installed it already)."""
    if validated is None:
        validated = validate_package(source)
    if hasattr(source, "seek"):
        source.seek(0)
    parked: list[H5PLibraryUpgrade] = []
    with zipfile.ZipFile(source) as archive:
        writer = _Writer(archive)
        try:
            with transaction.atomic():
                if package.pk is not None:
                    package = H5PPackage.objects.select_for_update().get(pk=package.pk)
                    if package.is_ready:
                        return package
                installed = {}
                for library in validated.libraries:
                    installed[library.ref] = _install_library(library, writer, parked)
                package.title = (package.title or validated.title)[:255]
                package.main_library = str(validated.main_library)
                package.metadata = validated.metadata
                package.size = validated.total_bytes
                package.file_count = validated.file_count
                package.status, package.progress, package.error = H5PPackage.Status.READY, 100, ""
                package.staged_file = ""
                package.save()
                folder = f"{CONTENT_ROOT}/{package.pk}"
                writer.copy("h5p.json", f"{folder}/h5p.json")
                for zip_name, relative in validated.content_files:
                    writer.copy(zip_name, f"{folder}/content/{relative}")
                package.storage_path = folder
                package.save(update_fields=["storage_path"])
                package.libraries.set(_libraries_needed(validated.dependencies, installed))
                for upgrade in parked:
                    upgrade.offered_by_id, upgrade.offered_with = package.uploaded_by_id, package
                    upgrade.save(update_fields=["offered_by", "offered_with"])
        except BaseException:
            writer.remove_all()
            raise
    return package


def _download(url: str) -> Path:
    """Download a `.h5p` (size-capped, content-type checked) into a temporary file the caller deletes."""
    try:
        return httpclient.download(
            url, max_bytes=max_bytes(), allowed_content_types=H5P_CONTENT_TYPES,
            allowed_hosts=settings.H5P_IMPORT_ALLOWED_HOSTS,
        )
    except httpclient.DownloadError as error:
        raise PackageRejected(error.message) from None


def import_package_from_url(*, url: str, uploaded_by=None, title: str = "") -> H5PPackage:
    """Download a `.h5p` and install it, in one go."""
    path = _download(url)
    try:
        return install_package(source=str(path), uploaded_by=uploaded_by, title=title)
    finally:
        path.unlink(missing_ok=True)


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


def _set_state(package_id: int, **fields) -> None:
    H5PPackage.objects.filter(pk=package_id).update(**fields)


def install_queued_package(*, package_id: int) -> None:
    """The background half of add_package: fetch the file, check it again and install it into its row.

    Re-running is safe: a package that is ready, failed or deleted is left alone. However it ends,
    the staged upload (or the download) is removed, and a failed install leaves no file behind.
    """
    package = H5PPackage.objects.filter(
        pk=package_id, status__in=[H5PPackage.Status.PENDING, H5PPackage.Status.INSTALLING]
    ).first()
    if package is None:
        return
    _set_state(package_id, status=H5PPackage.Status.INSTALLING, progress=10)
    downloaded: Path | None = None
    source = None
    interrupted = False
    try:
        if package.source_url:
            downloaded = _download(package.source_url)
            source = downloaded.open("rb")
        else:
            source = default_storage.open(package.staged_file, "rb")
        _set_state(package_id, progress=40)
        _install(source=source, validated=None, package=package)
    except PackageRejected as rejected:
        _set_failed(package_id, error=rejected.message)
    except H5PPackage.DoesNotExist:
        pass  # deleted by the editor meanwhile
    except Exception:
        logger.exception("installing H5P package %s failed", package_id)
        _set_failed(
            package_id,
            error=_("The activity could not be installed because of an error on the server. "
                    "Delete it and add it again, or ask for help if it happens again."),
        )
    except BaseException:
        # The worker is being stopped (a second Ctrl+C, SystemExit): the row stays waiting and
        # keeps its staged upload, so the run that cms.workers queues again can finish it.
        interrupted = True
        raise
    finally:
        if source is not None:
            source.close()
        if downloaded is not None:
            downloaded.unlink(missing_ok=True)
        if package.staged_file and not interrupted:
            _delete_file(package.staged_file)


def _set_failed(package_id: int, *, error: str) -> None:
    # Never over a ready package: another run of the task may have installed it meanwhile.
    H5PPackage.objects.filter(pk=package_id).exclude(status=H5PPackage.Status.READY).update(
        status=H5PPackage.Status.FAILED, error=error, staged_file=""
    )


def give_up_install(*, package_id: int, language: str = "") -> None:
    """Stop re-queueing an install that stopped its worker again and again (cms.workers): the
    package fails with a reason for the editor, and its staged upload is removed."""
    package = H5PPackage.objects.filter(
        pk=package_id, status__in=[H5PPackage.Status.PENDING, H5PPackage.Status.INSTALLING]
    ).first()
    if package is None:
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        error = _("The server stopped several times while installing this activity. "
                  "Delete it and add it again, or ask for help if it happens again.")
    _set_failed(package_id, error=error)
    if package.staged_file:
        staged = package.staged_file
        transaction.on_commit(lambda: _delete_file(staged))


# What servers send for a .h5p: it is a zip, and few servers know the extension.
H5P_CONTENT_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream", "application/h5p")


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not remove %s", name, exc_info=True)


def delete_package_files(*, package: H5PPackage) -> None:
    """Remove a deleted package's content files and staged upload (libraries stay: other packages share them)."""
    if package.storage_path:
        _delete_folder(package.storage_path)
    if package.staged_file:
        _delete_file(package.staged_file)


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


# Shared with the other kind of package (courses/scorm): the same careful writer and clean-up.
PackageWriter = _Writer
delete_folder = _delete_folder
delete_file = _delete_file
