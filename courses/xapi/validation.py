"""Checks an incoming xAPI 1.0.3 statement and derives what the store indexes from it.

Structure (required properties, IRIs, UUIDs, score ranges, language tags, unknown properties) is
checked by ralph's pydantic models (docs/decisions.md); the few things they accept too loosely
(numbers sent as strings, timestamps that are not ISO 8601 strings) are checked here.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

from cms.jsonchecks import has_nul

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
# Properties the LRS sets itself; they do not count when two statements with one id are compared.
SERVER_PROPERTIES = ("stored", "authority", "version")


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
        if version is not None and (not isinstance(version, str) or not version.startswith("1.0.")):
            raise InvalidStatement(_("Only xAPI version 1.0.x statements are accepted."))
        try:
            BaseXapiStatement.model_validate(statement)
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
    except InvalidStatement as problem:
        problem.index = index
        raise
    return statement


def agent_key(agent) -> str:
    """An Agent or identified Group as one comparable string (its inverse functional identifier)."""
    if not isinstance(agent, dict):
        return ""
    if agent.get("mbox"):
        return "mbox:" + agent["mbox"]
    if agent.get("mbox_sha1sum"):
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if agent.get("openid"):
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, dict) and account.get("homePage") and account.get("name"):
        return f"account:{account['homePage']}|{account['name']}"
    return ""


def _comparable(value):
    """JSON in comparison form: 1.0 and 1 are the same number, timestamps the same instant."""
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
