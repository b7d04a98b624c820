"""Copies stored statements to an outside LRS (SANGKAT_XAPI_FORWARD_URL) in batches, never losing one.

Each statement waits as `pending` until the outside LRS accepted the batch holding it. A failed
batch stays pending and is tried again later (exponential backoff). A batch is claimed before it
is sent so two workers never send it at once; if a worker dies after sending, the batch is sent
again later, which an LRS treats as a no-op (same ids, same content).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses import httpclient
from courses.xapi.models import ForwardState, Statement

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
CLAIM = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=6)


@dataclass
class ForwardReport:
    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)


def _claim(now: datetime) -> list[Statement]:
    with transaction.atomic():
        batch = list(
            Statement.objects.select_for_update(skip_locked=True)
            .filter(forward_state=ForwardState.PENDING, forward_next_at__lte=now)
            .order_by("forward_next_at", "stored", "id")
            .only("id", "data", "forward_attempts")[:BATCH_SIZE]
        )
        if batch:
            Statement.objects.filter(pk__in=[row.pk for row in batch]).update(forward_next_at=now + CLAIM)
    return batch


def _payload(row: Statement) -> dict:
    # The receiving LRS sets its own `stored` and `authority`.
    return {key: value for key, value in row.data.items() if key not in ("stored", "authority")}


def _send(batch: list[Statement]) -> str:
    """'' when the outside LRS accepted the batch, else a short reason."""
    auth = None
    if settings.SANGKAT_XAPI_FORWARD_USER:
        auth = (settings.SANGKAT_XAPI_FORWARD_USER, settings.SANGKAT_XAPI_FORWARD_PASSWORD)
    try:
        response = httpclient.request(
            "POST", settings.SANGKAT_XAPI_FORWARD_URL, json=[_payload(row) for row in batch], auth=auth,
            headers={"X-Experience-API-Version": "1.0.3"},
        )
    except httpclient.DownloadError as error:
        return error.message[:300]
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}: {response.text[:200]}"


def forward_due_statements(*, now: datetime | None = None, max_batches: int = 20) -> ForwardReport:
    """Send up to `max_batches` batches of due statements; stops at the first failure."""
    report = ForwardReport()
    if not settings.SANGKAT_XAPI_FORWARD_URL:
        return report
    for _ in range(max_batches):
        started = now or timezone.now()
        batch = _claim(started)
        if not batch:
            break
        problem = _send(batch)
        ids = [row.pk for row in batch]
        if not problem:
            Statement.objects.filter(pk__in=ids).update(
                forward_state=ForwardState.SENT, forward_error="", forward_next_at=None
            )
            report.sent += len(batch)
            continue
        logger.warning("forwarding %s statements failed: %s", len(batch), problem)
        finished = timezone.now()
        for row in batch:
            attempts = row.forward_attempts + 1
            Statement.objects.filter(pk=row.pk).update(
                forward_attempts=min(attempts, 32767), forward_error=problem,
                forward_next_at=finished + backoff(attempts),
            )
        report.failed += len(batch)
        break
    return report
