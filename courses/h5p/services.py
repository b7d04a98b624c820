"""Installing and removing H5P packages: files through Django's storage API, rows in one transaction."""

import logging
import zipfile
from collections import deque
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.h5p.models import H5PLibrary, H5PPackage
from courses.h5p.validation import (
    LibraryRef,
    PackageLibrary,
    PackageRejected,
    ValidatedPackage,
    validate_package,
)

logger = logging.getLogger(__name__)

CONTENT_ROOT = "h5p/content"
LIBRARY_ROOT = "h5p/libraries"


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


def _install_library(library: PackageLibrary, writer: _Writer, stale: list[str]) -> H5PLibrary:
    ref = library.ref
    existing = (
        H5PLibrary.objects.select_for_update()
        .filter(machine_name=ref.machine_name, major_version=ref.major, minor_version=ref.minor)
        .first()
    )
    if existing and existing.patch_version >= library.patch:
        return existing  # stored once: the same or a newer patch is already installed
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
    else:
        stale.append(existing.storage_path)
        existing.patch_version = library.patch
        existing.title = library.title
        existing.storage_path = folder
        existing.metadata = library.metadata
        existing.save(update_fields=["patch_version", "title", "storage_path", "metadata"])
    for zip_name, relative in library.files:
        writer.copy(zip_name, f"{folder}/{relative}")
    return existing


def _libraries_needed(validated: ValidatedPackage, installed: dict[LibraryRef, H5PLibrary]) -> list[H5PLibrary]:
    """Every library the package loads, following dependencies through installed libraries too."""
    found: dict[LibraryRef, H5PLibrary] = {}
    queue = deque(validated.dependencies)
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
        for item in library.metadata.get("preloadedDependencies") or []:
            try:
                queue.append(LibraryRef(item["machineName"], int(item["majorVersion"]), int(item["minorVersion"])))
            except (KeyError, TypeError, ValueError):
                continue
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
    """Validate (unless done already) and install a `.h5p` given as a path or a seekable file.

    Raises PackageRejected and leaves no file or row behind when anything is wrong.
    """
    if validated is None:
        validated = validate_package(source)
    if hasattr(source, "seek"):
        source.seek(0)
    stale: list[str] = []
    with zipfile.ZipFile(source) as archive:
        writer = _Writer(archive)
        try:
            with transaction.atomic():
                installed = {}
                for library in validated.libraries:
                    installed[library.ref] = _install_library(library, writer, stale)
                package = H5PPackage.objects.create(
                    title=(title or validated.title)[:255],
                    main_library=str(validated.main_library),
                    metadata=validated.metadata,
                    size=validated.total_bytes,
                    file_count=validated.file_count,
                    uploaded_by=uploaded_by,
                )
                folder = f"{CONTENT_ROOT}/{package.pk}"
                writer.copy("h5p.json", f"{folder}/h5p.json")
                for zip_name, relative in validated.content_files:
                    writer.copy(zip_name, f"{folder}/content/{relative}")
                package.storage_path = folder
                package.save(update_fields=["storage_path"])
                package.libraries.set(_libraries_needed(validated, installed))
                # Older patches of upgraded libraries go once the new ones are committed.
                for old in stale:
                    transaction.on_commit(lambda old=old: _delete_folder(old))
        except BaseException:
            writer.remove_all()
            raise
    return package


def import_package_from_url(*, url: str, uploaded_by=None, title: str = "") -> H5PPackage:
    """Download a `.h5p` (size-capped, content-type checked) and install it."""
    from courses.h5p.validation import max_bytes
    from courses.httpclient import DownloadError, download

    try:
        path = download(url, max_bytes=max_bytes(), allowed_content_types=H5P_CONTENT_TYPES)
    except DownloadError as error:
        raise PackageRejected(str(getattr(error, "message", error))) from None
    try:
        return install_package(source=str(path), uploaded_by=uploaded_by, title=title)
    finally:
        Path(path).unlink(missing_ok=True)


# What servers send for a .h5p: it is a zip, and few servers know the extension.
H5P_CONTENT_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream", "application/h5p")


def delete_package_files(*, package: H5PPackage) -> None:
    """Remove a deleted package's content files (libraries stay: other packages share them)."""
    if package.storage_path:
        _delete_folder(package.storage_path)
