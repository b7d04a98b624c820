"""Writes to the statement store: storing and voiding statements, and issuing LRS client credentials
(the document resources' writes are courses.xapi.document_writes, re-exported here).

One request is one transaction: a batch is stored whole or not at all. Re-sending statements
that are already stored (same id, same content) changes nothing; same id with other content is
a conflict.
"""

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.xapi import progress, signatures
from courses.xapi.document_writes import (  # noqa: F401  (courses.xapi.services.<name> still works)
    MAX_DOCUMENT_BYTES,
    MAX_PROFILES,
    MAX_STATE_BYTES,
    MAX_STATES_PER_ACTIVITY,
    MAX_STATES_PER_LEARNER,
    DocumentConflict,
    InvalidDocument,
    InvalidState,
    PreconditionFailed,
    check_preconditions,
    delete_documents,
    delete_state,
    erase_profiles_of,
    erase_states_of,
    save_document,
    save_state,
)
from courses.xapi.forwarding import CLAIM
from courses.xapi.identity import agent_for, parse_activity_iri, user_id_of
from courses.xapi.models import (
    ForwardState,
    LRSClient,
    OutgoingVoid,
    Statement,
    StatementAttachment,
)
from courses.xapi.requesters import NotAllowed, Requester  # noqa: F401 (callers import them from here)
from courses.xapi.tasks import forward_statements
from courses.xapi.validation import (
    VOIDED,
    InvalidStatement,
    agent_key,
    index_of,
    related_of,
    signature_of,
    validate,
)


class StatementConflict(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _home() -> str:
    return settings.SANGKAT_PUBLIC_URL.rstrip("/")


def authority_for(requester: Requester) -> dict:
    """Who vouches for a statement: Sangkat itself for its learners, else the client."""
    if requester.client is not None:
        return {
            "objectType": "Agent", "name": requester.client.name,
            "account": {"homePage": _home(), "name": f"lrs-client:{requester.client.key}"},
        }
    return {"objectType": "Agent", "name": "Sangkat", "account": {"homePage": _home(), "name": "sangkat"}}


def _now_iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_writer(requester: Requester, statements: list[dict]) -> None:
    if requester.client is not None:
        if not requester.client.may_write:
            raise NotAllowed(_("This client may not send statements."))
        return
    own = agent_for(requester.user)["account"]
    for statement in statements:
        actor = statement["actor"]
        if (
            actor.get("objectType", "Agent") != "Agent" or actor.get("account") != own
            or any(actor.get(k) for k in ("mbox", "mbox_sha1sum", "openid"))
        ):
            raise NotAllowed(_("You can only send statements about yourself."))


def _learner_ids(statements: list[dict], *, checked: bool = True) -> dict[str, int]:
    """Statement id -> Sangkat user id, for statements whose actor is one of our learners.

    Unchecked, the ids are those the actors name (no query): the user foreign key is checked by the
    database at commit, and store_statements stores again with checked ids if one names nobody."""
    wanted = {}
    for statement in statements:
        user_id = user_id_of(statement["actor"])
        if user_id is not None:
            wanted[statement["id"]] = user_id
    if not wanted or not checked:
        return wanted
    existing = set(
        get_user_model().objects.filter(pk__in=set(wanted.values())).values_list("pk", flat=True)
    )
    return {sid: uid for sid, uid in wanted.items() if uid in existing}


RECORDSET_INSERT = True  # PostgreSQL: all rows as one JSON parameter (_insert_recordset)


class _Differing(Exception):
    """The INSERT met a stored statement with one of its ids and other content."""


def _insert_sql_batches(connection, rows: list[Statement]):
    """(sql, params) of INSERTs of `rows` in which the database compares re-sent statements itself:
    an id already stored with the same signature is skipped, one stored with another signature
    fails the whole INSERT (a NOT NULL violation on the id, _is_differing). So a concurrent
    request that stored the same id a moment earlier is caught as well, without reading back.

    The SQL is Django's for one row (checked once per connection, _insert_sql_parts), repeated per
    row as VALUES; the parameters are what Django's compiler would pass (pre_save, get_db_prep_save).
    Not Django's bulk form on PostgreSQL (UNNEST of one array per column): psycopg escapes every
    statement's JSON into an array literal character by character, a quarter of a batch's CPU."""
    head, row_sql, tail, fields = _insert_sql_parts(connection)
    size = _insert_batch_size(connection)
    for start in range(0, len(rows), size):
        batch = rows[start:start + size]
        params = [field.get_db_prep_save(field.pre_save(row, True), connection)
                  for row in batch for field in fields]
        yield head + ", ".join([row_sql] * len(batch)) + tail, params


_insert_sql_cache: dict[tuple[str, str], tuple[str, str, str, list]] = {}


def _insert_sql_parts(connection) -> tuple[str, str, str, list]:
    """(INSERT … VALUES , one row's placeholders, ON CONFLICT clause, fields) for this connection."""
    cache_key = (connection.alias, connection.vendor)
    if cache_key in _insert_sql_cache:
        return _insert_sql_cache[cache_key]
    from django.db.models.constants import OnConflict
    from django.db.models.sql import InsertQuery

    opts = Statement._meta
    fields = list(opts.concrete_fields)
    pk, signature = opts.pk, opts.get_field("signature")
    qn = connection.ops.quote_name
    # Django writes ON CONFLICT(id) DO UPDATE SET signature = EXCLUDED.signature for this query:
    # that clause is swapped for ours.
    theirs = connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, [signature.column], [pk.column])
    ours = (f" ON CONFLICT({qn(pk.column)}) DO UPDATE SET {qn(pk.column)} = NULL "
            f"WHERE {qn(opts.db_table)}.{qn(signature.column)} <> EXCLUDED.{qn(signature.column)}")
    query = InsertQuery(Statement, on_conflict=OnConflict.UPDATE, update_fields=[signature], unique_fields=[pk])
    query.insert_values(fields, [Statement(id=uuid4(), stored=timezone.now(), data={})])
    [(sql, _params)] = query.get_compiler(connection=connection).as_sql()
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head, _values, rest = sql.partition(" VALUES " + row_sql)
    if not theirs or rest != " " + theirs:
        raise RuntimeError(f"unexpected INSERT for statements: {sql[-200:]}")
    _insert_sql_cache[cache_key] = (head + " VALUES ", row_sql, ours, fields)
    return _insert_sql_cache[cache_key]


def _insert_batch_size(connection) -> int:
    return max(1, min(500, connection.ops.bulk_batch_size(Statement._meta.concrete_fields, [None] * 500)))


def _is_differing(error: IntegrityError) -> bool:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if getattr(cause, "sqlstate", None) == "23502":  # PostgreSQL: not_null_violation
        return getattr(diag, "column_name", None) == Statement._meta.pk.column
    return f"NOT NULL constraint failed: {Statement._meta.db_table}.{Statement._meta.pk.column}" in str(error)


_recordset_sql_cache: dict[str, tuple[str, list]] = {}


def _recordset_sql(connection) -> tuple[str, list]:
    """PostgreSQL: (INSERT … SELECT … FROM jsonb_to_recordset(%s) … ON CONFLICT …, fields): all rows
    are one JSON parameter (one C encoder call, no per-row placeholders for psycopg to split). The
    ON CONFLICT clause is the one _insert_sql_parts checks and uses."""
    if connection.alias in _recordset_sql_cache:
        return _recordset_sql_cache[connection.alias]
    _head, _row_sql, ours, fields = _insert_sql_parts(connection)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(field.column) for field in fields)
    # Each JSON key is the column name; jsonb_to_recordset casts it to the column's own type.
    record = ", ".join(f"{qn(field.column)} {field.db_type(connection)}" for field in fields)
    sql = (f"INSERT INTO {qn(Statement._meta.db_table)} ({columns}) SELECT {columns} "
           f"FROM jsonb_to_recordset(%s::jsonb) AS r({record}){ours}")
    _recordset_sql_cache[connection.alias] = (sql, fields)
    return sql, fields


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} in a statement row")


def _insert_recordset(connection, cursor, rows: list[Statement]) -> int:
    sql, fields = _recordset_sql(connection)
    attnames = [(field.column, field.attname) for field in fields]
    payload = json.dumps([{column: getattr(row, attname) for column, attname in attnames} for row in rows],
                         default=_json_value, separators=(",", ":"))
    cursor.execute(sql, [payload])
    return cursor.rowcount


def _insert_new(rows: list[Statement]) -> int:
    """INSERT the rows; returns how many were new. Raises _Differing when one of them has the id of a
    stored statement with other content (nothing of that INSERT is stored)."""
    connection = connections[router.db_for_write(Statement)]
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and RECORDSET_INSERT:
            try:
                return _insert_recordset(connection, cursor, rows)
            except IntegrityError as error:
                if _is_differing(error):
                    raise _Differing from error
                raise
        for sql, params in _insert_sql_batches(connection, rows):
            try:
                cursor.execute(sql, params)
            except IntegrityError as error:
                if _is_differing(error):
                    raise _Differing from error
                raise
            inserted += cursor.rowcount
    return inserted


def _differing_id(rows: list[Statement]) -> str:
    stored = dict(Statement.objects.filter(id__in=[row.id for row in rows]).values_list("id", "signature"))
    return next((row.id for row in rows if UUID(row.id) in stored and stored[UUID(row.id)] != row.signature),
                rows[0].id)


def store_statements(*, statements: list, requester: Requester, now: datetime | None = None,
                     attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Validate and store statements (all or none); returns their ids in order.

    `attachments` are the parts of a multipart/mixed request, by SHA-2 hash: (content type,
    bytes). Every attachment a statement declares without a fileUrl must be among them, and every
    one of them must be declared; a signature attachment must be a JWS of its statement."""
    now = now or timezone.now()
    attachments = attachments or {}
    if not isinstance(statements, list):
        statements = [statements]
    for index, statement in enumerate(statements):
        if isinstance(statement, dict):
            signatures.check(statement, attachments, index=index)
    for index, statement in enumerate(statements):
        validate(statement, index=index)
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        statement_id = str(UUID(statement["id"])) if "id" in statement else str(uuid4())
        if statement_id in seen:
            raise InvalidStatement(_("Two statements in this batch have the same id."), index=index)
        seen.add(statement_id)
        statement["id"] = statement_id
    declared = _check_attachments(statements, attachments)
    _check_writer(requester, statements)
    if requester.launch is not None:
        requester.launch.check_statements(statements, now=now)

    authority = authority_for(requester)
    stamp = _now_iso(now)
    forward = bool(settings.SANGKAT_XAPI_FORWARD_URL)
    connection = connections[router.db_for_write(Statement)]
    # Outside a transaction, the learners a client's statements name are checked by the database
    # at commit (a deferred foreign key); inside one, that check would come at the caller's commit.
    outside = not connection.in_atomic_block
    unchecked = requester.client is not None and outside
    if requester.client is None:
        owners = {statement["id"]: requester.user.pk for statement in statements}
    else:
        owners = _learner_ids(statements, checked=not unchecked)
    rows = []
    for statement in statements:
        signature = signature_of(statement)
        indexed = index_of(statement)
        statement["authority"] = authority
        related = related_of(statement)
        statement["stored"] = stamp
        statement.setdefault("version", "1.0.0")
        statement.setdefault("timestamp", stamp)
        rows.append(Statement(
            id=statement["id"], stored=now, data=statement, signature=signature,
            actor_key=indexed.actor_key[:500], object_agent_key=indexed.object_agent_key[:500],
            user_id=owners.get(statement["id"]), client=requester.client,
            verb_id=indexed.verb_id[:1000], activity_id=indexed.activity_id[:1000],
            registration=indexed.registration, voids=indexed.voids, related=related,
            forward_state=ForwardState.PENDING if forward else ForwardState.NONE,
            forward_next_at=now if forward else None,
        ))

    # Statements that only add rows (no attachment, voiding, progress, launch or forwarding) are
    # one INSERT, which is all or nothing by itself: no transaction around it.
    plain = (outside and len(rows) <= _insert_batch_size(connection) and not declared and requester.launch is None
             and not forward and not any(row.voids is not None or _counts_for_progress(row) for row in rows))
    for attempt in (1, 2):
        try:
            if plain:
                _insert_new(rows)
            else:
                _store_rows(rows, requester, statements, declared, attachments, now, forward)
            break
        except _Differing:
            raise StatementConflict(
                _("A different statement with the id %(id)s is already stored.") % {"id": _differing_id(rows)}
            ) from None
        except IntegrityError:
            if not unchecked or attempt == 2:
                raise
            # A statement named a learner who is not (or no longer) here: store it about nobody,
            # as a checked owner list would have.
            owners = _learner_ids(statements)
            for row in rows:
                row.user_id = owners.get(row.id)
    return [row.id for row in rows]


@transaction.atomic
def _store_rows(rows: list[Statement], requester: Requester, statements: list[dict],
                declared: set[tuple[str, str]], attachments: dict[str, tuple[str, bytes]], now: datetime,
                forward: bool) -> None:
    """store_statements' transaction: the rows, their attachments, voiding, progress, forwarding."""
    _insert_new(rows)  # re-sent statements are skipped, a differing one ends the transaction
    if declared:
        kept = set(StatementAttachment.objects.filter(statement_id__in=[row.id for row in rows])
                   .values_list("statement_id", "sha2"))
        StatementAttachment.objects.bulk_create([
            StatementAttachment(statement_id=statement_id, sha2=sha2, content_type=attachments[sha2][0][:255],
                                content=attachments[sha2][1])
            for statement_id, sha2 in declared if (UUID(statement_id), sha2) not in kept
        ])
    touched = _apply_voiding(rows, requester)
    for row in rows:
        if _counts_for_progress(row):
            touched.add((row.user_id, row.activity_id))
    unscored = progress.Unscored()  # what voiding undid, announced once for the whole request
    for user_id, activity_id in sorted(touched):
        parsed = parse_activity_iri(activity_id)
        if parsed is not None:
            progress.update_activity(user_id=user_id, lesson_key=parsed[0], block_id=parsed[1], now=now,
                                     unscored=unscored)
    unscored.announce()
    if requester.launch is not None:
        requester.launch.stored(statements, now=now)
    if forward:
        transaction.on_commit(_enqueue_forwarding)


def _counts_for_progress(row: Statement) -> bool:
    return row.user_id is not None and bool(row.activity_id) and parse_activity_iri(row.activity_id) is not None


def _check_attachments(statements: list[dict], attachments: dict[str, tuple[str, bytes]]) -> set[tuple[str, str]]:
    """(statement id, sha2) of every attachment sent as a part; InvalidStatement when a declared
    attachment without fileUrl was not sent or a sent part belongs to no statement."""
    declared = set()
    used = set()
    for index, statement in enumerate(statements):
        for attachment in statement.get("attachments") or []:
            sha2 = attachment["sha2"].lower()
            if sha2 in attachments:
                declared.add((statement["id"], sha2))
                used.add(sha2)
            elif not attachment.get("fileUrl"):
                raise InvalidStatement(
                    _("An attachment without fileUrl must be sent with the statement (multipart/mixed)."),
                    index=index)
    if set(attachments) - used:
        raise InvalidStatement(_("The request has a part that is no statement's attachment."))
    return declared


def _apply_voiding(rows: list[Statement], requester: Requester) -> set[tuple[int, str]]:
    """Mark the targets of voiding statements as voided; returns the (learner, activity) touched."""
    targets = {row.voids for row in rows if row.voids is not None}
    if not targets:
        return set()
    touched = set()
    found = Statement.objects.select_for_update().filter(id__in=targets).only(
        "id", "verb_id", "user_id", "client_id", "activity_id", "voided"
    )
    for target in found:
        if target.verb_id == VOIDED:
            raise InvalidStatement(_("A voiding statement cannot be voided."))
        if requester.client is not None:
            allowed = target.client_id == requester.client.pk
        else:
            allowed = target.user_id == requester.user.pk
        if not allowed:
            raise NotAllowed(_("You can only void statements you sent."))
        if not target.voided:
            Statement.objects.filter(pk=target.pk).update(voided=True)
            if target.user_id is not None and target.activity_id:
                touched.add((target.user_id, target.activity_id))
    return touched


def _enqueue_forwarding(run_after: datetime | None = None) -> None:
    from django_tasks.backends.immediate import ImmediateBackend

    # The immediate backend would make the HTTP call inside the learner's request (and a slow
    # outside LRS would stall it): there, `manage.py forward_statements` (cron) sends instead.
    if isinstance(forward_statements.get_backend(), ImmediateBackend):
        return
    if run_after is not None:
        if not forward_statements.get_backend().supports_defer:
            return  # the next run (a stored statement, or cron) sends it
        forward_statements.using(run_after=run_after).enqueue()
        return
    if _forwarding_waiting(forward_statements):
        return
    forward_statements.enqueue()


def _forwarding_waiting(task) -> bool:
    """Whether a run of the forwarding task is queued, due, and not yet started by any worker.

    That run reads the due rows only when it starts, so it also sends what was committed just
    now: queueing one run per stored statement (six a second under load) would only repeat it.
    A run already started may have read the rows before this commit, so it does not count.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()


def statements_about(user) -> QuerySet:
    """The person's statements: theirs, and others' where they are the actor or the object."""
    key = agent_key(agent_for(user))[:500]
    return Statement.objects.filter(Q(user=user) | Q(actor_key=key) | Q(object_agent_key=key))


def void_forwarded(*, user, now: datetime | None = None) -> int:
    """Queue a voiding statement for the outside LRS for each statement about `user` that it has
    (or may have) received; returns how many. Call inside the transaction that deletes them.

    The rows are locked first, so a forwarding worker cannot claim one meanwhile (it skips locked
    rows) and one it claimed just before is seen as in flight. "May have" is: sent, claimed right
    now, or tried before (a timed-out batch may have arrived); voiding a statement the LRS never
    got is harmless (xAPI: an LRS should not reject a voiding statement whose target it lacks).
    Voiding statements are never voided (xAPI forbids it): they stay at the LRS.
    """
    if not settings.SANGKAT_XAPI_FORWARD_URL:
        return 0  # no outside LRS to tell
    now = now or timezone.now()
    rows = list(
        statements_about(user).select_for_update().order_by("id")
        .values_list("id", "verb_id", "forward_state", "forward_attempts", "forward_next_at")
    )
    voids = []
    for statement_id, verb_id, state, attempts, next_at in rows:
        if verb_id == VOIDED:
            continue
        if state == ForwardState.SENT:
            due = now
        elif state == ForwardState.PENDING and (attempts > 0 or (next_at is not None and next_at > now)):
            # Possibly being sent this very moment: void it once that send is over, so the LRS
            # gets the statement before the statement voiding it.
            due = now + CLAIM + timedelta(seconds=30)
        else:
            continue  # never left Sangkat: deleting it is enough
        voids.append(OutgoingVoid(statement_id=statement_id, created_at=now, next_at=due))
    if voids:
        OutgoingVoid.objects.bulk_create(voids, ignore_conflicts=True, batch_size=500)
        if any(void.next_at <= now for void in voids):
            transaction.on_commit(_enqueue_forwarding)
        later = max(void.next_at for void in voids)
        if later > now:
            transaction.on_commit(lambda: _enqueue_forwarding(run_after=later))
    return len(voids)


@transaction.atomic
def erase_statements_about(*, user) -> int:
    """Delete every statement about `user` (account deletion), voiding at the outside LRS the ones
    it has; returns how many voids were queued. Unsent statements are deleted and never sent."""
    queued = void_forwarded(user=user)
    statements_about(user).delete()
    return queued


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_client(*, client: LRSClient) -> str:
    """Give a new client its key and secret; returns the secret (shown once, only its hash is kept)."""
    secret = secrets.token_urlsafe(32)
    client.key = secrets.token_urlsafe(18)
    client.secret_hash = hash_secret(secret)
    client.full_clean(exclude=["key", "secret_hash"])
    client.save()
    return secret


# Credentials checked in the last CLIENT_MEMO_SECONDS, per process: (key, SHA-256 of the secret) ->
# (when checked, the client). Only successes are kept (a wrong secret always asks the database). A
# client saved or deleted here is forgotten at once (forget_checked_clients, connected in apps.py);
# another process keeps using what it checked for at most CLIENT_MEMO_SECONDS, which bounds how long
# a switched-off client or a changed scope goes on working there (docs/decisions.md).
CLIENT_MEMO_SECONDS = 5.0
_CLIENT_MEMO_SIZE = 256
_checked_clients: dict[tuple[str, str], tuple[float, LRSClient]] = {}


def client_for_credentials(*, key: str, secret: str) -> LRSClient | None:
    """The active client these Basic credentials belong to, else None."""
    hashed = hash_secret(secret)
    memo_key = (key, hashed)
    now = time.monotonic()
    found = _checked_clients.get(memo_key)
    if found is not None and now - found[0] < CLIENT_MEMO_SECONDS:
        return found[1]
    client = LRSClient.objects.filter(key=key, active=True).first()
    expected = client.secret_hash if client else hash_secret("not-a-client")
    if client is None or not hmac.compare_digest(hashed, expected):
        _checked_clients.pop(memo_key, None)
        return None
    if len(_checked_clients) >= _CLIENT_MEMO_SIZE:
        _checked_clients.clear()
    _checked_clients[memo_key] = (now, client)
    return client


def forget_checked_clients(**_kwargs) -> None:
    """Forget every checked credential of this process (a client was saved or deleted)."""
    _checked_clients.clear()
