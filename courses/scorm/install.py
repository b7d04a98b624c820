"""Installing SCORM packages, as H5P activities are (courses.h5p.install: the same storage writer and
clean-up): at once (install_package: the demo, commands, tests) or in the background for a package the
admin queued (install_queued_package, run by courses.scorm.tasks). courses.scorm.services re-exports these.
"""

import logging
import zipfile

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from courses.h5p.install import PackageWriter, delete_file, delete_folder
from courses.scorm.models import ScormPackage
from courses.scorm.validation import PackageRejected, ValidatedScorm, validate_package

logger = logging.getLogger(__name__)

CONTENT_ROOT = "scorm/content"
INCOMING_ROOT = "scorm/incoming"


def _install(*, source, package: ScormPackage, validated: ValidatedScorm | None = None) -> ScormPackage:
    if validated is None:
        validated = validate_package(source)
    if hasattr(source, "seek"):
        source.seek(0)
    with zipfile.ZipFile(source) as archive:
        writer = PackageWriter(archive)
        try:
            with transaction.atomic():
                if package.pk is not None:
                    package = ScormPackage.objects.select_for_update().get(pk=package.pk)
                    if package.is_ready:
                        return package
                package.title = (package.title or validated.title)[:255]
                package.version = validated.version
                package.items = validated.items
                package.unsupported = validated.unsupported
                package.size, package.file_count = validated.total_bytes, len(validated.files)
                package.status, package.progress, package.error = ScormPackage.Status.READY, 100, ""
                package.staged_file = ""
                package.save()
                folder = f"{CONTENT_ROOT}/{package.pk}"
                for name in validated.files:
                    writer.copy(name, f"{folder}/{name}")
                package.storage_path = folder
                package.save(update_fields=["storage_path"])
        except BaseException:
            writer.remove_all()
            raise
    return package


def install_package(*, source, uploaded_by=None, title: str = "") -> ScormPackage:
    """Validate and install a SCORM zip (a path or a seekable file) at once: the demo, commands, tests."""
    return _install(source=source, package=ScormPackage(title=title[:255], uploaded_by=uploaded_by))


def install_queued_package(*, package_id: int) -> None:
    """The background half of add_package; a package that is ready, failed or deleted is left alone."""
    package = ScormPackage.objects.filter(
        pk=package_id, status__in=[ScormPackage.Status.PENDING, ScormPackage.Status.INSTALLING]
    ).first()
    if package is None:
        return
    ScormPackage.objects.filter(pk=package_id).update(status=ScormPackage.Status.INSTALLING, progress=10)
    source = None
    interrupted = False
    try:
        source = default_storage.open(package.staged_file, "rb")
        _install(source=source, package=package)
    except PackageRejected as rejected:
        _set_failed(package_id, error=rejected.message)
    except ScormPackage.DoesNotExist:
        pass
    except Exception:
        logger.exception("installing SCORM package %s failed", package_id)
        _set_failed(package_id, error=_("The package could not be installed because of an error on the server. "
                                        "Delete it and add it again, or ask for help if it happens again."))
    except BaseException:
        interrupted = True
        raise
    finally:
        if source is not None:
            source.close()
        if package.staged_file and not interrupted:
            delete_file(package.staged_file)


def _set_failed(package_id: int, *, error: str) -> None:
    ScormPackage.objects.filter(pk=package_id).exclude(status=ScormPackage.Status.READY).update(
        status=ScormPackage.Status.FAILED, error=error, staged_file=""
    )


def delete_package_files(*, package: ScormPackage) -> None:
    if package.storage_path:
        delete_folder(package.storage_path)
    if package.staged_file:
        delete_file(package.staged_file)
