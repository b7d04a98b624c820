"""Reads from the statement store, limited to what the requester may see; learners' activity scores.

Lists page by keyset on (stored, id): a page boundary never moves when new statements arrive.
"""

import base64
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from courses.xapi.models import ActivityResult, ActivityState, Statement
from courses.xapi.services import NotAllowed, Requester
from courses.xapi.validation import VOIDED, InvalidStatement


def visible_statements(requester: Requester) -> QuerySet:
    if requester.client is None:
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
    rows = visible_statements(requester).filter(voided=False)
    if filters.agent_key:
        rows = rows.filter(Q(actor_key=filters.agent_key) | Q(object_agent_key=filters.agent_key))
    if filters.verb:
        rows = rows.filter(verb_id=filters.verb)
    if filters.activity:
        rows = rows.filter(activity_id=filters.activity)
    if filters.registration:
        rows = rows.filter(registration=filters.registration)
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
