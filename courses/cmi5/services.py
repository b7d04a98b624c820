"""Writes for cmi5, one protocol flow kept whole (~410 lines; issue 17 part 4): queueing courses (the
install: courses.cmi5.install), launching an AU per the cmi5 specification (registration,
LMS.LaunchData, "launched", one-time fetch token), checking what the AU sends with that token
against cmi5's rules, and moveOn: an AU satisfied -> the lesson block done -> the lesson.

The AU runs in an opaque-origin sandbox (like H5P and SCORM) and never gets the learner's session:
it talks to the LRS (courses.xapi) with a credential this module hands out once at the fetch URL,
valid only for her, this registration and this AU, and only while the session is open.
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.cmi5 import identity
from courses.cmi5.install import (  # noqa: F401  (courses.cmi5.services.<name> still works)
    CONTENT_ROOT,
    INCOMING_ROOT,
    delete_course_files,
    install_package,
    install_queued_course,
)
from courses.cmi5.models import AuSession, AuStatus, Cmi5Course, Registration
from courses.cmi5.tasks import install_cmi5_task
from courses.cmi5.validation import validate_package
from courses.models import LessonPage, LessonProgress
from courses.services import complete_lesson, unmet_requirements
from courses.xapi import documents
from courses.xapi import services as xapi
from courses.xapi.auth import Unauthenticated, register_scheme
from courses.xapi.identity import agent_for

logger = logging.getLogger(__name__)

LAUNCH_DATA = "LMS.LaunchData"
# How long a fetched token works after its launch (a long lesson on a shared PC, not a week).
TOKEN_HOURS = 12

VERB = "http://adlnet.gov/expapi/verbs/"
ADL = "https://w3id.org/xapi/adl/verbs/"
LAUNCHED, INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED = (
    VERB + name for name in ("launched", "initialized", "completed", "passed", "failed", "terminated"))
ABANDONED, WAIVED, SATISFIED = (ADL + name for name in ("abandoned", "waived", "satisfied"))
LMS_ONLY = {LAUNCHED, ABANDONED, WAIVED, SATISFIED}
CMI5_DEFINED = {LAUNCHED, INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED, ABANDONED, WAIVED, SATISFIED}
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
SESSION_ID, MASTERY, LAUNCH_MODE, LAUNCH_URL, MOVE_ON, LAUNCH_PARAMETERS = (
    EXT + name for name in ("sessionid", "masteryscore", "launchmode", "launchurl", "moveon", "launchparameters"))


class Cmi5Refused(xapi.NotAllowed):
    """A statement or document the AU may not send (403, cmi5 section 9 and 10)."""


# ---- Queueing --------------------------------------------------------------------------------


def add_course(*, upload, uploaded_by=None, title: str = "", language: str = "en") -> Cmi5Course:
    """Check an upload at once (a refusal stores nothing), then stage it for the background install."""
    validated = validate_package(upload)
    upload.seek(0)
    staged = default_storage.save(f"{INCOMING_ROOT}/{secrets.token_hex(16)}.zip", upload)
    try:
        with transaction.atomic():
            course = Cmi5Course.objects.create(
                title=(title or validated.title)[:255], staged_file=staged, uploaded_by=uploaded_by,
                aus=validated.aus, course_id=validated.course_id)
            transaction.on_commit(lambda: install_cmi5_task.enqueue(course_id=course.pk, language=language))
    except BaseException:
        default_storage.delete(staged)
        raise
    return course



# ---- Launching ---------------------------------------------------------------------------------


def _now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    return f"PT{max(seconds, 0):.2f}S"


def context_template(*, registration: Registration, au: dict, session_id) -> dict:
    """What every statement of this AU session carries (cmi5 section 10.2.1, contextTemplate)."""
    return {
        "contextActivities": {"grouping": [{"id": au["id"]}]},
        "extensions": {SESSION_ID: str(session_id)},
    }


def _lms_statement(*, registration: Registration, au_index: int, au: dict, session_id, verb: str,
                   display: str, now: datetime, result: dict | None = None, extensions: dict | None = None,
                   object_id: str | None = None) -> dict:
    template = context_template(registration=registration, au=au, session_id=session_id)
    context = {
        "registration": str(registration.registration),
        "contextActivities": {**template["contextActivities"], "category": [{"id": CMI5_CATEGORY}]},
        "extensions": {**template["extensions"], **(extensions or {})},
    }
    if object_id is not None:
        context["contextActivities"] = {"category": [{"id": CMI5_CATEGORY}]}
    statement = {
        "id": str(uuid.uuid4()), "actor": agent_for(registration.user), "timestamp": _now_iso(now),
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": {"objectType": "Activity",
                   "id": object_id or identity.au_iri(registration.lesson_key, registration.block_id, au_index)},
        "context": context,
    }
    if result:
        statement["result"] = result
    return statement


def _store_as_lms(registration: Registration, statements: list[dict], now: datetime) -> None:
    xapi.store_statements(statements=statements, requester=xapi.Requester(user=registration.user), now=now)


def registration_for(*, user, lesson_key, block_id: str, course: Cmi5Course) -> Registration:
    """Her registration for this block: one per learner and block, the same on every device."""
    registration, _created = Registration.objects.get_or_create(
        user=user, lesson_key=lesson_key, block_id=block_id,
        defaults={"course": course, "registration": uuid.uuid4()},
    )
    return registration


@dataclass(frozen=True)
class Launch:
    registration: Registration
    session: AuSession
    au_index: int
    activity_id: str


def _abandon_open_sessions(registration: Registration, now: datetime) -> None:
    """A session left without "terminated" is abandoned when the next one starts (cmi5 9.3.7)."""
    course_aus = registration.course.aus
    for session in AuSession.objects.select_for_update().filter(
            registration=registration, terminated_at__isnull=True, abandoned_at__isnull=True):
        au = course_aus[session.au_index] if session.au_index < len(course_aus) else {"id": ""}
        seconds = ((session.last_statement_at or session.launched_at) - session.launched_at).total_seconds()
        _store_as_lms(registration, [_lms_statement(
            registration=registration, au_index=session.au_index, au=au, session_id=session.session_id,
            verb=ABANDONED, display="abandoned", now=now, result={"duration": _duration(seconds)})], now)
        session.abandoned_at = now
        session.token_hash = ""
        session.save(update_fields=["abandoned_at", "token_hash"])


@transaction.atomic
def launch(*, user, lesson, block_id: str, course: Cmi5Course, au_index: int, return_url: str,
           now: datetime | None = None) -> Launch:
    """Start a session of one AU for her: LMS.LaunchData written, "launched" sent, a fetch URL ready.
    The caller has checked she may read the lesson and that the block plays this course."""
    now = now or timezone.now()
    au = course.aus[au_index]
    registration = registration_for(user=user, lesson_key=lesson.translation_key, block_id=block_id, course=course)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _abandon_open_sessions(registration, now)
    session = AuSession.objects.create(registration=registration, au_index=au_index, session_id=uuid.uuid4(),
                                       launched_at=now)
    activity_id = identity.au_iri(lesson.translation_key, block_id, au_index)
    launch_data = {
        "contextTemplate": context_template(registration=registration, au=au, session_id=session.session_id),
        "launchMode": "Normal",
        "moveOn": au["moveOn"],
        "returnURL": return_url,
    }
    if au.get("masteryScore") is not None:
        launch_data["masteryScore"] = au["masteryScore"]
    if au.get("launchParameters"):
        launch_data["launchParameters"] = au["launchParameters"]
    xapi.save_state(user=user, activity_id=activity_id, state_id=LAUNCH_DATA,
                    document=json.dumps(launch_data, ensure_ascii=False), registration=registration.registration)
    extensions = {LAUNCH_MODE: "Normal", LAUNCH_URL: au["url"], MOVE_ON: au["moveOn"]}
    if au.get("launchParameters"):
        extensions[LAUNCH_PARAMETERS] = au["launchParameters"]
    if au.get("masteryScore") is not None:
        extensions[MASTERY] = au["masteryScore"]
    _store_as_lms(registration, [_lms_statement(
        registration=registration, au_index=au_index, au=au, session_id=session.session_id,
        verb=LAUNCHED, display="launched", now=now, extensions=extensions)], now)
    status, _created = AuStatus.objects.get_or_create(registration=registration, au_index=au_index)
    if au["moveOn"] == "NotApplicable" and status.satisfied_at is None:
        _satisfy(registration, status, au, session.session_id, now)
    return Launch(registration=registration, session=session, au_index=au_index, activity_id=activity_id)


class TokenRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def fetch_token(*, session_id, now: datetime | None = None) -> str:
    """The auth token for one launch, handed out once (cmi5 8.2: a second request gets error 1)."""
    now = now or timezone.now()
    session = AuSession.objects.select_for_update().filter(session_id=session_id).first()
    if session is None or not session.is_open or now - session.launched_at > timedelta(hours=TOKEN_HOURS):
        raise TokenRefused("2", _("This launch is not valid any more. Open the activity again from the lesson."))
    if session.fetched_at is not None:
        raise TokenRefused("1", _("The token of this launch was already handed out."))
    secret = secrets.token_urlsafe(32)
    session.token_hash = _hash(secret)
    session.fetched_at = now
    session.save(update_fields=["token_hash", "fetched_at"])
    return base64.b64encode(f"cmi5.{session.session_id}:{secret}".encode()).decode()


# ---- What the AU sends with its token ------------------------------------------------------------


def _resolve(key: str, secret: str):
    """The statement store's credential scheme for an AU session (courses.xapi.auth)."""
    if not key.startswith("cmi5."):
        return None
    try:
        session_id = uuid.UUID(key[5:])
    except ValueError:
        raise Unauthenticated from None
    session = AuSession.objects.select_related("registration__user", "registration__course").filter(
        session_id=session_id).first()
    if (session is None or not session.token_hash or session.abandoned_at is not None
            or timezone.now() - session.launched_at > timedelta(hours=TOKEN_HOURS)
            or not hmac.compare_digest(session.token_hash, _hash(secret))
            or not session.registration.user.is_active):
        raise Unauthenticated
    return xapi.Requester(user=session.registration.user, launch=AuGrant(session))


register_scheme(_resolve)


def _categories(statement: dict) -> set[str]:
    context = statement.get("context") or {}
    found = (context.get("contextActivities") or {}).get("category") or []
    if isinstance(found, dict):
        found = [found]
    return {item.get("id") for item in found if isinstance(item, dict)}


def _scaled(statement: dict):
    score = (statement.get("result") or {}).get("score") or {}
    return score.get("scaled") if isinstance(score, dict) else None


class AuGrant:
    """What an AU session may do in the LRS, and the cmi5 rules its statements must keep."""

    read_only_documents = frozenset({LAUNCH_DATA})

    def __init__(self, session: AuSession):
        self.session = session
        self.registration = session.registration
        self.registration_id = session.registration.registration
        self.au = self.registration.course.aus[session.au_index]
        self.activity_id = identity.au_iri(self.registration.lesson_key, self.registration.block_id,
                                           session.au_index)

    def check_document(self, where, *, write: bool) -> None:
        if where.resource == documents.AGENT_PROFILE and not write:
            return  # cmi5LearnerPreferences, read only
        if (where.resource != documents.STATE or where.activity_id != self.activity_id
                or where.registration != self.registration.registration):
            raise Cmi5Refused(_("This AU may only use its own state in its own registration."))

    def check_statements(self, statements: list[dict], *, now: datetime) -> None:
        session = AuSession.objects.get(pk=self.session.pk)
        status = AuStatus.objects.filter(registration=self.registration, au_index=self.session.au_index).first()
        initialized, terminated, judged = (session.initialized_at is not None, session.terminated_at is not None,
                                           session.judged)
        completed = bool(status and status.completed_at)
        passed = bool(status and status.passed_at)
        mastery = self.au.get("masteryScore")
        for statement in statements:
            verb = statement["verb"]["id"]
            context = statement.get("context") or {}
            if not session.is_open or terminated:
                raise Cmi5Refused(_("This AU session has ended (terminated or abandoned): launch the AU again."))
            if context.get("registration") != str(self.registration.registration):
                raise Cmi5Refused(_("The statement must carry the registration of its launch."))
            if (context.get("extensions") or {}).get(SESSION_ID) != str(session.session_id):
                raise Cmi5Refused(_("The statement must carry the session id of its launch (the contextTemplate)."))
            if verb in LMS_ONLY:
                raise Cmi5Refused(_("Only the LMS sends “%(verb)s” statements.") % {"verb": verb.rsplit("/", 1)[-1]})
            if not initialized and verb != INITIALIZED:
                raise Cmi5Refused(_("The first statement of an AU session must be “initialized”."))
            if verb not in CMI5_DEFINED:
                continue
            if statement["object"].get("id") != self.activity_id or CMI5_CATEGORY not in _categories(statement):
                raise Cmi5Refused(_("A cmi5 statement must be about its AU and carry the cmi5 category."))
            result = statement.get("result") or {}
            if verb == INITIALIZED:
                if initialized:
                    raise Cmi5Refused(_("This AU session is already initialized."))
                initialized = True
            elif verb in (COMPLETED, PASSED, FAILED):
                if MOVEON_CATEGORY not in _categories(statement):
                    raise Cmi5Refused(_("“completed”, “passed” and “failed” must carry the moveOn category."))
                if verb == COMPLETED:
                    if completed or result.get("completion") is False:
                        raise Cmi5Refused(_("The AU is completed once per registration, with no completion false."))
                    completed = True
                else:
                    if judged or passed:
                        raise Cmi5Refused(_("Passed or failed is sent once per session, and never after passed."))
                    success = result.get("success")
                    scaled = _scaled(statement)
                    if verb == PASSED and (success is False or (
                            mastery is not None and (scaled is None or scaled < mastery))):
                        raise Cmi5Refused(_("“passed” needs success true and a scaled score of at least the mastery score."))
                    if verb == FAILED and (success is True or (
                            mastery is not None and (scaled is None or scaled >= mastery))):
                        raise Cmi5Refused(_("“failed” needs success false and a scaled score below the mastery score."))
                    judged = True
                    passed = passed or verb == PASSED
            elif verb == TERMINATED:
                terminated = True

    def stored(self, statements: list[dict], *, now: datetime) -> None:
        session = AuSession.objects.select_for_update().get(pk=self.session.pk)
        registration = Registration.objects.select_for_update().get(pk=self.registration.pk)
        status, _created = AuStatus.objects.select_for_update().get_or_create(
            registration=registration, au_index=session.au_index)
        for statement in statements:
            verb = statement["verb"]["id"]
            if verb == INITIALIZED:
                session.initialized_at = now
            elif verb == COMPLETED:
                status.completed_at = status.completed_at or now
            elif verb == PASSED:
                session.judged = True
                status.passed_at = status.passed_at or now
            elif verb == FAILED:
                session.judged = True
                status.failed_at = now
            elif verb == TERMINATED:
                session.terminated_at = now
        session.last_statement_at = now
        session.save()
        status.save()
        if status.satisfied_at is None and move_on_met(self.au["moveOn"], status):
            _satisfy(registration, status, self.au, session.session_id, now)


def move_on_met(move_on: str, status: AuStatus) -> bool:
    """cmi5 section 10 (moveOn): whether what the AU reached satisfies it."""
    if status.waived or move_on == "NotApplicable":
        return True
    completed, passed = status.completed_at is not None, status.passed_at is not None
    return {
        "Completed": completed, "Passed": passed, "CompletedAndPassed": completed and passed,
        "CompletedOrPassed": completed or passed,
    }.get(move_on, False)


def _satisfy(registration: Registration, status: AuStatus, au: dict, session_id, now: datetime) -> None:
    """The LMS's "satisfied" for the AU, and for the block (its course) once every AU is satisfied;
    then the lesson is completed when nothing else is missing."""
    status.satisfied_at = now
    status.save(update_fields=["satisfied_at"])
    _store_as_lms(registration, [_lms_statement(
        registration=registration, au_index=status.au_index, au=au, session_id=session_id,
        verb=SATISFIED, display="satisfied", now=now)], now)
    aus = registration.course.aus
    satisfied = set(AuStatus.objects.filter(registration=registration, satisfied_at__isnull=False)
                    .values_list("au_index", flat=True))
    if registration.satisfied_at is None and satisfied >= set(range(len(aus))):
        registration.satisfied_at = now
        registration.save(update_fields=["satisfied_at"])
        _store_as_lms(registration, [_lms_statement(
            registration=registration, au_index=status.au_index, au=au, session_id=session_id, verb=SATISFIED,
            display="satisfied", now=now,
            object_id=identity.block_iri(registration.lesson_key, registration.block_id))], now)
        _complete_lesson_if_ready(registration, now)


def _complete_lesson_if_ready(registration: Registration, now: datetime) -> None:
    lesson = LessonPage.objects.filter(translation_key=registration.lesson_key).order_by("-live", "pk").first()
    if lesson is None:
        return
    user = registration.user
    if LessonProgress.objects.filter(user=user, lesson_key=lesson.translation_key, completed_at__isnull=False).exists():
        return
    if not unmet_requirements(user=user, lesson=lesson):
        complete_lesson(user=user, lesson=lesson, now=now)


def erase_registrations_of(*, user) -> int:
    deleted, _per_model = Registration.objects.filter(user=user).delete()
    return deleted

