"""Installing cmi5 courses: at once (install_package: the demo, tests) or in the background for a course
the admin queued (install_queued_course, run by courses.cmi5.tasks), and removing a deleted course's
files. courses.cmi5.services re-exports these.
"""

import logging
import zipfile

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from courses.cmi5.models import Cmi5Course
from courses.cmi5.validation import PackageRejected, ValidatedCourse, validate_package
from courses.h5p.install import PackageWriter

logger = logging.getLogger(__name__)

CONTENT_ROOT = "cmi5/content"
INCOMING_ROOT = "cmi5/incoming"


def _copy_files(archive: zipfile.ZipFile, names: list[str], folder: str) -> list[str]:
    """Copy these zip members into `folder` with the H5P and SCORM writer; a failure removes what it wrote."""
    writer = PackageWriter(archive)
    try:
        for name in names:
            writer.copy(name, f"{folder}/{name}")
    except BaseException:
        writer.remove_all()
        raise
    return writer.written


def _install(*, source, course: Cmi5Course, validated: ValidatedCourse | None = None) -> Cmi5Course:
    if validated is None:
        validated = validate_package(source)
    if hasattr(source, "seek"):
        source.seek(0)
    with zipfile.ZipFile(source) as archive, transaction.atomic():
        if course.pk is not None:
            course = Cmi5Course.objects.select_for_update().get(pk=course.pk)
            if course.is_ready:
                return course
        course.title = (course.title or validated.title)[:255]
        course.course_id = validated.course_id
        course.aus = validated.aus
        course.size, course.file_count = validated.total_bytes, len(validated.files)
        course.status, course.error, course.staged_file = Cmi5Course.Status.READY, "", ""
        course.save()
        course.storage_path = f"{CONTENT_ROOT}/{course.pk}"
        _copy_files(archive, validated.files, course.storage_path)
        course.save(update_fields=["storage_path"])
    return course


def install_package(*, source, uploaded_by=None, title: str = "") -> Cmi5Course:
    """Validate and install a cmi5 zip at once (the demo, tests); raises PackageRejected, storing nothing."""
    return _install(source=source, course=Cmi5Course(title=title[:255], uploaded_by=uploaded_by))


def install_queued_course(*, course_id: int) -> None:
    """The background half of add_course; a course that is ready, failed or deleted is left alone."""
    course = Cmi5Course.objects.filter(
        pk=course_id, status__in=[Cmi5Course.Status.PENDING, Cmi5Course.Status.INSTALLING]).first()
    if course is None:
        return
    Cmi5Course.objects.filter(pk=course_id).update(status=Cmi5Course.Status.INSTALLING)
    try:
        with default_storage.open(course.staged_file, "rb") as source:
            _install(source=source, course=course)
    except PackageRejected as rejected:
        Cmi5Course.objects.filter(pk=course_id).update(status=Cmi5Course.Status.FAILED, error=rejected.message)
    except Exception:
        logger.exception("installing cmi5 course %s failed", course_id)
        Cmi5Course.objects.filter(pk=course_id).update(
            status=Cmi5Course.Status.FAILED,
            error=_("The course could not be installed because of an error on the server. Delete it and add it again."))
    finally:
        if course.staged_file:
            default_storage.delete(course.staged_file)


def delete_course_files(*, course: Cmi5Course) -> None:
    if not course.storage_path:
        return
    for name in [line for line in _walk(course.storage_path)]:
        default_storage.delete(name)


def _walk(folder: str):
    try:
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(f"{folder}/{directory}")
