"""Writes to the xAPI document resources: State (also the H5P player's saved answers) and the Activity
and Agent Profiles, with their size, count and precondition (ETag) checks. Where a document lives and
who may touch it is courses.xapi.documents; courses.xapi.services re-exports these names.
"""

import json
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.jsonchecks import UntrustedJSONError, has_nul, loads_bounded
from courses.xapi import documents
from courses.xapi.documents import etag_of
from courses.xapi.models import ActivityState, ProfileDocument
from courses.xapi.requesters import NotAllowed, Requester

# ---- State documents (xAPI's State resource; H5P's content user data) ----------------------------

# One document is at most this many bytes of JSON; one learner keeps at most this many documents per
# activity (an activity and its parts). H5P's own state of a long activity is a few KB.
MAX_STATE_BYTES = 64 * 1024
MAX_STATES_PER_ACTIVITY = 100


class InvalidState(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_document(document: str) -> None:
    if len(document.encode()) > MAX_STATE_BYTES:
        raise InvalidState(_("The saved answers are too large (at most %(size)s KB).")
                           % {"size": MAX_STATE_BYTES // 1024})
    try:
        value = loads_bounded(document, max_bytes=MAX_STATE_BYTES, parse_constant=_not_json)
    except UntrustedJSONError:
        raise InvalidState(_("The saved answers are not valid JSON.")) from None
    if has_nul(value) or "\x00" in document:
        raise InvalidState(_("The saved answers are not valid JSON."))


@transaction.atomic
def save_state(*, user, activity_id: str, state_id: str, document: str,
               registration: UUID | None = None) -> ActivityState:
    """Store (or replace) one state document of `user` for an activity. `activity_id` must already
    be an activity the caller checked the learner may use: this stores, it does not authorise."""
    _check_document(document)
    base = activity_id.split("?", 1)[0]
    existing = ActivityState.objects.select_for_update().filter(
        user=user, activity_id=activity_id, state_id=state_id, registration=registration,
    ).first()
    if existing is None:
        kept = ActivityState.objects.filter(user=user).filter(
            Q(activity_id=base) | Q(activity_id__startswith=f"{base}?")
        ).count()
        if kept >= MAX_STATES_PER_ACTIVITY:
            raise InvalidState(_("This activity has saved too many parts already."))
        existing = ActivityState(user=user, activity_id=activity_id, state_id=state_id,
                                 registration=registration)
    existing.document = document
    existing.updated_at = timezone.now()
    existing.full_clean(validate_constraints=False)
    existing.save()
    return existing


def delete_state(*, user, activity_id: str, state_id: str, registration: UUID | None = None) -> int:
    """Forget one state document (H5P resets an activity this way); returns how many were deleted."""
    deleted, _per_model = ActivityState.objects.filter(
        user=user, activity_id=activity_id, state_id=state_id, registration=registration,
    ).delete()
    return deleted


def erase_states_of(*, user) -> int:
    """Delete every state document of `user` (account deletion)."""
    deleted, _per_model = ActivityState.objects.filter(user=user).delete()
    return deleted


# ---- Documents of the State, Activity Profile and Agent Profile resources -------------------------

MAX_DOCUMENT_BYTES = 256 * 1024
# A learner's own session may keep at most this many state documents in all (H5P saves a few per
# activity; a script in her session cannot fill the disk).
MAX_STATES_PER_LEARNER = 2000
# One agent keeps at most this many profile documents, one activity at most this many profiles.
MAX_PROFILES = 1000


class InvalidDocument(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PreconditionFailed(Exception):
    """If-Match / If-None-Match did not hold (412)."""


class DocumentConflict(Exception):
    """A PUT over an existing profile document named neither If-Match nor If-None-Match (409)."""


def _is_json(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _json_value_of(document: str):
    """The parsed JSON of a document sent as application/json; InvalidDocument when it is not JSON."""
    try:
        value = loads_bounded(document, max_bytes=MAX_DOCUMENT_BYTES, parse_constant=_not_json)
    except UntrustedJSONError:
        raise InvalidDocument(_("The document is not valid JSON.")) from None
    if has_nul(value):
        raise InvalidDocument(_("The document may not contain NUL characters."))
    return value


def check_preconditions(current: str | None, *, if_match: str, if_none_match: str) -> None:
    """HTTP/1.1 If-Match and If-None-Match against the current document (None: there is none)."""
    def tags(header: str) -> set[str]:
        return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}

    etag = etag_of(current) if current is not None else None
    if if_match:
        wanted = tags(if_match)
        if etag is None or ("*" not in wanted and etag not in wanted):
            raise PreconditionFailed
    if if_none_match:
        unwanted = tags(if_none_match)
        if etag is not None and ("*" in unwanted or etag in unwanted):
            raise PreconditionFailed


@transaction.atomic
def save_document(*, requester: Requester, where, document_id: str, document: str, content_type: str,
                  merge: bool, if_match: str = "", if_none_match: str = "",
                  now: datetime | None = None):
    """PUT (merge=False) or POST (merge=True) one document at `where` (documents.Address).

    POST merges a JSON object into an existing JSON object, one level deep; either side not being
    a JSON object is a 400. PUT of a profile document needs If-Match or If-None-Match: 409 without
    either over an existing one, 400 for a new one (the State resource is exempt in xAPI 1.0.3)."""
    now = now or timezone.now()
    documents.check_access(requester, where, write=True)
    _check_launch_write(requester, document_id)
    # A learner's own session keeps documents as small as H5P's saved answers.
    limit = MAX_DOCUMENT_BYTES if requester.client is not None else MAX_STATE_BYTES
    if len(document.encode("utf-8")) > limit:
        raise InvalidDocument(_("The document is too large (at most %(size)s KB).") % {"size": limit // 1024})
    if "\x00" in document:
        raise InvalidDocument(_("The document may not contain NUL characters."))
    sent_json = _is_json(content_type)
    sent = _json_value_of(document) if sent_json else None
    found = documents.rows(where).select_for_update().filter(**{where.id_field: document_id})
    existing = found.first()
    if existing is not None and not documents.visible(requester, found).exists():
        raise NotAllowed(_("This document belongs to another client."))
    check_preconditions(existing.document if existing else None, if_match=if_match,
                        if_none_match=if_none_match)
    if not merge and where.resource != documents.STATE and not if_match and not if_none_match:
        if existing is not None:
            raise DocumentConflict
        raise InvalidDocument(_("Send If-None-Match: * to create a profile document (or If-Match "
                                "with its ETag to replace one)."))
    if merge and existing is not None:
        old = _json_value_of(existing.document) if _is_json(existing.content_type) else None
        if not isinstance(old, dict) or not isinstance(sent, dict):
            raise InvalidDocument(_("Only a JSON object can be merged into a JSON object."))
        old.update(sent)
        document = json.dumps(old, ensure_ascii=False, separators=(",", ":"))
        if len(document.encode("utf-8")) > limit:
            raise InvalidDocument(_("The document is too large (at most %(size)s KB).") % {"size": limit // 1024})
        content_type = existing.content_type
    if existing is None:
        existing = _new_document(requester, where, document_id)
    existing.document = document
    existing.content_type = content_type.strip()[:255] or "application/octet-stream"
    existing.updated_at = now
    existing.save()
    return existing


def _check_launch_write(requester: Requester, document_id: str | None) -> None:
    """Launched content may not change what its launcher wrote for it (cmi5's LMS.LaunchData)."""
    if requester.launch is not None and (document_id is None or document_id in requester.launch.read_only_documents):
        raise NotAllowed(_("This document is written by Sangkat: the activity may only read it."))


def _new_document(requester: Requester, where, document_id: str):
    if len(document_id) > 200:
        raise InvalidDocument(_("The document id is too long (at most 200 characters)."))
    client = requester.client
    if where.resource == documents.STATE:
        if where.user_id is not None:
            base = where.activity_id.split("?", 1)[0]
            kept = ActivityState.objects.filter(user_id=where.user_id).filter(
                Q(activity_id=base) | Q(activity_id__startswith=f"{base}?")).count()
            if kept >= MAX_STATES_PER_ACTIVITY:
                raise InvalidDocument(_("This activity has saved too many parts already."))
            if (requester.client is None
                    and ActivityState.objects.filter(user_id=where.user_id).count() >= MAX_STATES_PER_LEARNER):
                raise InvalidDocument(_("You have saved too many documents already."))
        return ActivityState(user_id=where.user_id, agent_key="" if where.user_id else where.agent_key,
                             client=client, activity_id=where.activity_id, state_id=document_id,
                             registration=where.registration)
    if documents.rows(where).count() >= MAX_PROFILES:
        raise InvalidDocument(_("Too many profile documents are kept here already."))
    return ProfileDocument(
        key=documents.profile_key(where, document_id), kind=where.resource,
        activity_id=where.activity_id if where.resource == documents.ACTIVITY_PROFILE else "",
        agent_key=where.agent_key if where.resource == documents.AGENT_PROFILE else "",
        user_id=where.user_id if where.resource == documents.AGENT_PROFILE else None,
        client=client, profile_id=document_id,
    )


@transaction.atomic
def delete_documents(*, requester: Requester, where, document_id: str | None,
                     if_match: str = "", if_none_match: str = "") -> int:
    """DELETE one document, or (State resource, no id) every document at `where` this requester
    may see. Deleting what is not there is not an error."""
    documents.check_access(requester, where, write=True)
    _check_launch_write(requester, document_id)
    found = documents.rows(where)
    if document_id is not None:
        found = found.filter(**{where.id_field: document_id})
        existing = found.select_for_update().first()
        if existing is not None and not documents.visible(requester, found).exists():
            raise NotAllowed(_("This document belongs to another client."))
        check_preconditions(existing.document if existing else None, if_match=if_match,
                            if_none_match=if_none_match)
    deleted, _per_model = documents.visible(requester, found).delete()
    return deleted


def erase_profiles_of(*, user) -> int:
    """Delete every agent profile document about `user` (account deletion)."""
    deleted, _per_model = ProfileDocument.objects.filter(user=user).delete()
    return deleted
