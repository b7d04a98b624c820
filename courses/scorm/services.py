"""Writes for SCORM: queueing packages (like H5P activities: staged upload, background task; the
install itself is courses.scorm.install) and storing each learner's runtime data, commit by commit.

A commit is what the SCO's runtime (scorm-again, inside the sandboxed frame) holds, relayed by the
lesson page with the learner's session. It carries an id made by the lesson page: a retry of a
commit already applied is acknowledged and changes nothing. Status changes become xAPI statements
about the lesson block (courses.xapi), so lesson completion, points and dashboards follow them.
"""

import logging
import math
import re
import secrets
import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from courses.scorm.install import (  # noqa: F401  (courses.scorm.services.<name> still works)
    CONTENT_ROOT,
    INCOMING_ROOT,
    delete_package_files,
    install_package,
    install_queued_package,
)
from courses.scorm.models import Attempt, Commit, ScoData, ScormPackage
from courses.scorm.tasks import install_scorm_task
from courses.scorm.validation import ValidatedScorm
from courses.xapi import services as xapi_services
from courses.xapi.identity import activity_iri, agent_for

logger = logging.getLogger(__name__)


# The SCORM data model's limits (SCORM 1.2 RTE 3.4; SCORM 2004 4th edition RTE 4.2).
LIMITS = {
    "1.2": {"suspend_data": 4096, "location": 255},
    "2004": {"suspend_data": 64000, "location": 1000},
}
MAX_INTERACTIONS = 250
MAX_INTERACTION_FIELD = 4000
LESSON_STATUSES = {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"}
COMPLETION_STATUSES = {"completed", "incomplete", "not attempted", "unknown"}
SUCCESS_STATUSES = {"passed", "failed", "unknown"}
EXITS = {"time-out", "suspend", "logout", "normal", ""}
_SCORM12_TIME = re.compile(r"^(\d{1,4}):([0-5]?\d):([0-5]?\d(?:\.\d{1,2})?)$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


# ---- Queueing ---------------------------------------------------------------------------------


def add_package(*, upload, uploaded_by=None, title: str = "", validated: ValidatedScorm | None = None) -> ScormPackage:
    """Queue an upload the admin form has checked: staged in storage, installed by a background task.
    What the check found (version, items, what is not supported) is on the row at once, for the editor."""
    staged = default_storage.save(f"{INCOMING_ROOT}/{secrets.token_hex(16)}.zip", upload)
    try:
        with transaction.atomic():
            package = ScormPackage.objects.create(
                title=title[:255], staged_file=staged, uploaded_by=uploaded_by, status=ScormPackage.Status.PENDING,
                version=validated.version if validated else "", items=validated.items if validated else [],
                unsupported=validated.unsupported if validated else [],
            )
            language = get_language() or settings.LANGUAGE_CODE
            transaction.on_commit(lambda: install_scorm_task.enqueue(package_id=package.pk, language=language))
    except BaseException:
        default_storage.delete(staged)
        raise
    return package



# ---- Runtime data ----------------------------------------------------------------------------


class CommitRefused(Exception):
    """A commit that is stored not at all; `message` says why, in the learner's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def seconds_of(value) -> float | None:
    """SCORM 1.2 HHHH:MM:SS.SS or SCORM 2004 ISO 8601 duration, in seconds; None when malformed."""
    if not isinstance(value, str) or not value:
        return None
    match = _SCORM12_TIME.match(value)
    if match:
        return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    match = _ISO_DURATION.match(value)
    if match and value not in ("P", "PT") and not value.endswith("T"):
        years, months, days, hours, minutes, secs = (float(group or 0) for group in match.groups())
        return ((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + secs
    return None


def _number(value, *, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CommitRefused(_("“%(name)s” is not a number.") % {"name": name}) from None
    if not math.isfinite(number) or abs(number) > 1e9:
        raise CommitRefused(_("“%(name)s” is not a number.") % {"name": name})
    return number


def _string(value, *, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise CommitRefused(_("“%(name)s” must be text.") % {"name": name})
    text = str(value)
    if "\x00" in text:
        raise CommitRefused(_("“%(name)s” contains a NUL character.") % {"name": name})
    if len(text) > limit:
        raise CommitRefused(
            _("“%(name)s” is %(length)d characters long; SCORM allows at most %(limit)d.")
            % {"name": name, "length": len(text), "limit": limit}
        )
    return text


def _interactions(value) -> list[dict]:
    if value in (None, "", {}):
        return []
    if isinstance(value, dict):
        value = value.get("childArray", [value[key] for key in sorted(value, key=str) if str(key).isdigit()])
    if not isinstance(value, list):
        raise CommitRefused(_("“interactions” must be a list."))
    if len(value) > MAX_INTERACTIONS:
        raise CommitRefused(_("At most %(count)d interactions are kept.") % {"count": MAX_INTERACTIONS})
    kept = []
    for entry in value:
        if not isinstance(entry, dict):
            raise CommitRefused(_("An interaction is not an object."))
        row = {}
        for key in ("id", "type", "timestamp", "time", "weighting", "learner_response", "student_response",
                    "result", "latency", "description"):
            if key in entry and isinstance(entry[key], str | int | float) and not isinstance(entry[key], bool):
                row[key] = _string(entry[key], name=f"interactions.{key}", limit=MAX_INTERACTION_FIELD)
        kept.append(row)
    return kept


def parse_cmi(version: str, cmi) -> dict:
    """The fields Sangkat keeps from a commit's CMI object (scorm-again's JSON rendering), checked
    against the data model's limits. Raises CommitRefused."""
    if not isinstance(cmi, dict):
        raise CommitRefused(_("The runtime data is not an object."))
    limits = LIMITS[version]
    if version == "1.2":
        core = cmi.get("core") if isinstance(cmi.get("core"), dict) else {}
        score = core.get("score") if isinstance(core.get("score"), dict) else {}
        status = _string(core.get("lesson_status"), name="cmi.core.lesson_status", limit=20)
        if status and status not in LESSON_STATUSES:
            raise CommitRefused(_("“%(value)s” is not a SCORM 1.2 lesson status.") % {"value": status})
        data = {
            "location": _string(core.get("lesson_location"), name="cmi.core.lesson_location", limit=limits["location"]),
            "lesson_status": status,
            "completion_status": "completed" if status in ("passed", "completed", "failed") else
            ("incomplete" if status else ""),
            "success_status": status if status in ("passed", "failed") else "",
            "score_raw": _number(score.get("raw"), name="cmi.core.score.raw"),
            "score_min": _number(score.get("min"), name="cmi.core.score.min"),
            "score_max": _number(score.get("max"), name="cmi.core.score.max"),
            "score_scaled": None,
            "exit": _string(core.get("exit"), name="cmi.core.exit", limit=20),
            "session_time": core.get("session_time"),
            "suspend_data": _string(cmi.get("suspend_data"), name="cmi.suspend_data", limit=limits["suspend_data"]),
            "interactions": _interactions(cmi.get("interactions")),
        }
        if data["score_raw"] is not None:
            low, high = data["score_min"] or 0, data["score_max"] if data["score_max"] is not None else 100
            if high > low:
                data["score_scaled"] = max(-1.0, min(1.0, (data["score_raw"] - low) / (high - low)))
    else:
        score = cmi.get("score") if isinstance(cmi.get("score"), dict) else {}
        completion = _string(cmi.get("completion_status"), name="cmi.completion_status", limit=20)
        success = _string(cmi.get("success_status"), name="cmi.success_status", limit=20)
        if completion and completion not in COMPLETION_STATUSES:
            raise CommitRefused(_("“%(value)s” is not a SCORM 2004 completion status.") % {"value": completion})
        if success and success not in SUCCESS_STATUSES:
            raise CommitRefused(_("“%(value)s” is not a SCORM 2004 success status.") % {"value": success})
        scaled = _number(score.get("scaled"), name="cmi.score.scaled")
        if scaled is not None and not -1 <= scaled <= 1:
            raise CommitRefused(_("“cmi.score.scaled” must be between -1 and 1."))
        data = {
            "location": _string(cmi.get("location"), name="cmi.location", limit=limits["location"]),
            "lesson_status": "",
            "completion_status": completion,
            "success_status": success,
            "score_raw": _number(score.get("raw"), name="cmi.score.raw"),
            "score_min": _number(score.get("min"), name="cmi.score.min"),
            "score_max": _number(score.get("max"), name="cmi.score.max"),
            "score_scaled": scaled,
            "exit": _string(cmi.get("exit"), name="cmi.exit", limit=20),
            "session_time": cmi.get("session_time"),
            "suspend_data": _string(cmi.get("suspend_data"), name="cmi.suspend_data", limit=limits["suspend_data"]),
            "interactions": _interactions(cmi.get("interactions")),
        }
    if data["exit"] not in EXITS:
        data["exit"] = ""
    session = data.pop("session_time")
    data["session_seconds"] = seconds_of(session) if session not in (None, "") else None
    if session not in (None, "") and data["session_seconds"] is None:
        raise CommitRefused(_("“session_time” is not a SCORM time."))
    return data


def attempt_for(*, user, lesson_key, block_id: str, package: ScormPackage) -> Attempt:
    """The learner's attempt at this block, created on first use (of the block's current package)."""
    attempt = Attempt.objects.filter(user=user, lesson_key=lesson_key, block_id=block_id).first()
    if attempt is None:
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(user=user, lesson_key=lesson_key, block_id=block_id, package=package)
        except IntegrityError:
            attempt = Attempt.objects.get(user=user, lesson_key=lesson_key, block_id=block_id)
    return attempt


def record_commit(*, user, attempt_id: int, sco: str, commit_id, session_key: str, cmi) -> Attempt:
    """Apply one commit of one SCO to the learner's own attempt. Raises CommitRefused (nothing is
    stored) or Attempt.DoesNotExist (not her attempt: the view answers 404)."""
    try:
        commit_uuid = uuid.UUID(str(commit_id))
    except ValueError:
        raise CommitRefused(_("The commit has no valid id.")) from None
    if not isinstance(session_key, str) or not re.fullmatch(r"[A-Za-z0-9-]{8,64}", session_key):
        raise CommitRefused(_("The commit has no valid session key."))
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("package").get(pk=attempt_id, user=user)
        items = {item["identifier"] for item in attempt.package.items}
        if sco not in items:
            raise CommitRefused(_("This package has no item “%(sco)s”.") % {"sco": str(sco)[:100]})
        if Commit.objects.filter(attempt=attempt, commit_id=commit_uuid).exists():
            return attempt  # a retry of a commit already applied
        data = parse_cmi(attempt.package.version, cmi)
        Commit.objects.create(attempt=attempt, commit_id=commit_uuid)
        row, _created = ScoData.objects.select_for_update().get_or_create(attempt=attempt, sco=sco)
        session_seconds = data.pop("session_seconds")
        if row.session_key != session_key:
            # A new launch: the time of the one before becomes part of the total.
            row.total_seconds += row.session_seconds
            row.session_key, row.session_seconds = session_key, 0
        if session_seconds is not None:
            row.session_seconds = session_seconds
        for name, value in data.items():
            setattr(row, name, value)
        row.save()
        attempt.current_sco = sco
        _roll_up(attempt)
        attempt.save()
        _record_statements(attempt=attempt, commit_uuid=commit_uuid)
    return attempt


def _roll_up(attempt: Attempt) -> None:
    """The package's status from its SCOs: completed when every item is; passed once it is completed
    and every item that reports success passed (failed as soon as one failed); scored by the mean of
    the scored items."""
    rows = {row.sco: row for row in attempt.scos.all()}
    identifiers = [item["identifier"] for item in attempt.package.items]
    done = [rows.get(identifier) for identifier in identifiers]
    attempt.completed = all(row is not None and row.completion_status == "completed" for row in done)
    successes = [row.success_status for row in done if row is not None and row.success_status in ("passed", "failed")]
    if "failed" in successes:
        attempt.passed = False
    elif successes and attempt.completed:
        attempt.passed = True
    else:
        attempt.passed = None
    scores = [row.score_scaled for row in done if row is not None and row.score_scaled is not None]
    attempt.score_scaled = sum(scores) / len(scores) if scores else None


def _record_statements(*, attempt: Attempt, commit_uuid: uuid.UUID) -> None:
    """xAPI statements about the lesson block, each with an id derived from what it says, so a status
    reached again (or a retried commit) stores nothing new. Lesson completion follows (courses.xapi)."""

    iri = activity_iri(lesson_key=attempt.lesson_key, block_id=attempt.block_id, kind="scorm")
    verbs = []
    result = {}
    if attempt.score_scaled is not None:
        result["score"] = {"scaled": round(attempt.score_scaled, 4)}
    if attempt.completed:
        verbs.append(("completed", {**result, "completion": True}))
    if attempt.passed is True:
        verbs.append(("passed", {**result, "success": True, "completion": attempt.completed}))
    elif attempt.passed is False:
        verbs.append(("failed", {**result, "success": False, "completion": attempt.completed}))
    elif result:
        verbs.append(("scored", result))
    statements = []
    for verb, verb_result in verbs:
        key = f"{attempt.pk}:{verb}:{verb_result.get('score', {}).get('scaled')}"
        statements.append({
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{iri}#{key}")),
            "actor": agent_for(attempt.user),
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
            "object": {"objectType": "Activity", "id": iri, "definition": {
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "name": {"en-US": attempt.package.title or "SCORM"}}},
            "result": verb_result,
            "context": {"extensions": {"https://w3id.org/xapi/scorm/extensions/version": attempt.package.version}},
            "timestamp": timezone.now().isoformat(),
        })
    if not statements:
        return
    stored = set(
        str(pk) for pk in xapi_services.statements_about(attempt.user).filter(
            id__in=[statement["id"] for statement in statements]).values_list("id", flat=True)
    )
    fresh = [statement for statement in statements if statement["id"] not in stored]
    if fresh:
        xapi_services.store_statements(statements=fresh, requester=xapi_services.Requester(user=attempt.user))


def erase_attempts_of(*, user) -> int:
    return Attempt.objects.filter(user=user).delete()[0]

