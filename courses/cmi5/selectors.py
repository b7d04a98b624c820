"""Reads for cmi5: the block a lesson plays, a learner's registration and AU statuses, package files."""

import posixpath
from dataclasses import dataclass
from uuid import UUID

from django.core.files.storage import default_storage

from courses.cmi5.models import AuSession, AuStatus, Cmi5Course, Registration
from courses.h5p.selectors import may_view as h5p_may_view
from courses.models import LessonPage


@dataclass(frozen=True)
class Cmi5Block:
    lesson: object
    block_id: str
    course: Cmi5Course
    title: str


def block_in(*, lesson_key: UUID, block_id: str, language: str) -> Cmi5Block | None:
    """The cmi5 block of a lesson (the translation in `language` if there is one, live first)."""
    lessons = list(LessonPage.objects.live().filter(translation_key=lesson_key).select_related("locale"))
    lessons.sort(key=lambda lesson: lesson.locale.language_code != language)
    for lesson in lessons:
        for block in lesson.body:
            if block.block_type == "cmi5" and block.id == block_id:
                course = block.value.get("course")
                if course is None:
                    return None
                return Cmi5Block(lesson=lesson, block_id=block_id, course=course, title=block.value.get("title") or "")
    return None


def may_view(*, request, lesson) -> bool:
    return h5p_may_view(request=request, lesson=lesson)


def satisfied_blocks(*, user, lesson_key: UUID) -> set[str]:
    return set(Registration.objects.filter(user=user, lesson_key=lesson_key, satisfied_at__isnull=False)
               .values_list("block_id", flat=True))


def au_statuses(*, user, lesson_key: UUID, block_id: str) -> dict[int, AuStatus]:
    return {status.au_index: status for status in AuStatus.objects.filter(
        registration__user=user, registration__lesson_key=lesson_key, registration__block_id=block_id)}


def session_by_id(*, session_id: UUID) -> AuSession | None:
    return AuSession.objects.filter(session_id=session_id).first()


def course_file(*, course_id: int, path: str) -> str | None:
    """The storage name of a file of a ready course, or None (unknown course, path leaving it, no file)."""
    course = Cmi5Course.objects.filter(pk=course_id, status=Cmi5Course.Status.READY).first()
    normal = posixpath.normpath(path) if path else ""
    if course is None or not normal or normal.startswith(("../", "/")) or normal == ".." or "\\" in path:
        return None
    name = f"{course.storage_path}/{normal}"
    return name if default_storage.exists(name) else None


def choosable_courses():
    return Cmi5Course.objects.filter(status=Cmi5Course.Status.READY)
