"""Reads for SCORM: which package a lesson block plays, which file of it a URL names, and what a
learner's runtime data hands back to a SCO when it starts (resume)."""

from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from django.core.files.storage import default_storage

from courses.models import LessonPage
from courses.scorm.models import Attempt, ScoData, ScormPackage


@dataclass
class Activity:
    lesson: object  # courses.models.LessonPage
    block_id: str
    package: ScormPackage
    title: str


def activity_in(*, lesson, block_id: str) -> Activity | None:
    for block in lesson.body:
        if block.block_type == "scorm" and block.id == block_id:
            package = block.value.get("package")
            if package is None:
                return None
            return Activity(lesson=lesson, block_id=block_id, package=package,
                            title=block.value.get("title") or package.title)
    return None


def activity_for_player(*, lesson_key: UUID, block_id: str, language: str) -> Activity | None:
    """The SCORM block of a live lesson, from its translation in `language` first."""

    lessons = list(LessonPage.objects.live().filter(translation_key=lesson_key).select_related("locale"))
    lessons.sort(key=lambda lesson: lesson.locale.language_code != language)
    for lesson in lessons:
        activity = activity_in(lesson=lesson, block_id=block_id)
        if activity is not None:
            return activity
    return None


def choosable_packages():
    return ScormPackage.objects.filter(status=ScormPackage.Status.READY)


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\\" not in path and "\x00" not in path and all(part not in ("", ".", "..") for part in parts)


def package_file(*, package: ScormPackage, path: str) -> str | None:
    """The storage name of a file of an installed package, or None."""
    if not package.storage_path or not _safe_relative(path):
        return None
    name = f"{package.storage_path}/{path}"
    return name if default_storage.exists(name) else None


def item_for_path(*, package: ScormPackage, path: str, wanted: str = "") -> dict | None:
    """The item (SCO) a launched HTML file belongs to: the one asked for, else the one it launches."""
    for item in package.items:
        if wanted and item["identifier"] == wanted:
            return item
    for item in package.items:
        if urlsplit(item["href"]).path == path:
            return item
    return None


def item_by_identifier(*, package: ScormPackage, identifier: str) -> dict | None:
    return next((item for item in package.items if item["identifier"] == identifier), None)


def attempt_of(*, user, lesson_key, block_id: str) -> Attempt | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Attempt.objects.filter(user=user, lesson_key=lesson_key, block_id=block_id).first()


def owns_attempt(*, user, attempt_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not 0 < attempt_id < 2**63:
        return False
    return Attempt.objects.filter(pk=attempt_id, user=user).exists()


def _scorm12_time(seconds: float) -> str:
    seconds = max(0.0, seconds)
    hours, rest = divmod(int(round(seconds * 100)), 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{min(hours, 9999):04d}:{minutes:02d}:{rest / 100:05.2f}"


def _iso_time(seconds: float) -> str:
    return f"PT{max(0.0, seconds):.2f}S"


def _clean_number(value):
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _entry(row: ScoData) -> str:
    """"resume" after a suspend, and also when the learner left a SCO half-done without a last word:
    a lesson page closed mid-way (or a dropped connection) may lose the SCO's final commit, while
    its saved place and data arrived with the page turns before it."""
    if row.exit == "suspend":
        return "resume"
    unfinished = row.completion_status != "completed" and row.lesson_status not in ("passed", "completed", "failed")
    if not row.exit and unfinished and (row.location or row.suspend_data):
        return "resume"
    return ""


def initial_cmi(*, user, attempt: Attempt | None, package: ScormPackage, sco: str) -> dict:
    """What the runtime loads before the SCO starts (scorm-again's loadFromJSON shape): the learner's
    id (no name: least data) and, when she has been here before, where she was and what she saved."""
    row = ScoData.objects.filter(attempt=attempt, sco=sco).first() if attempt else None
    learner = str(user.pk) if getattr(user, "is_authenticated", False) else ""
    if package.version == "1.2":
        core = {"student_id": learner, "student_name": ""}
        data = {"core": core}
        if row is None:
            core["entry"] = "ab-initio"
            return data
        core.update({
            "entry": _entry(row),
            "lesson_location": row.location,
            "total_time": _scorm12_time(row.total_seconds + row.session_seconds),
        })
        if row.lesson_status:
            core["lesson_status"] = row.lesson_status
        if row.score_raw is not None:
            core["score"] = {"raw": _clean_number(row.score_raw), "min": _clean_number(row.score_min),
                             "max": _clean_number(row.score_max)}
        data["suspend_data"] = row.suspend_data
        return data
    data = {"learner_id": learner, "learner_name": ""}
    if row is None:
        data["entry"] = "ab-initio"
        return data
    data.update({
        "entry": _entry(row),
        "location": row.location,
        "suspend_data": row.suspend_data,
        "total_time": _iso_time(row.total_seconds + row.session_seconds),
    })
    if row.completion_status:
        data["completion_status"] = row.completion_status
    if row.success_status:
        data["success_status"] = row.success_status
    score = {key: _clean_number(getattr(row, f"score_{key}")) for key in ("scaled", "raw", "min", "max")
             if getattr(row, f"score_{key}") is not None}
    if score:
        data["score"] = score
    return data


def item_states(*, attempt: Attempt | None) -> dict[str, str]:
    """identifier -> "completed" / "passed" / "failed" / "" for the item list of a multi-SCO package."""
    if attempt is None:
        return {}
    states = {}
    for row in attempt.scos.all():
        states[row.sco] = row.success_status if row.success_status in ("passed", "failed") else (
            "completed" if row.completion_status == "completed" else "")
    return states
