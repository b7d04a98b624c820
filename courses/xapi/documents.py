"""Where an xAPI document lives (State, Activity Profile and Agent Profile resources) and who may
touch it. Shared by services.py (writes) and selectors.py (reads); no views, no requests here.

A Sangkat learner's documents are found by her user (the same rows the H5P player saves through
/h5p/user-data/), whoever asks: an outside client with the scopes staff gave it, or her own
session. Every other agent's documents are found by its key (validation.agent_key).
"""

import hashlib
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from courses.xapi.identity import agent_for, user_id_of
from courses.xapi.models import ActivityState, ProfileDocument
from courses.xapi.requesters import NotAllowed
from courses.xapi.validation import agent_key

STATE = "state"
ACTIVITY_PROFILE = ProfileDocument.Kind.ACTIVITY
AGENT_PROFILE = ProfileDocument.Kind.AGENT


@dataclass(frozen=True)
class Address:
    """The set of documents one request names, less the document id."""

    resource: str
    activity_id: str = ""
    agent_key: str = ""
    user_id: int | None = None  # the Sangkat learner the agent names, if any
    registration: UUID | None = None

    @property
    def id_field(self) -> str:
        return "state_id" if self.resource == STATE else "profile_id"


def address(*, resource: str, activity_id: str = "", agent: dict | None = None,
            registration: UUID | None = None) -> Address:
    user_id = None
    key = ""
    if agent is not None:
        key = agent_key(agent)
        candidate = user_id_of(agent)
        if candidate is not None and get_user_model().objects.filter(pk=candidate).exists():
            user_id = candidate
            # One key per learner, however the agent was written (an mbox beside her account).
            key = agent_key(agent_for_id(user_id))
    return Address(resource=resource, activity_id=activity_id, agent_key=key, user_id=user_id,
                   registration=registration)


def agent_for_id(user_id: int) -> dict:
    return agent_for(get_user_model()(pk=user_id))


def rows(where: Address) -> QuerySet:
    """Every stored document at this address (no access check)."""
    if where.resource == STATE:
        found = ActivityState.objects.filter(activity_id=where.activity_id, registration=where.registration)
        if where.user_id is not None:
            return found.filter(user_id=where.user_id)
        return found.filter(user__isnull=True, agent_key=where.agent_key)
    found = ProfileDocument.objects.filter(kind=where.resource)
    if where.resource == ACTIVITY_PROFILE:
        return found.filter(activity_id=where.activity_id, agent_key="")
    return found.filter(activity_id="", agent_key=where.agent_key)


def profile_key(where: Address, profile_id: str) -> str:
    parts = "\n".join([where.resource, where.activity_id, where.agent_key, profile_id])
    return hashlib.sha256(parts.encode()).hexdigest()


def check_access(requester, where: Address, *, write: bool) -> None:
    """Raise NotAllowed when the requester may not use this address at all.

    A learner's session: her own State and Agent Profile only (no Activity Profiles: they are
    shared by everyone who does the activity). A client: writes need the write scope; reads need
    a read scope (which rows it sees is `visible`)."""
    if requester.client is None:
        if where.resource == ACTIVITY_PROFILE or where.user_id != requester.user.pk:
            raise NotAllowed(_("You can only use your own documents."))
        if requester.launch is not None:
            requester.launch.check_document(where, write=write)
        return
    client = requester.client
    if write and not client.may_write:
        raise NotAllowed(_("This client may not store documents."))
    if not write and not (client.may_read_all or client.may_read_own):
        raise NotAllowed(_("This client may not read documents."))


def visible(requester, found: QuerySet) -> QuerySet:
    """The rows of `found` the requester may see: all of a learner's own (check_access ran), every
    row for a client that may read everything, else only rows this client wrote."""
    if requester.client is None or requester.client.may_read_all:
        return found
    if requester.client.may_read_own:
        return found.filter(client=requester.client)
    return found.none()


def etag_of(document: str) -> str:
    """The document's entity tag: SHA-1 of its bytes in hex, quoted (xAPI 1.0.3, Communication 3.1)."""
    return '"' + hashlib.sha1(document.encode("utf-8"), usedforsecurity=False).hexdigest() + '"'
