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
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from games.models import (
    Award,
    BadgeAward,
    BadgeDefinition,
    CourseScore,
    Criterion,
    Event,
    EventKind,
    Preferences,
    Rule,
    Score,
    WeeklyScore,
)

# A weekly streak survives one missed week: centers are not open every day, and people travel.
STREAK_FORGIVEN_WEEKS = 1


def week_of(moment: datetime | date) -> date:
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


@transaction.atomic
def record_event(*, user, kind: str, source: str, course_key=None, at: datetime | None = None) -> list[Award]:
    """Record that `user` did `kind` because of `source`; award the active rule's points once.

    Returns the awards made by this call (empty when the event was already recorded)."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    if not source or len(source) > 200:
        raise ValueError("source must be 1..200 characters")
    if user is None or not user.pk:
        return []
    at = at or timezone.now()
    event, created = _get_or_create(Event, user=user, kind=kind, source=source,
                                    defaults={"occurred_at": at, "course_key": course_key})
    if not created:
        if event.revoked_at is None:
            return []
        # The source came back (a proposal shown again, a statement re-sent): count it again.
        Event.objects.filter(pk=event.pk).update(revoked_at=None)

    awards = []
    week = week_of(at)
    for rule in _active_rules().get(kind, []):
        award, made = _get_or_create(
            Award, user=user, rule=rule, source=source,
            defaults={"points": rule.points, "course_key": course_key, "week": week, "created_at": at},
        )
        if not made:
            if award.revoked_at is None:
                continue
            Award.objects.filter(pk=award.pk).update(revoked_at=None)
        _add_points(user, award.points, award.week, award.course_key)
        awards.append(award)
    _touch_streak(user, week)
    _check_badges(user, kind=kind)
    return awards


@transaction.atomic
def revoke_event(*, user, kind: str, source: str) -> int:
    """The source went away (a voided statement, a hidden proposal): take its points back.

    Returns the points taken back. Badges already earned stay; staff can revoke them."""
    now = timezone.now()
    updated = Event.objects.filter(user=user, kind=kind, source=source, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        return 0
    taken = 0
    awards = list(Award.objects.select_for_update().filter(
        user=user, rule__kind=kind, source=source, revoked_at__isnull=True))
    for award in awards:
        Award.objects.filter(pk=award.pk).update(revoked_at=now)
        _add_points(user, -award.points, award.week, award.course_key)
        taken += award.points
    return taken


def _get_or_create(model, defaults, **lookup):
    """get_or_create that stays correct when two requests race for the same unique row."""
    try:
        with transaction.atomic():
            return model.objects.get_or_create(defaults=defaults, **lookup)
    except IntegrityError:
        return model.objects.get(**lookup), False


def _add_points(user, points: int, week: date, course_key) -> None:
    center_id = user.home_center_id
    if not Score.objects.filter(user=user).update(points=F("points") + points, center_id=center_id):
        _upsert(Score, {"user": user}, {"points": max(points, 0), "center_id": center_id},
                lambda: Score.objects.filter(user=user).update(points=F("points") + points))
    if not WeeklyScore.objects.filter(user=user, week=week).update(points=F("points") + points, center_id=center_id):
        _upsert(WeeklyScore, {"user": user, "week": week}, {"points": max(points, 0), "center_id": center_id},
                lambda: WeeklyScore.objects.filter(user=user, week=week).update(points=F("points") + points))
    if course_key:
        current = week_of(timezone.now())
        if week == current:
            changed = CourseScore.objects.filter(user=user, course_key=course_key, week=week).update(
                points=F("points") + points, week_points=F("week_points") + points)
            if not changed:
                # First points in this course this week (or ever): start this week's count afresh.
                changed = CourseScore.objects.filter(user=user, course_key=course_key).update(
                    points=F("points") + points, week=week, week_points=max(points, 0))
        else:
            changed = CourseScore.objects.filter(user=user, course_key=course_key).update(points=F("points") + points)
        if not changed:
            _upsert(CourseScore, {"user": user, "course_key": course_key},
                    {"points": max(points, 0), "week": week, "week_points": max(points, 0) if week == current else 0},
                    lambda: CourseScore.objects.filter(user=user, course_key=course_key).update(
                        points=F("points") + points))


def _upsert(model, lookup, values, on_conflict):
    try:
        with transaction.atomic():
            model.objects.create(**lookup, **values)
    except IntegrityError:
        on_conflict()


def _touch_streak(user, week: date) -> None:
    score = Score.objects.select_for_update().filter(user=user).first()
    if score is None:
        score = _upsert_score(user)
    last = score.last_active_week
    if last is not None and week <= last:
        return
    gap = (week - last).days // 7 if last else None
    streak = score.streak_weeks + 1 if gap is not None and gap <= 1 + STREAK_FORGIVEN_WEEKS else 1
    Score.objects.filter(pk=score.pk).update(
        last_active_week=week, streak_weeks=streak, best_streak_weeks=max(score.best_streak_weeks, streak))


def _upsert_score(user):
    _upsert(Score, {"user": user}, {"center_id": user.home_center_id}, lambda: None)
    return Score.objects.select_for_update().get(user=user)


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


def _definitions() -> dict:
    from django.core.cache import cache

    generation = cache.get(GENERATION_KEY, 0)
    if _cache.get("generation") != generation:
        _cache.clear()
        _cache["generation"] = generation
    return _cache


def _active_rules() -> dict[str, list[Rule]]:
    memo = _definitions()
    if "rules" not in memo:
        rules: dict[str, list[Rule]] = {}
        for rule in Rule.objects.filter(active=True):
            rules.setdefault(rule.kind, []).append(rule)
        memo["rules"] = rules
    return memo["rules"]


def _badge_definitions() -> list[BadgeDefinition]:
    memo = _definitions()
    if "badges" not in memo:
        memo["badges"] = list(BadgeDefinition.objects.filter(active=True).exclude(criterion=Criterion.AWARDED)
                              .select_related("course").prefetch_related("courses"))
    return memo["badges"]


def _check_badges(user, *, kind: str) -> None:
    from games import selectors

    candidates = [d for d in _badge_definitions() if _may_change(d, kind)]
    if not candidates:
        return
    owned = set(BadgeAward.objects.filter(user=user, badge__in=candidates).values_list("badge_id", flat=True))
    for definition in candidates:
        if definition.pk in owned:
            continue
        current, target = selectors.badge_progress_for(user, definition)
        if target and current >= target:
            _give(user, definition, evidence="")


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
    award, made = _get_or_create(
        BadgeAward, user=user, badge=definition,
        defaults={"issued_at": timezone.now(), "salt": salt, "recipient_type": kind,
                  "recipient_hash": hash_identity(identity, salt), "evidence": evidence[:300],
                  "recipient_link": identity if kind == "url" else ""},
    )
    if made:
        _announce(award)
    return award


def _announce(award: BadgeAward) -> None:
    from django.urls import reverse
    from django.utils import translation

    from cms.services import notify

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


def validate_badge_criteria(definition: BadgeDefinition) -> None:
    """Reject criteria that cannot be met, with a message naming the field to fix."""
    c = definition.criterion
    if c == Criterion.EVENT_COUNT:
        errors = {}
        if not definition.event_kind:
            errors["event_kind"] = _("Choose which event counts.")
        if not definition.count:
            errors["count"] = _("Say how many events are needed.")
        if errors:
            raise ValidationError(errors)
    elif c == Criterion.POINTS and not definition.points:
        raise ValidationError({"points": _("Say how many points are needed.")})
    elif c == Criterion.COURSES:
        from courses.models import CoursePage

        chosen = [course.pk for course in definition.courses.all()]
        if not chosen:
            raise ValidationError({"courses": _("Choose at least one course.")})
        if CoursePage.objects.filter(pk__in=chosen, live=True).count() != len(set(chosen)):
            raise ValidationError({"courses": _("One of these courses is deleted or not published.")})
    elif c == Criterion.COURSE:
        if definition.course_id is None:
            raise ValidationError({"course": _("Choose the course.")})
        from courses.models import CoursePage

        if not CoursePage.objects.filter(pk=definition.course_id, live=True).exists():
            raise ValidationError({"course": _("This course is deleted or not published.")})


@transaction.atomic
def set_leaderboard_preference(*, user, choice: str) -> Preferences:
    prefs, _created = Preferences.objects.update_or_create(user=user, defaults={"leaderboard": choice})
    return prefs


@transaction.atomic
def reinstate_badge(*, award: BadgeAward) -> BadgeAward:
    BadgeAward.objects.filter(pk=award.pk).update(revoked_at=None, revocation_reason="")
    award.refresh_from_db()
    return award
