"""How Sangkat names learners and lesson activities in xAPI statements.

The H5P player and the statement store both use these, so a statement written by the player is
recognised by the store as being about this learner and this activity in this lesson.
"""

import re
from uuid import UUID

from django.conf import settings

from cms.requestids import parse_id

_ACTIVITY_PATH = re.compile(
    r"^/xapi/activities/lessons/(?P<lesson>[0-9a-f-]{36})/(?:h5p|scorm)/(?P<block>[A-Za-z0-9_-]{1,64})$"
)


def _home_page() -> str:
    return settings.SANGKAT_PUBLIC_URL.rstrip("/")


def agent_for(user) -> dict:
    """The learner as an xAPI Agent: an account on this Sangkat, no name or e-mail (least data)."""
    return {"objectType": "Agent", "account": {"homePage": _home_page(), "name": str(user.pk)}}


def user_id_of(agent: dict) -> int | None:
    """The Sangkat user id an Agent names, or None when it is not one of this Sangkat's accounts."""
    account = agent.get("account") if isinstance(agent, dict) else None
    if not isinstance(account, dict) or account.get("homePage") != _home_page():
        return None
    return parse_id(account.get("name"))


def activity_iri(*, lesson_key: UUID | str, block_id: str, kind: str = "h5p") -> str:
    """The activity id of one H5P (or, kind="scorm", SCORM) block in a lesson (stable across the
    lesson's translations)."""
    if kind not in ("h5p", "scorm"):
        raise ValueError(kind)
    return f"{_home_page()}/xapi/activities/lessons/{UUID(str(lesson_key))}/{kind}/{block_id}"


def parse_activity_iri(iri: str) -> tuple[UUID, str] | None:
    """(lesson translation key, block id) for a Sangkat H5P activity IRI, else None.

    H5P names parts of an activity `<activity>?subContentId=<uuid>`; those are not the activity
    itself and give None.
    """
    prefix = _home_page()
    if not isinstance(iri, str) or not iri.startswith(prefix):
        return None
    match = _ACTIVITY_PATH.match(iri[len(prefix):])
    if not match:
        return None
    return UUID(match["lesson"]), match["block"]
