"""How Sangkat names a cmi5 block and its AUs as xAPI activities (stable across the lesson's translations)."""

from uuid import UUID

from django.conf import settings


def block_iri(lesson_key, block_id: str) -> str:
    return f"{settings.SANGKAT_PUBLIC_URL.rstrip('/')}/xapi/activities/lessons/{UUID(str(lesson_key))}/cmi5/{block_id}"


def au_iri(lesson_key, block_id: str, au_index: int) -> str:
    """The activity id Sangkat gives one AU of the block (the publisher's id is in the grouping)."""
    return f"{block_iri(lesson_key, block_id)}/au/{au_index}"
