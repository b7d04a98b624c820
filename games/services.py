"""Writes of the gamification engine. The one way in for other apps:

    record_event(user=..., kind=..., source=..., course_key=None, at=None)
    revoke_event(user=..., kind=..., source=...)
    issue_badge(user=..., slug=..., evidence="")
    revoke_badge(award=..., reason=...)

`source` names the thing that caused the event ("courses.lesson:<translation_key>",
"labs.session:42", ...). Replaying an event, a double click or a retry awards nothing more: the
database's unique constraints on (user, kind, source) and (user, rule, source) decide.
"""

import hashlib
import secrets
import time
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.services import notify
from games import leaderboards, upserts
from games.models import (
    Award,
    BadgeAward,
    BadgeDefinition,
    Criterion,
    Event,
    EventKind,
    Preferences,
    Rule,
    Score,
    WeeklyScore,
)
from games.selectors import course_source
from games.upserts import STREAK_FORGIVEN_WEEKS, week_of  # noqa: F401  (services.<name> still works)


def record_event(*, user, kind: str, source: str, course_key=None, at: datetime | None = None) -> list[Award]:
    """Record that `user` did `kind` because of `source`; award the active rule's points once.

    Returns the awards made by this call (empty when the event was already recorded).

    On PostgreSQL ONE statement (upserts.record_in_one_statement): in autocommit it is its own
    transaction. Elsewhere (SQLite) one transaction of a fixed handful of `INSERT … ON CONFLICT`
    upserts: the event (a replay ends here), its award, the week's and the course's totals, the total
    with the streak, and one read for the badges this kind can change. A badge earned costs its insert
    and its notice on top, once. tests/games/test_statements.py holds both budgets."""
    _check_event(kind, source)
    if user is None or not user.pk:
        return []
    at = at or timezone.now()
    memo = _definitions()  # the generation is read once per event, not once per use
    rules = _active_rules(memo).get(kind, [])
    if _one_statement(rules):
        moved: dict[int, dict[str, int]] = {}
        awards = _record_one_statement(user, kind, source, course_key, at, rules, memo, moved)
        _points_changed(moved)
        return awards
    with transaction.atomic(savepoint=False):  # no savepoint of its own: see docs/decisions.md
        return _record_in_steps(user, kind, source, course_key, at, rules, memo)


def record_events(events, *, at: datetime | None = None) -> list[Award]:
    """Record many events at once (a bulk load, a rebuilt rollup, a replayed export): each item is
    (user, kind, source, course_key) or (user, kind, source, course_key, at). Exactly what
    record_event would do for each, in order, but in ONE transaction (one commit instead of one per
    event), with the rules read once and the leaderboard cache told once per person after the
    commit, with her last totals. Returns the awards made."""
    events = [(*item, None)[:5] for item in events]
    for _user, kind, source, _key, _at in events:
        _check_event(kind, source)
    now = at or timezone.now()
    memo = _definitions()
    awards: list[Award] = []
    moved: dict[int, dict[str, int]] = {}
    with transaction.atomic(savepoint=False):
        for user, kind, source, course_key, when in events:
            if user is None or not user.pk:
                continue
            at = when or now
            rules = _active_rules(memo).get(kind, [])
            if _one_statement(rules):
                awards += _record_one_statement(user, kind, source, course_key, at, rules, memo, moved)
            else:
                awards += _record_in_steps(user, kind, source, course_key, at, rules, memo, moved)
        _points_changed(moved)
    return awards


def _check_event(kind: str, source: str) -> None:
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    if not source or len(source) > 200:
        raise ValueError("source must be 1..200 characters")


def _one_statement(rules: list[Rule]) -> bool:
    """PostgreSQL runs an event as one statement (data-modifying CTEs, which SQLite lacks); it holds
    one rule, and a kind has at most one active rule (the one_active_rule_per_kind constraint)."""
    return connection.vendor == "postgresql" and len(rules) <= 1


def _record_one_statement(user, kind, source, course_key, at, rules, memo, moved) -> list[Award]:
    """The event in one statement, then the badges it completes (their insert and notice together).
    Notes the boards it moved in `moved` (person → board → her new points there)."""
    candidates = [d for d in _badge_definitions(memo) if _may_change(d, kind)]
    done = upserts.record_in_one_statement(
        user, kind, source, course_key, at, rules[0] if rules else None,
        badge_ids=[d.pk for d in candidates],
        count_kind=any(d.criterion == Criterion.EVENT_COUNT for d in candidates),
        sources=_wanted_sources(candidates))
    if done is None:
        return []  # already recorded and not revoked: a replay, a double click, a racing retry
    if done.award is not None:
        boards = moved.setdefault(user.pk, {})
        upserts.note_boards(boards, user, done.award.week, done.week_total, done.award.course_key, done.course)
        _note_all_time(boards, user, done.total)
    to_give = _badges_met(candidates, points=done.total, owned=done.owned, count=done.count,
                          completed=done.completed)
    if to_give:
        with transaction.atomic(savepoint=False):  # the badge and its notice together
            for definition in to_give:
                _give(user, definition, evidence="")
    return [done.award] if done.award is not None else []


def _points_changed(moved: dict[int, dict[str, int]]) -> None:
    for user_id, boards in moved.items():
        leaderboards.points_changed(user_id, boards)


def _record_in_steps(user, kind, source, course_key, at, rules, memo, moved=None) -> list[Award]:
    """The event as a handful of upserts. With `moved` (a batch), the boards it moved are noted there
    (person → board → her new points) for the batch to tell the leaderboard cache once per person."""
    if not upserts.upsert_event(user, kind, source, course_key, at):
        return []  # already recorded and not revoked: a replay, a double click, a racing retry
    awards = []
    week = week_of(at)
    for rule in rules:
        award = upserts.upsert_award(user, rule, source, course_key, week, at)
        if award is not None:
            awards.append(award)
    boards: dict[str, int] = {}
    for award in awards:
        upserts.add_to_period_totals(user, award.points, award.week, award.course_key, boards)
    total = upserts.add_to_score(user, sum(award.points for award in awards), streak_week=week)
    if awards and moved is None:
        _note_total(user, total, boards)
    elif awards:
        noted = moved.setdefault(user.pk, {})
        noted.update(boards)
        _note_all_time(noted, user, total)
    _check_badges(user, kind=kind, points=total, memo=memo)
    return awards


def revoke_event(*, user, kind: str, source: str) -> int:
    """The source went away (a voided statement, a hidden proposal): take its points back.

    Returns the points taken back. Badges already earned stay; staff can revoke them. On PostgreSQL
    ONE statement (upserts.revoke_in_one_statement), its own transaction in autocommit; elsewhere
    one transaction of up to 5 (the event, its awards, the week's and course's totals, the total)."""
    if connection.vendor == "postgresql":
        taken, total, boards = upserts.revoke_in_one_statement(user, kind, source, timezone.now())
        if taken and total is not None:
            _note_total(user, total, boards)
        return taken
    with transaction.atomic(savepoint=False):  # no savepoint of its own: see docs/decisions.md
        return _revoke_in_steps(user, kind, source)


def _revoke_in_steps(user, kind: str, source: str) -> int:
    now = timezone.now()
    updated = Event.objects.filter(user=user, kind=kind, source=source, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        return 0
    award, rule = upserts.tables(Award), upserts.tables(Rule)
    rows = upserts.execute(
        f"UPDATE {award} SET revoked_at = %(now)s"
        f" WHERE user_id = %(user)s AND source = %(source)s AND revoked_at IS NULL"
        f" AND rule_id IN (SELECT id FROM {rule} WHERE kind = %(kind)s)"
        f" RETURNING points, week, course_key",
        {"now": upserts.prep(Award, "revoked_at", now), "user": user.pk, "source": source, "kind": kind})
    taken = 0
    boards: dict[str, int] = {}
    for points, week, course_key in rows:
        week, course_key = upserts.value(Award, "week", week), upserts.value(Award, "course_key", course_key)
        upserts.add_to_period_totals(user, -points, week, course_key, boards)
        taken += points
    if taken:
        _note_total(user, upserts.add_to_score(user, -taken), boards)
    return taken


@transaction.atomic(savepoint=False)
def revoke_events(events) -> int:
    """Take back many events' points at once (a voided batch of statements): items (user, kind, source).

    The same end state as revoke_event for each, in a fixed number of statements per batch of up to
    upserts.BATCH items, whatever its size (on PostgreSQL at most that: fewer items than
    REVOKE_ONE_BY_ONE_BELOW go one statement each): the events, then their awards, then each running total
    row once with the sum it loses (upserts.revoke_many). Returns the points taken back."""
    items = [(user, kind, source) for user, kind, source in events if user is not None and user.pk]
    if connection.vendor == "postgresql" and len(items) < REVOKE_ONE_BY_ONE_BELOW:
        return _revoke_few(items)
    users = {user.pk: user for user, _kind, _source in items}
    taken, moved = upserts.revoke_many([(user.pk, kind, source) for user, kind, source in items], users,
                                       timezone.now())
    for user_id, (total, boards) in moved.items():
        _note_all_time(boards, users[user_id], total)
    _points_changed({user_id: boards for user_id, (_total, boards) in moved.items()})
    return taken


# On PostgreSQL revoke_event is one statement: a batch of fewer items than revoke_many's statements
# (5) is cheaper one statement per item, with the leaderboard cache still told once per person.
REVOKE_ONE_BY_ONE_BELOW = 5


def _revoke_few(items) -> int:
    now, taken, moved = timezone.now(), 0, {}
    for user, kind, source in items:
        lost, total, boards = upserts.revoke_in_one_statement(user, kind, source, now)
        if lost and total is not None:
            noted = moved.setdefault(user.pk, {})
            noted.update(boards)
            _note_all_time(noted, user, total)
        taken += lost
    _points_changed(moved)
    return taken


def _note_total(user, total: int, boards: dict[str, int]) -> None:
    """The all-time boards get the new total too; the cached tops it moves are dropped on commit."""
    _note_all_time(boards, user, total)
    leaderboards.points_changed(user.pk, boards)


def _note_all_time(boards: dict[str, int], user, total: int) -> None:
    for scope, ident in (("overall", None), ("center", user.home_center_id)):
        boards[leaderboards.board_id(scope, "all", ident, None)] = total


# --- rules and badge definitions, cached per process and dropped when staff edit them -------------
# Every app server and worker keeps its own copy. An edit bumps a generation number in the shared
# cache (Redis in production) once it commits; each process compares it on use and reloads.

_cache: dict = {}
GENERATION_KEY = "games:definitions-generation"


def _bump_generation() -> None:
    from django.core.cache import cache

    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted)
        cache.set(GENERATION_KEY, 1, timeout=None)


def forget_definitions(**_kwargs) -> None:
    """Staff saved a rule or badge: drop this process's copy now, and the others' once it commits."""
    forget_local_definitions()
    transaction.on_commit(_bump_generation)


def forget_local_definitions() -> None:
    _cache.clear()


# How long a process trusts its copy before it asks the shared cache for the generation again: a burst
# of events costs no cache round trip each; an edit in another process is seen up to this much later.
DEFINITIONS_CHECK_SECONDS = 1.0


def _definitions() -> dict:
    from django.core.cache import cache

    now = time.monotonic()
    if "generation" in _cache and now - _cache.get("checked", 0.0) < DEFINITIONS_CHECK_SECONDS:
        return _cache
    generation = cache.get(GENERATION_KEY, 0)
    if _cache.get("generation") != generation:
        _cache.clear()
        _cache["generation"] = generation
    _cache["checked"] = now
    return _cache


def _active_rules(memo: dict | None = None) -> dict[str, list[Rule]]:
    memo = _definitions() if memo is None else memo
    if "rules" not in memo:
        rules: dict[str, list[Rule]] = {}
        for rule in Rule.objects.filter(active=True):
            rules.setdefault(rule.kind, []).append(rule)
        memo["rules"] = rules
    return memo["rules"]


def _badge_definitions(memo: dict | None = None) -> list[BadgeDefinition]:
    memo = _definitions() if memo is None else memo
    if "badges" not in memo:
        memo["badges"] = list(BadgeDefinition.objects.filter(active=True).exclude(criterion=Criterion.AWARDED)
                              .select_related("course").prefetch_related("courses"))
    return memo["badges"]


def _check_badges(user, *, kind: str, points: int, memo: dict | None = None) -> None:
    """Give the badges this event completes, as selectors.badge_progress_for counts them.

    One read: the candidate badges she owns already, the count of her events of this kind, and her
    completed courses among those the course badges name, as one UNION ALL. The total is known."""
    candidates = [d for d in _badge_definitions(memo) if _may_change(d, kind)]
    if not candidates:
        return
    badge_award, event = upserts.tables(BadgeAward), upserts.tables(Event)
    parts = [f"SELECT 'owned', badge_id, 0, '' FROM {badge_award} WHERE user_id = %(user)s AND badge_id IN"
             f" ({', '.join(str(int(d.pk)) for d in candidates)})"]
    params = {"user": user.pk, "kind": kind, "completed": EventKind.COURSE_COMPLETED}
    if any(d.criterion == Criterion.EVENT_COUNT for d in candidates):
        parts.append(f"SELECT 'count', 0, COUNT(*), '' FROM {event} WHERE user_id = %(user)s AND kind = %(kind)s"
                     f" AND revoked_at IS NULL")
    wanted = _wanted_sources(candidates)
    if wanted:
        names = ", ".join(f"%(source{i})s" for i in range(len(wanted)))
        params.update({f"source{i}": source for i, source in enumerate(wanted)})
        parts.append(f"SELECT 'course', 0, 0, source FROM {event} WHERE user_id = %(user)s AND kind = %(completed)s"
                     f" AND revoked_at IS NULL AND source IN ({names})")
    owned, count, completed = set(), 0, set()
    for what, badge_id, number, source in upserts.execute(" UNION ALL ".join(parts), params):
        if what == "owned":
            owned.add(badge_id)
        elif what == "count":
            count = number
        else:
            completed.add(source)
    for definition in _badges_met(candidates, points=points, owned=owned, count=count, completed=completed):
        _give(user, definition, evidence="")


def _wanted_sources(candidates: list[BadgeDefinition]) -> list[str]:
    return sorted({s for d in candidates if d.criterion in (Criterion.COURSE, Criterion.COURSES)
                   for s in _course_sources(d)})


def _badges_met(candidates, *, points: int, owned: set, count: int, completed: set) -> list[BadgeDefinition]:
    """Of the candidate badges she does not own, those whose criterion is met now."""
    met = []
    for definition in candidates:
        if definition.pk in owned:
            continue
        c = definition.criterion
        if c == Criterion.POINTS:
            done, needed = points, definition.points or 0
        elif c == Criterion.EVENT_COUNT:
            done, needed = count, definition.count or 0
        else:
            sources = set(_course_sources(definition))
            done, needed = len(sources & completed), len(sources)
        if needed and done >= needed:
            met.append(definition)
    return met


def _course_sources(definition: BadgeDefinition) -> list[str]:
    courses = [definition.course] if definition.criterion == Criterion.COURSE else list(definition.courses.all())
    return [course_source(course) for course in courses if course is not None]


def _may_change(definition: BadgeDefinition, kind: str) -> bool:
    if definition.criterion == Criterion.POINTS:
        return True
    if definition.criterion == Criterion.EVENT_COUNT:
        return definition.event_kind == kind
    return kind == EventKind.COURSE_COMPLETED


# --- badges -----------------------------------------------------------------------------------


def private_recipient_link() -> str:
    """A fresh recipient URL that names no one: 192 random bits under a path that serves nothing.

    Its salted hash cannot be reversed by trying candidates (unlike a phone number or /people/<pk>);
    only the person it was issued to is shown it (trophies page), to prove the badge is hers."""
    return f"{settings.SANGKAT_PUBLIC_URL.rstrip('/')}/openbadges/recipients/{secrets.token_urlsafe(24)}"


def recipient_identity(user) -> tuple[str, str]:
    """The identity a new Open Badges assertion is issued to (only ever published hashed and salted).

    Her email where she has one, else a private link. Never a phone number: Cambodian numbers are
    few enough that a salted hash of one is reversed in under a second (docs/security.md)."""
    if user.email:
        return "email", user.email.strip().lower()
    return "url", private_recipient_link()


def hash_identity(identity: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def _give(user, definition: BadgeDefinition, evidence: str) -> BadgeAward | None:
    kind, identity = recipient_identity(user)
    salt = secrets.token_hex(16)
    award, made = upserts.insert_badge_award(BadgeAward(
        user=user, badge=definition, issued_at=timezone.now(), salt=salt, recipient_type=kind,
        recipient_hash=hash_identity(identity, salt), evidence=evidence[:300],
        recipient_link=identity if kind == "url" else ""))
    if made:
        _announce(award)
    return award


def _announce(award: BadgeAward) -> None:
    from django.urls import reverse
    from django.utils import translation

    user = award.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        url = reverse("games:trophies")
        name = award.badge.name
    notify(users=[user], kind="badge", title=gettext_lazy("You earned a badge: %(name)s"),
           body=gettext_lazy("It is on your trophy page, ready to download and share."),
           url=url, params={"name": name})


@transaction.atomic
def issue_badge(*, user, slug: str, evidence: str = "", expires_at: datetime | None = None) -> BadgeAward:
    """Give a badge whose criterion is 'given by staff or a programme step' (or any badge, by slug).

    Issuing again returns the existing assertion, with the new expiry (a renewal); a revoked one is
    reinstated."""
    definition = BadgeDefinition.objects.get(slug=slug)
    award = _give(user, definition, evidence)
    BadgeAward.objects.filter(pk=award.pk).update(revoked_at=None, revocation_reason="", expires_at=expires_at)
    award.refresh_from_db()
    return award


@transaction.atomic
def revoke_badge(*, award: BadgeAward, reason: str) -> BadgeAward:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the badge is revoked: the reason is public."))
    BadgeAward.objects.filter(pk=award.pk).update(revoked_at=timezone.now(), revocation_reason=reason[:300])
    award.refresh_from_db()
    return award


def revoke_badge_of(*, user, slug: str, reason: str) -> BadgeAward | None:
    award = BadgeAward.objects.filter(user=user, badge__slug=slug, revoked_at__isnull=True).first()
    return revoke_badge(award=award, reason=reason) if award else None


def follow_home_center(*, user) -> int:
    """Her totals are counted under her home center at once, not at her next points: the center boards
    she left and joined change now (their cached tops and lines are dropped by the caller's
    everything_changed). Returns the rows moved."""
    moved = 0
    for model in (Score, WeeklyScore):
        rows = model.objects.filter(user_id=user.pk)
        if user.home_center_id is None:
            rows = rows.filter(center_id__isnull=False)
        else:
            rows = rows.exclude(center_id=user.home_center_id)  # NULL rows too
        moved += rows.update(center_id=user.home_center_id)
    return moved


@transaction.atomic
def set_leaderboard_preference(*, user, choice: str) -> Preferences:
    prefs, _created = Preferences.objects.update_or_create(user=user, defaults={"leaderboard": choice})
    return prefs


@transaction.atomic
def reinstate_badge(*, award: BadgeAward) -> BadgeAward:
    BadgeAward.objects.filter(pk=award.pk).update(revoked_at=None, revocation_reason="")
    award.refresh_from_db()
    return award
