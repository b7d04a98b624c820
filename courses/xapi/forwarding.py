"""Copies stored statements to an outside LRS (SANGKAT_XAPI_FORWARD_URL) in batches, never losing one,
and voids there the forwarded statements of deleted accounts.

Each statement waits as `pending` until the outside LRS accepted the batch holding it. A failed
batch stays pending and is tried again later (exponential backoff). A batch is claimed before it
is sent so two workers never send it at once; if a worker dies after sending, the batch is sent
again later, which an LRS treats as a no-op (same ids, same content).

Voiding statements (OutgoingVoid rows, written in the deletion's transaction) go through the same
claim, send and backoff. Their id and content are derived from the voided statement's id and the
row, so a voiding statement sent twice is the same statement again.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from courses import httpclient
from courses.xapi.models import ForwardState, OutgoingVoid, Statement
from courses.xapi.validation import VOIDED

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
CLAIM = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=6)
# Fixed namespace of Sangkat's voiding statement ids: uuid5(VOID_NAMESPACE, voided statement id).
VOID_NAMESPACE = uuid.UUID("6f3a1c52-8e0b-5d7a-9c41-2b7e5f0d9a13")


@dataclass
class ForwardReport:
    sent: int = 0
    failed: int = 0
    voids_sent: int = 0
    voids_failed: int = 0


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)


@dataclass(frozen=True)
class _Outbox:
    """One kind of row waiting for the outside LRS, and how to send it and record the outcome."""

    what: str
    waiting: Callable[[], models.QuerySet]  # rows not yet accepted (due or not)
    order: tuple[str, ...]
    fields: tuple[str, ...]
    next_field: str
    attempts_field: str
    error_field: str
    payload: Callable[[models.Model], dict]
    accepted: Callable[[datetime], dict]  # the update once the LRS accepted the row


def _claim(outbox: _Outbox, now: datetime) -> list:
    with transaction.atomic():
        batch = list(
            outbox.waiting().select_for_update(skip_locked=True)
            .filter(**{f"{outbox.next_field}__lte": now})
            .order_by(*outbox.order)
            .only(*outbox.fields)[:BATCH_SIZE]
        )
        if batch:
            outbox.waiting().filter(pk__in=[row.pk for row in batch]).update(**{outbox.next_field: now + CLAIM})
    return batch


def _send(body: list[dict]) -> str:
    """'' when the outside LRS accepted the statements, else a short reason."""
    auth = None
    if settings.SANGKAT_XAPI_FORWARD_USER:
        auth = (settings.SANGKAT_XAPI_FORWARD_USER, settings.SANGKAT_XAPI_FORWARD_PASSWORD)
    try:
        response = httpclient.request(
            "POST", settings.SANGKAT_XAPI_FORWARD_URL, json=body, auth=auth,
            headers={"X-Experience-API-Version": "1.0.3"},
        )
    except httpclient.DownloadError as error:
        return error.message[:300]
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _drain(outbox: _Outbox, *, now: datetime | None, max_batches: int) -> tuple[int, int]:
    """Send up to `max_batches` due batches of one outbox; stops at the first failure. (sent, failed)"""
    sent = failed = 0
    for _ in range(max_batches):
        started = now or timezone.now()
        batch = _claim(outbox, started)
        if not batch:
            break
        problem = _send([outbox.payload(row) for row in batch])
        if not problem:
            outbox.waiting().filter(pk__in=[row.pk for row in batch]).update(**outbox.accepted(timezone.now()))
            sent += len(batch)
            continue
        logger.warning("sending %s %s to the outside LRS failed: %s", len(batch), outbox.what, problem)
        finished = timezone.now()
        for row in batch:
            attempts = getattr(row, outbox.attempts_field) + 1
            outbox.waiting().filter(pk=row.pk).update(**{
                outbox.attempts_field: min(attempts, 32767), outbox.error_field: problem,
                outbox.next_field: finished + backoff(attempts),
            })
        failed += len(batch)
        break
    return sent, failed


def _statement_payload(row: Statement) -> dict:
    # The receiving LRS sets its own `stored` and `authority`.
    return {key: value for key, value in row.data.items() if key not in ("stored", "authority")}


def void_id_for(statement_id: uuid.UUID | str) -> str:
    """The id of Sangkat's voiding statement for a statement: the same on every attempt."""
    return str(uuid.uuid5(VOID_NAMESPACE, str(uuid.UUID(str(statement_id)))))


def platform_agent() -> dict:
    """Sangkat itself as an xAPI Agent (never the person whose statement is voided)."""
    return {
        "objectType": "Agent", "name": "sangkat",
        "account": {"homePage": settings.SANGKAT_PUBLIC_URL.rstrip("/"), "name": "sangkat"},
    }


def void_payload(row: OutgoingVoid) -> dict:
    """The xAPI 1.0.3 voiding statement for one forwarded statement; built only from the row."""
    return {
        "id": void_id_for(row.statement_id),
        "actor": platform_agent(),
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": str(row.statement_id)},
        "timestamp": row.created_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "version": "1.0.0",
    }


STATEMENTS = _Outbox(
    what="statements",
    waiting=lambda: Statement.objects.filter(forward_state=ForwardState.PENDING),
    order=("forward_next_at", "stored", "id"),
    fields=("id", "data", "forward_attempts"),
    next_field="forward_next_at", attempts_field="forward_attempts", error_field="forward_error",
    payload=_statement_payload,
    accepted=lambda now: {"forward_state": ForwardState.SENT, "forward_error": "", "forward_next_at": None},
)

VOIDS = _Outbox(
    what="voiding statements",
    waiting=lambda: OutgoingVoid.objects.filter(sent_at__isnull=True),
    order=("next_at", "id"),
    fields=("id", "statement_id", "created_at", "attempts"),
    next_field="next_at", attempts_field="attempts", error_field="error",
    payload=void_payload,
    accepted=lambda now: {"sent_at": now, "error": "", "next_at": None},
)


def forward_due_statements(*, now: datetime | None = None, max_batches: int = 20) -> ForwardReport:
    """Send up to `max_batches` batches of due statements, then as many of due voiding statements;
    each stops at its first failure."""
    report = ForwardReport()
    if not settings.SANGKAT_XAPI_FORWARD_URL:
        return report
    report.sent, report.failed = _drain(STATEMENTS, now=now, max_batches=max_batches)
    report.voids_sent, report.voids_failed = _drain(VOIDS, now=now, max_batches=max_batches)
    return report
