"""The role names each signed-in person holds, kept in the shared cache and dropped when they change.

Every signed-in page needs them (the header's links, the Wagtail user bar, every role check): six
EXISTS subqueries in the user's SELECT cost PostgreSQL ~1.8 ms of planning per request, more than
the rest of the lesson page's SQL. Now the user's SELECT reads her row and unread count only, and
her roles come from one cache round trip (get_many of three keys):

- her entry: the names, tagged with the two versions below as they were *before* the names were read;
- her version: a new random value whenever her groups change (m2m_changed on User.groups, either side);
- a version for everyone: a new random value whenever a group is saved (renamed) or deleted, or a
  group's members are cleared from the group's side.

An entry counts only while both versions still match its tag, so a reader that read the old names
just before a change commits stores them under a tag that is already dead (the versions are written
at once and again after the commit). Versions are random, never counters, so a version lost from the
cache and written again cannot bring an old entry back; entries also expire (SECONDS). Without a
shared cache (tests, one process) the same holds within the process.

Changes made without signals (raw SQL, a bulk insert into the through table; none does today) are
seen once the entry expires.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

SECONDS = 60
VERSION_SECONDS = 60 * 60 * 24  # much longer than SECONDS: a version outlives every entry tagged before it
_EVERYONE = "sangkat:roles:v"


def _version_key(user_id) -> str:
    return f"sangkat:roles:v:{user_id}"


def _entry_key(user_id) -> str:
    return f"sangkat:roles:{user_id}"


_per_person: list = []  # functions: a person's id -> a cache key read with her roles (read_with_roles)
MISSING = object()


def read_with_roles(key_of) -> None:
    """A feature app's per-person cache key that her signed-in pages read anyway (`key_of(user_id)`):
    it comes in the same round trip as her roles (cms.auth), and kept_with_roles() gives it back."""
    if key_of not in _per_person:
        _per_person.append(key_of)


def per_person_keys(user_id) -> tuple[str, ...]:
    return tuple(key_of(user_id) for key_of in _per_person)


def kept_with_roles(user, key: str):
    """The value of `key` (None: not in the cache) as read with her roles for this request, or MISSING
    when it was not read so (a user object not loaded by cms.auth): the caller then reads it itself."""
    also = getattr(user, "_sangkat_also", None)
    return also[key] if also is not None and key in also else MISSING


def changed_with_roles(user, key: str, value) -> None:
    """The caller wrote `key` during this request: what kept_with_roles() gives back follows it."""
    also = getattr(user, "_sangkat_also", None)
    if also is not None and key in also:
        also[key] = value


def roles_of(user, *, also: tuple[str, ...] = ()) -> set[str]:
    """The names of the groups `user` belongs to (one cache round trip; a query when not kept).

    `also`: other keys read in the same round trip, left on the user as `_sangkat_also` (key ->
    value): the page structure's generation (cms.structure), read once per request anyway."""
    keys = (_EVERYONE, _version_key(user.pk), _entry_key(user.pk))
    found = cache.get_many(keys + also)
    if also:
        user._sangkat_also = {key: found.get(key) for key in also}
    tag = (found.get(keys[0]), found.get(keys[1]))
    entry = found.get(keys[2])
    if entry is not None and entry[0] == tag:
        return set(entry[1])
    names = set(user.groups.values_list("name", flat=True))
    cache.set(keys[2], (tag, tuple(sorted(names))), SECONDS)
    return names


def _renew(keys: list[str]) -> None:
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, VERSION_SECONDS)


def _renew_now_and_after_commit(keys: list[str]) -> None:
    # Now: readers in this transaction (and tests, whose transactions never commit) see the change.
    # After the commit: a reader that read the old rows before it stored them under a dead tag.
    _renew(keys)
    transaction.on_commit(lambda: _renew(keys))


def people_changed(user_ids) -> None:
    _renew_now_and_after_commit([_version_key(pk) for pk in user_ids])


def everyone_changed(**_kwargs) -> None:
    _renew_now_and_after_commit([_EVERYONE])


def memberships_changed(sender, instance, action, reverse, pk_set, **_kwargs) -> None:
    """m2m_changed of User.groups, from the user's side (user.groups.add) or the group's (group.user_set.add)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        people_changed([instance.pk])
    elif pk_set:
        people_changed(pk_set)
    else:  # group.user_set.clear(): who was in it is no longer known here
        everyone_changed()
