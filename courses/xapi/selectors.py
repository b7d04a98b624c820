"""Reads from the statement store, limited to what the requester may see; learners' activity scores.

Lists page by keyset on (stored, id): a page boundary never moves when new statements arrive.
"""

import base64
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from courses.xapi import documents
from courses.xapi.models import ActivityResult, ActivityState, Statement, StatementAttachment
from courses.xapi.requesters import NotAllowed, Requester
from courses.xapi.validation import VOIDED, InvalidStatement


def visible_statements(requester: Requester) -> QuerySet:
    if requester.client is None:
        if requester.launch is not None:  # launched content reads its own registration only
            return Statement.objects.filter(user=requester.user, registration=requester.launch.registration_id)
        return Statement.objects.filter(user=requester.user)
    if requester.client.may_read_all:
        return Statement.objects.all()
    if requester.client.may_read_own:
        return Statement.objects.filter(client=requester.client)
    raise NotAllowed(_("This client may not read statements."))


def statement_by_id(*, requester: Requester, statement_id: UUID, voided: bool) -> dict | None:
    """One statement: by statementId only while it is not voided, by voidedStatementId only once it is."""
    row = visible_statements(requester).filter(id=statement_id, voided=voided).values_list("data", flat=True).first()
    return row


@dataclass(frozen=True)
class StatementFilters:
    agent_key: str = ""
    verb: str = ""
    activity: str = ""
    registration: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    related_activities: bool = False
    related_agents: bool = False


def encode_cursor(stored: datetime, statement_id) -> str:
    raw = f"{stored.isoformat()}|{statement_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stored, statement_id = raw.split("|", 1)
        return datetime.fromisoformat(stored), UUID(statement_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidStatement(_("The “more” link is damaged. Start again from the first page.")) from None


def statements_page(
    *, requester: Requester, filters: StatementFilters, limit: int, cursor: str = ""
) -> tuple[list[dict], str]:
    """Up to `limit` statements (newest first unless ascending) and the cursor of the next page."""
    visible = visible_statements(requester)
    matching = Q()
    if filters.agent_key and filters.related_agents:
        matching &= Q(related__contains=f"\nagent:{filters.agent_key}\n")
    elif filters.agent_key:
        matching &= Q(actor_key=filters.agent_key) | Q(object_agent_key=filters.agent_key)
    if filters.verb:
        matching &= Q(verb_id=filters.verb)
    if filters.activity and filters.related_activities:
        matching &= Q(related__contains=f"\nactivity:{filters.activity}\n")
    elif filters.activity:
        matching &= Q(activity_id=filters.activity)
    if filters.registration:
        matching &= Q(registration=filters.registration)
    rows = visible.filter(voided=False)
    if matching:
        # A voiding statement is returned with the statements it targets, even though those are
        # voided and not returned themselves (xAPI 1.0.3, Data 2.3.2, Communication 2.1.3).
        rows = rows.filter(matching | Q(voids__in=visible.filter(matching).values("id")))
    if filters.since:
        rows = rows.filter(stored__gt=filters.since)
    if filters.until:
        rows = rows.filter(stored__lte=filters.until)
    if cursor:
        stored, last_id = decode_cursor(cursor)
        if filters.ascending:
            rows = rows.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=last_id))
        else:
            rows = rows.filter(Q(stored__lt=stored) | Q(stored=stored, id__lt=last_id))
    order = ("stored", "id") if filters.ascending else ("-stored", "-id")
    found = list(rows.order_by(*order).values_list("data", "stored", "id")[: limit + 1])
    more = ""
    if len(found) > limit:
        found = found[:limit]
        more = encode_cursor(found[-1][1], found[-1][2])
    return [data for data, _stored, _id in found], more


def is_voiding(statement: dict) -> bool:
    return statement.get("verb", {}).get("id") == VOIDED


@dataclass(frozen=True)
class ActivityScore:
    """A learner's standing on one H5P activity, for the lesson page."""

    best_percent: int | None
    attempts: int
    done: bool


def activity_scores(*, user, lesson_key: UUID) -> dict[str, ActivityScore]:
    """Block id -> the learner's best score and whether the activity is done, for one lesson."""
    if user is None or not user.is_authenticated:
        return {}
    scores = {}
    for block_id, best, attempts, done_at in ActivityResult.objects.filter(
        user=user, lesson_key=lesson_key
    ).values_list("block_id", "best_scaled", "attempts", "done_at"):
        scores[block_id] = ActivityScore(
            best_percent=None if best is None else round(max(best, 0) * 100),
            attempts=attempts, done=done_at is not None,
        )
    return scores


def states_of(*, user, activity_id: str, registration: UUID | None = None) -> list[tuple[str, str, str]]:
    """`user`'s own state documents for an activity and its parts (`<activity>?subContentId=...`),
    as (activity id, state id, document), oldest change first."""
    base = activity_id.split("?", 1)[0]
    return list(
        ActivityState.objects.filter(user=user, registration=registration)
        .filter(Q(activity_id=base) | Q(activity_id__startswith=f"{base}?"))
        .order_by("updated_at", "pk").values_list("activity_id", "state_id", "document")
    )


IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_LANGUAGE_MAPS = ("name", "description")
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")


def accepted_languages(header: str) -> list[str]:
    """An Accept-Language header as language tags, most wanted first (q=0 left out)."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _semicolon, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _q, _p, tag in sorted(weighted)]


def _one_language(language_map, languages: list[str]):
    """A language map with only the entry that fits the requester best (else its first entry)."""
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {key.lower(): key for key in language_map}
    for wanted in languages:
        if wanted == "*":
            break
        if wanted in lowered:
            return {lowered[wanted]: language_map[lowered[wanted]]}
        for key_lower, key in lowered.items():
            if key_lower.split("-")[0] == wanted.split("-")[0]:
                return {key: language_map[key]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def _ids_of_actor(actor):
    if not isinstance(actor, dict):
        return actor
    shown = {key: actor[key] for key in ("objectType", *IFI_KEYS) if key in actor}
    if actor.get("objectType") == "Group" and not any(key in actor for key in IFI_KEYS):
        shown["member"] = [_ids_of_actor(member) for member in actor.get("member") or []]
    return shown


def _activity(activity, fmt: str, languages: list[str]):
    if not isinstance(activity, dict):
        return activity
    if fmt == "ids":  # "Activity" is the default objectType: the id alone says it all
        return {"id": activity["id"]} if "id" in activity else activity
    definition = activity.get("definition")
    if not isinstance(definition, dict):
        return activity
    definition = dict(definition)
    for name in _LANGUAGE_MAPS:
        if name in definition:
            definition[name] = _one_language(definition[name], languages)
    for name in _COMPONENT_LISTS:
        if isinstance(definition.get(name), list):
            definition[name] = [
                {**component, "description": _one_language(component["description"], languages)}
                if isinstance(component, dict) and "description" in component else component
                for component in definition[name]
            ]
    return {**activity, "definition": definition}


def formatted(statement: dict, fmt: str, languages: list[str], *, sub: bool = False) -> dict:
    """A stored statement in the requested format (Communication 2.1.3): "exact" as received,
    "ids" with only identifiers for agents, groups, activities and verbs, "canonical" with one
    language per language map, chosen by the requester's Accept-Language."""
    if fmt == "exact":
        return statement
    shown = dict(statement)
    verb = statement.get("verb")
    if isinstance(verb, dict):
        shown["verb"] = (
            {"id": verb.get("id")} if fmt == "ids"
            else {**verb, "display": _one_language(verb["display"], languages)} if "display" in verb
            else verb
        )
    if fmt == "ids":
        for name in ("actor", "authority"):
            if name in statement:
                shown[name] = _ids_of_actor(statement[name])
    obj = statement.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            shown["object"] = _activity(obj, fmt, languages)
        elif kind in ("Agent", "Group") and fmt == "ids":
            shown["object"] = _ids_of_actor(obj)
        elif kind == "SubStatement" and not sub:
            shown["object"] = formatted(obj, fmt, languages, sub=True)
    context = statement.get("context")
    if isinstance(context, dict):
        context = dict(context)
        if fmt == "ids":
            for name in ("instructor", "team"):
                if name in context:
                    context[name] = _ids_of_actor(context[name])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            context["contextActivities"] = {
                kind: [_activity(activity, fmt, languages) for activity in listed]
                if isinstance(listed, list) else listed
                for kind, listed in activities.items()
            }
        shown["context"] = context
    return shown


# ---- Documents (State, Activity Profile, Agent Profile), Activities and Agents resources ---------

def document(*, requester: Requester, where, document_id: str):
    """One document at `where` (documents.Address) the requester may see, else None."""
    documents.check_access(requester, where, write=False)
    found = documents.rows(where).filter(**{where.id_field: document_id})
    return documents.visible(requester, found).first()


def document_ids(*, requester: Requester, where, since: datetime | None = None) -> list[str]:
    """The ids of the documents at `where` the requester may see, changed after `since` if given."""
    documents.check_access(requester, where, write=False)
    found = documents.visible(requester, documents.rows(where))
    if since is not None:
        found = found.filter(updated_at__gt=since)
    return list(found.order_by("updated_at", "pk").values_list(where.id_field, flat=True)[:10_000])


# The newest statements whose object is the activity that are read to build its definition.
MAX_DEFINITION_STATEMENTS = 200


def activity_object(*, activity_id: str) -> dict:
    """The Activity as the store knows it: every definition statements gave it, merged oldest to
    newest (language maps key by key, everything else replaced). Definitions are course content,
    not a person's record; only statements whose object is the activity count."""
    rows = list(
        Statement.objects.filter(activity_id=activity_id).order_by("-stored", "-id")
        .values_list("data", flat=True)[:MAX_DEFINITION_STATEMENTS]
    )
    definition: dict = {}
    for data in reversed(rows):
        obj = data.get("object") if isinstance(data, dict) else None
        given = obj.get("definition") if isinstance(obj, dict) else None
        if not isinstance(given, dict):
            continue
        for key, value in given.items():
            if key in ("name", "description") and isinstance(value, dict) and isinstance(definition.get(key), dict):
                definition[key] = {**definition[key], **value}
            else:
                definition[key] = value
    found = {"objectType": "Activity", "id": activity_id}
    if definition:
        found["definition"] = definition
    return found


def person_of(agent: dict) -> dict:
    """The Person object of the Agents resource: this store keeps no links between identifiers, so
    the person is the agent itself, each property as a list."""
    person: dict = {"objectType": "Person"}
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if agent.get(key):
            person[key] = [agent[key]]
    return person


def attachments_of(*, statement_ids: list[str]) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, bytes) of the attachments stored with these statements (the caller
    may see them), each hash once."""
    found = {}
    for sha2, content_type, content in (
        StatementAttachment.objects.filter(statement_id__in=statement_ids).order_by("pk")
        .values_list("sha2", "content_type", "content")
    ):
        found.setdefault(sha2, (sha2, content_type, bytes(content)))
    return list(found.values())
