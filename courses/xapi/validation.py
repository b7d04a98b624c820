"""Checks an incoming xAPI 1.0.3 statement and derives what the store indexes from it (one checker, ~400 lines).

Structure (required properties, IRIs, UUIDs, score ranges, language tags, unknown properties) is
checked by ralph's pydantic models (docs/decisions.md); the few things they accept too loosely
(numbers sent as strings, timestamps that are not ISO 8601 strings) are checked here.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import TypeAdapter, ValidationError
from ralph.models.xapi.base import common as ralph_common
from ralph.models.xapi.base.statements import BaseXapiStatement
from rfc3987 import parse as parse_rfc3987  # the IRI/URI parser ralph itself uses

from cms.jsonchecks import has_nul

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
# Properties the LRS sets itself; they do not count when two statements with one id are compared.
SERVER_PROPERTIES = ("stored", "authority", "version")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
# ISO 8601 durations as xAPI allows them (Data 4.6): weeks alone, or Y M D T H M S; never "P4W1D".
DURATION = re.compile(
    r"P(?:[0-9]+W|(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
    r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?)"
)
SHA2 = re.compile(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")
# Stand-ins shown to ralph where xAPI allows what ralph's models do not (see _for_ralph).
_STAND_IN_AGENT = {"objectType": "Agent", "mbox": "mailto:stand-in@example.com"}
_STAND_IN_ACTIVITY = {"objectType": "Activity", "id": "http://example.com/stand-in"}
# ralph checks every mbox with pydantic's validate_email (email-validator, no DNS): a pure function
# of the text and about a third of ralph's CPU for a statement. Addresses that passed are
# remembered (the same actors send most statements); one that fails is checked, and refused with
# the same message, every time (lru_cache keeps no exceptions).
ralph_common.validate_email = lru_cache(maxsize=4096)(ralph_common.validate_email)
# The same for the IRIs (rfc3987's regular expression) and language tags (langcodes) ralph checks,
# another fifth of its CPU: a statement's verb, activity, category and "en-US" recur in nearly
# every statement. Only short texts are remembered, so the memo stays small (4096 x 512 characters
# at most); a longer one, and one that fails, is checked every time.
_MEMO_LONGEST = 512


@lru_cache(maxsize=4096)
def _valid_iri(text: str, rule: str) -> None:
    parse_rfc3987(text, rule=rule)


def _parse_iri(text, rule="IRI"):
    if isinstance(text, str) and len(text) <= _MEMO_LONGEST:
        return _valid_iri(text, rule)  # ralph only asks whether it parses, not for the parts
    return parse_rfc3987(text, rule=rule)


_known_tag = lru_cache(maxsize=1024)(ralph_common.tag_is_valid)


def _tag_is_valid(tag: str) -> bool:
    return _known_tag(tag) if len(tag) <= _MEMO_LONGEST else _known_tag.__wrapped__(tag)


ralph_common.parse = _parse_iri
ralph_common.tag_is_valid = _tag_is_valid
_ACTOR = TypeAdapter(BaseXapiStatement.model_fields["actor"].annotation)


class InvalidStatement(Exception):
    """A statement the store refuses; `message` says why, in the requester's language."""

    def __init__(self, message: str, *, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.index = index


def _describe(error: ValidationError) -> str:
    """The first problem pydantic found, as `property.path: reason` (ralph's unions list many)."""
    first = error.errors(include_url=False)[0]
    location = ".".join(
        str(part) for part in first["loc"]
        if not (isinstance(part, str) and part[:1].isupper() and "Xapi" in part)
    )
    return f"{location}: {first['msg']}" if location else first["msg"]


def parse_timestamp(value) -> datetime:
    if not isinstance(value, str):
        raise ValueError
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # the spec asks for a zone; read a missing one as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _check_numbers(statement: dict) -> None:
    score = (statement.get("result") or {}).get("score") if isinstance(statement.get("result"), dict) else None
    if isinstance(score, dict):
        for name in ("scaled", "raw", "min", "max"):
            value = score.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise InvalidStatement(_("result.score.%(name)s must be a number.") % {"name": name})


def _without_empty_extensions(part: dict) -> dict | None:
    """`part` without an empty "extensions" object (xAPI allows it, ralph does not); None if that
    leaves nothing, or `part` itself when there was nothing to take out."""
    if part.get("extensions") != {}:
        return part
    rest = {key: value for key, value in part.items() if key != "extensions"}
    return rest or None


def _for_ralph(statement: dict, *, sub: bool = False) -> tuple[dict, list[dict]]:
    """The statement as ralph's models can judge it, and the actors they must judge separately.

    xAPI 1.0.3 allows a Group as context instructor, an Agent or Group as a SubStatement's object,
    empty extension objects and an empty activity definition; ralph refuses them. Those parts are
    replaced by stand-ins (the actors are checked on their own). A statement without them is
    returned as is, uncopied (the common case costs a few dict lookups).
    """
    view, actors = statement, []

    def replace(name, value):
        nonlocal view
        if view is statement:
            view = dict(statement)
        if value is None:
            view.pop(name, None)
        else:
            view[name] = value

    obj = statement.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if sub and kind in ("Agent", "Group"):
            actors.append(obj)
            replace("object", _STAND_IN_ACTIVITY)
        elif not sub and kind == "SubStatement":
            inner, more = _for_ralph(obj, sub=True)
            actors += more
            if inner is not obj:
                replace("object", inner)
        elif kind == "Activity" and isinstance(obj.get("definition"), dict):
            definition = _without_empty_extensions(obj["definition"])
            if definition is not obj["definition"] or not definition:
                shown = {key: value for key, value in obj.items() if key != "definition"}
                if definition:
                    shown["definition"] = definition
                replace("object", shown)
    result = statement.get("result")
    if isinstance(result, dict):
        shown = _without_empty_extensions(result)
        if shown is not result:
            replace("result", shown)
    context = statement.get("context")
    if isinstance(context, dict):
        shown = _without_empty_extensions(context)
        instructor = context.get("instructor")
        if isinstance(instructor, dict) and instructor.get("objectType") == "Group":
            actors.append(instructor)
            shown = dict(shown or {})
            shown["instructor"] = _STAND_IN_AGENT
        if shown is not context:
            replace("context", shown)
    return view, actors


def _agents_in(statement: dict, *, sub: bool = False):
    """Every Agent and Group of a statement (members too), where xAPI puts them."""
    found = [statement.get("actor")]
    obj = statement.get("object")
    if isinstance(obj, dict):
        if obj.get("objectType") in ("Agent", "Group"):
            found.append(obj)
        elif not sub and obj.get("objectType") == "SubStatement":
            found += list(_agents_in(obj, sub=True))
    context = statement.get("context")
    if isinstance(context, dict):
        found += [context.get("instructor"), context.get("team")]
    if not sub:
        found.append(statement.get("authority"))
    for agent in found:
        if isinstance(agent, dict):
            yield agent
            members = agent.get("member")
            if isinstance(members, list):
                yield from (member for member in members if isinstance(member, dict))


def _is_uri(value) -> bool:
    try:
        parse_rfc3987(value, rule="URI")
    except (ValueError, TypeError):
        return False
    return True


def _check_stricter(statement: dict, *, sub: bool = False) -> None:
    """What xAPI 1.0.3 forbids and ralph lets through (it also turns numbers into strings)."""
    stamp = statement.get("timestamp")
    if isinstance(stamp, str) and re.search(r"-00(:?00)?$", stamp):
        # "-00:00" means "zone unknown" in RFC 3339; xAPI forbids it (Data 4.5).
        raise InvalidStatement(_("A timestamp may not have the offset -00:00."))
    result = statement.get("result")
    if isinstance(result, dict) and "duration" in result and not (
        isinstance(result["duration"], str) and DURATION.fullmatch(result["duration"])
    ):
        raise InvalidStatement(_("result.duration must be an ISO 8601 duration, like PT1M30S."))
    for agent in _agents_in(statement, sub=sub):
        if "openid" in agent and not _is_uri(agent["openid"]):
            raise InvalidStatement(_("An “openid” must be a URI."))
    context = statement.get("context")
    obj = statement.get("object")
    if sub and isinstance(context, dict) and isinstance(obj, dict) and (
        obj.get("objectType", "Activity") != "Activity"
    ):
        for name in ("revision", "platform"):
            if name in context:
                raise InvalidStatement(
                    _("context.%(name)s is only allowed when the object is an Activity.")
                    % {"name": name})
    if not sub and isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        _check_stricter(obj, sub=True)
    authority = statement.get("authority")
    if not sub and isinstance(authority, dict) and authority.get("objectType") == "Group":
        # A Group may vouch only as an OAuth pair: anonymous, exactly two members (Data 2.4.9).
        members = authority.get("member")
        if any(key in authority for key in ("mbox", "mbox_sha1sum", "openid", "account")) or not (
            isinstance(members, list) and len(members) == 2
        ):
            raise InvalidStatement(
                _("An authority that is a Group must be anonymous and have exactly two members."))
    attachments = statement.get("attachments")
    if isinstance(attachments, list):
        for attachment in attachments:
            if isinstance(attachment, dict) and not (
                isinstance(attachment.get("contentType"), str)
                and isinstance(attachment.get("sha2"), str) and SHA2.fullmatch(attachment["sha2"])
            ):
                raise InvalidStatement(
                    _("An attachment needs a contentType and a SHA-2 hash as hexadecimal text."))


def _as_arrays(statement: dict) -> None:
    """A single context activity becomes a list of one: xAPI returns them as arrays (Data 2.4.6.2)."""
    for part in (statement, statement["object"]):
        context = part.get("context") if part is statement or part.get("objectType") == "SubStatement" else None
        activities = context.get("contextActivities") if isinstance(context, dict) else None
        if isinstance(activities, dict):
            for kind in CONTEXT_ACTIVITY_KINDS:
                if isinstance(activities.get(kind), dict):
                    activities[kind] = [activities[kind]]


def validate(statement, *, index: int | None = None) -> dict:
    """Return the statement (the same dict) if it is a valid xAPI 1.0.3 statement, else raise."""
    try:
        if not isinstance(statement, dict):
            raise InvalidStatement(_("A statement must be a JSON object."))
        for required in ("actor", "verb", "object"):
            if required not in statement:
                raise InvalidStatement(_("The statement has no “%(property)s”.") % {"property": required})
        if has_nul(statement):
            # PostgreSQL cannot store \u0000 in JSON; no xAPI value needs it.
            raise InvalidStatement(_("The statement contains a NUL character (\\u0000)."))
        for name in ("actor", "verb", "object", "result", "context", "authority"):
            if name in statement and not isinstance(statement[name], dict):
                raise InvalidStatement(_("“%(property)s” must be a JSON object.") % {"property": name})
        _check_numbers(statement)
        for name in ("timestamp", "stored"):
            if name in statement:
                try:
                    parse_timestamp(statement[name])
                except ValueError:
                    raise InvalidStatement(
                        _("“%(property)s” must be an ISO 8601 date and time.") % {"property": name}
                    ) from None
        version = statement.get("version")
        if version is not None and not (
            isinstance(version, str) and re.fullmatch(r"1\.0(\.[0-9]+)?", version)
        ):
            raise InvalidStatement(_("Only xAPI version 1.0.x statements are accepted."))
        _check_stricter(statement)
        try:
            view, actors = _for_ralph(statement)
            if "version" in view:  # checked above; ralph refuses "1.0", which xAPI allows
                view = {key: value for key, value in view.items() if key != "version"}
            BaseXapiStatement.model_validate(view)
            for actor in actors:
                _ACTOR.validate_python(actor)
        except ValidationError as error:
            raise InvalidStatement(
                _("The statement is not valid xAPI: %(problem)s") % {"problem": _describe(error)}
            ) from None
        except (TypeError, AttributeError, KeyError):
            # ralph's own checks run before pydantic's types and can trip over odd shapes.
            raise InvalidStatement(_("The statement is not valid xAPI.")) from None
        obj = statement["object"]
        if "objectType" not in obj and not isinstance(obj.get("id"), str):
            # An object without objectType is an Activity (xAPI 1.0.3, 2.4.4.1), whatever else it
            # looks like; ralph also accepts an Agent there, which the store cannot index.
            raise InvalidStatement(
                _("An object without “objectType” is an Activity and needs an “id”."))
        if statement["verb"]["id"] == VOIDED and obj.get("objectType") != "StatementRef":
            raise InvalidStatement(_("A voiding statement must have a StatementRef as its object."))
        _as_arrays(statement)
    except InvalidStatement as problem:
        problem.index = index
        raise
    return statement


def agent_key(agent) -> str:
    """An Agent or identified Group as one comparable string (its inverse functional identifier)."""
    if not isinstance(agent, dict):
        return ""
    # Only text identifiers count: {"mbox": 5} in a query parameter was a TypeError (a 500).
    if isinstance(agent.get("mbox"), str) and agent["mbox"]:
        return "mbox:" + agent["mbox"]
    if isinstance(agent.get("mbox_sha1sum"), str) and agent["mbox_sha1sum"]:
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if isinstance(agent.get("openid"), str) and agent["openid"]:
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if (isinstance(account, dict) and isinstance(account.get("homePage"), str) and account["homePage"]
            and isinstance(account.get("name"), str) and account["name"]):
        return f"account:{account['homePage']}|{account['name']}"
    return ""


def _comparable(value):
    """JSON in comparison form: 1.0 and 1 are the same number, timestamps the same instant."""
    kind = type(value)  # parsed JSON's exact types first (most values are text), then any subclass
    if kind is str:
        return value
    if kind is dict:
        return {key: _comparable(item) for key, item in value.items()}
    if kind is list:
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def signature_of(statement: dict) -> str:
    """SHA-256 of what makes a statement itself, ignoring what the LRS adds and formatting."""
    body = {key: value for key, value in statement.items() if key not in SERVER_PROPERTIES}
    if "timestamp" in body:
        body["timestamp"] = parse_timestamp(body["timestamp"]).isoformat(timespec="milliseconds")
    actor = dict(body["actor"])
    actor.setdefault("objectType", "Agent")
    body["actor"] = actor
    obj = dict(body["object"])
    obj.setdefault("objectType", "Activity")
    body["object"] = obj
    encoded = json.dumps(_comparable(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _activities_of(statement: dict):
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") == "Activity":
        yield obj.get("id")
    activities = (statement.get("context") or {}).get("contextActivities") or {}
    for kind in CONTEXT_ACTIVITY_KINDS:
        for activity in activities.get(kind) or []:
            yield activity.get("id")


def related_of(statement: dict) -> str:
    """What related_activities and related_agents match (Communication 2.1.3): the object and
    context activities, and actor, object, authority, instructor and team, of the statement and
    of its SubStatement; one per line, each line between newlines."""
    parts = [statement]
    obj = statement["object"]
    if obj.get("objectType") == "SubStatement":
        parts.append(obj)
    keys = set()
    for part in parts:
        keys.update("activity:" + activity for activity in _activities_of(part) if isinstance(activity, str))
        context = part.get("context") or {}
        agents = [part.get("actor"), context.get("instructor"), context.get("team")]
        if (part.get("object") or {}).get("objectType") in ("Agent", "Group"):
            agents.append(part["object"])
        if part is statement:
            agents.append(statement.get("authority"))
        keys.update("agent:" + key for key in map(agent_key, agents) if key)
    return "\n" + "\n".join(sorted(keys)) + "\n" if keys else ""


@dataclass(frozen=True)
class Indexed:
    """What the store keeps beside a statement's JSON."""

    actor_key: str
    object_agent_key: str
    verb_id: str
    activity_id: str
    registration: UUID | None
    voids: UUID | None


def index_of(statement: dict) -> Indexed:
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    registration = (statement.get("context") or {}).get("registration")
    return Indexed(
        actor_key=agent_key(statement["actor"]),
        object_agent_key=agent_key(obj) if kind in ("Agent", "Group") else "",
        verb_id=statement["verb"]["id"],
        activity_id=obj["id"] if kind == "Activity" else "",
        registration=UUID(registration) if registration else None,
        voids=UUID(obj["id"]) if statement["verb"]["id"] == VOIDED and kind == "StatementRef" else None,
    )


def valid_agent(agent) -> bool:
    """True for an Agent or identified Group as xAPI allows it as a query parameter (the State,
    Agent Profile and Agents resources): checked by ralph's model, like a statement's actor."""
    if not isinstance(agent, dict) or not agent_key(agent) or has_nul(agent):
        return False
    try:
        _ACTOR.validate_python(agent)
    except ValidationError:
        return False
    except (TypeError, AttributeError, KeyError):
        return False
    return True


def is_iri(value) -> bool:
    """True for an absolute IRI (rfc3987, as ralph checks statement IRIs)."""
    try:
        parse_rfc3987(value, rule="IRI")
    except (ValueError, TypeError):
        return False
    return True
