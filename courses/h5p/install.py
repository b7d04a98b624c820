"""Installing H5P packages: the background install of a queued package (install_queued_package, run by
courses.h5p.tasks), the install at once (install_package: the demo, commands, tests), and the careful
storage writer and clean-up that the other package kinds share (PackageWriter, delete_folder, delete_file).

Files through Django's storage API, rows in one transaction; a failed install leaves no file behind.
Queueing (add_package) and the library upgrades are in courses.h5p.services, which re-exports these.
"""

import logging
import zipfile
from collections import deque
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from courses import httpclient  # httpclient.download is looked up at call time (tests replace it)
from courses.h5p.models import H5PLibrary, H5PLibraryUpgrade, H5PPackage
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


# Shared with the other kind of package (courses/scorm): the same careful writer and clean-up.
PackageWriter = _Writer
delete_folder = _delete_folder
delete_file = _delete_file
