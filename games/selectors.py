"""Reads of the gamification engine: progress towards badges, levels, the trophy page, leaderboards."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Func, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import MINOR_AGE_BANDS
from courses.selectors import live_courses
from games import leaderboards
from games.models import (
    BadgeAward,
    BadgeDefinition,
    CourseScore,
    Criterion,
    Event,
    EventKind,
    GameLevel,
    LeaderboardChoice,
    Preferences,
    Score,
    WeeklyScore,
)

LEADERBOARD_SIZE = 20


def course_source(course) -> str:
    return f"courses.course:{course.translation_key}"


def badge_progress_for(user, definition: BadgeDefinition) -> tuple[int, int]:
    """(done, needed) towards a badge for one person."""
    c = definition.criterion
    if c == Criterion.EVENT_COUNT:
        done = Event.objects.filter(user=user, kind=definition.event_kind, revoked_at__isnull=True).count()
        return min(done, definition.count or 0), definition.count or 0
    if c == Criterion.POINTS:
        points = Score.objects.filter(user=user).values_list("points", flat=True).first() or 0
        return min(points, definition.points or 0), definition.points or 0
    if c in (Criterion.COURSE, Criterion.COURSES):
        courses = [definition.course] if c == Criterion.COURSE else list(definition.courses.all())
        sources = [course_source(course) for course in courses if course is not None]
        done = Event.objects.filter(user=user, kind=EventKind.COURSE_COMPLETED, source__in=sources,
                                    revoked_at__isnull=True).count()
        return done, len(sources)
    return 0, 1


def progress_label(definition: BadgeDefinition, done: int, needed: int) -> str:
    c = definition.criterion
    if c == Criterion.EVENT_COUNT:
        return _("%(done)s of %(needed)s: %(what)s") % {
            "done": done, "needed": needed, "what": EventKind(definition.event_kind).label}
    if c == Criterion.POINTS:
        return _("%(done)s of %(needed)s points") % {"done": done, "needed": needed}
    if c in (Criterion.COURSE, Criterion.COURSES):
        return _("%(done)s of %(needed)s courses completed") % {"done": done, "needed": needed}
    return _("Given by the programme")


@dataclass
class LevelView:
    name: str
    min_points: int
    next_name: str | None
    next_points: int | None
    percent: int


def level_for(points: int) -> LevelView | None:
    levels = list(GameLevel.objects.all())
    current = None
    following = None
    for level in levels:
        if level.min_points <= points:
            current = level
        elif following is None:
            following = level
    if current is None and following is None:
        return None
    start = current.min_points if current else 0
    if following:
        span = max(following.min_points - start, 1)
        percent = int(100 * (points - start) / span)
    else:
        percent = 100
    return LevelView(
        name=current.name if current else _("Newcomer"), min_points=start,
        next_name=following.name if following else None,
        next_points=following.min_points if following else None, percent=max(0, min(percent, 100)),
    )


@dataclass
class BadgeCard:
    definition: BadgeDefinition
    done: int
    needed: int
    label: str
    award: BadgeAward | None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.needed) if self.needed else 0


@dataclass
class Trophies:
    points: int
    level: LevelView | None
    streak_weeks: int
    best_streak_weeks: int
    streak_alive: bool
    earned: list[BadgeCard]
    in_progress: list[BadgeCard]


def trophies(*, user) -> Trophies:
    score = Score.objects.filter(user=user).first()
    points = score.points if score else 0
    this_week = _this_week()
    alive = bool(score and score.last_active_week and (this_week - score.last_active_week).days <= 14)
    awards = {a.badge_id: a for a in BadgeAward.objects.filter(user=user).select_related("badge")}
    earned, in_progress = [], []
    for award in sorted(awards.values(), key=lambda a: a.issued_at, reverse=True):
        earned.append(BadgeCard(award.badge, 1, 1, "", award))
    definitions = (BadgeDefinition.objects.filter(active=True).exclude(criterion=Criterion.AWARDED)
                   .exclude(pk__in=list(awards)).select_related("course").prefetch_related("courses"))
    for definition in definitions:
        done, needed = badge_progress_for(user, definition)
        in_progress.append(BadgeCard(definition, done, needed, progress_label(definition, done, needed), None))
    in_progress.sort(key=lambda card: -card.percent)
    return Trophies(points=points, level=level_for(points),
                    streak_weeks=score.streak_weeks if (score and alive) else 0,
                    best_streak_weeks=score.best_streak_weeks if score else 0, streak_alive=alive,
                    earned=earned, in_progress=in_progress)


# --- leaderboards ---------------------------------------------------------------------------------


def _this_week() -> date:
    today = timezone.localdate()
    return today - timezone.timedelta(days=today.weekday())


def _visible(prefix: str = "user__") -> Q:
    """Who may be listed: not opted out, and minors only with a guardian's consent."""
    hidden = Q(**{f"{prefix}game_preferences__leaderboard": LeaderboardChoice.HIDDEN})
    minor_without_consent = Q(**{f"{prefix}age_band__in": [band.value for band in MINOR_AGE_BANDS],
                                  f"{prefix}guardian_consent": False})
    return ~hidden & ~minor_without_consent & Q(**{f"{prefix}is_active": True})


@dataclass
class Row:
    rank: int
    name: str
    points: int
    is_me: bool


@dataclass
class Board:
    rows: list[Row]
    me: Row | None
    me_listed: bool


def _chosen_name(user, choice: str | None) -> str:
    """Nickname by default; a full name only when an adult chose it. Minors: nickname only."""
    if choice == LeaderboardChoice.NAME and not user.is_minor and user.display_name:
        return user.display_name
    return user.nickname


def public_label(user, choice: str | None) -> str:
    return _chosen_name(user, choice) or _("Learner")


def leaderboard(*, viewer, scope: str = "overall", period: str = "all", center_id: int | None = None,
                course_key=None, size: int = LEADERBOARD_SIZE) -> Board:
    """Top people for a scope (overall, center, course) and period (week, all). The viewer always
    learns their own rank, even when they are hidden from others or outside the top."""
    week = _this_week()
    field = "week_points" if scope == "course" and period == "week" else "points"

    def board_rows():
        """The board's rows with points (built only when the cache cannot answer)."""
        if scope == "course":
            rows = CourseScore.objects.filter(course_key=course_key)
            if period == "week":
                rows = rows.filter(week=week)
        elif period == "week":
            rows = WeeklyScore.objects.filter(week=week)
        else:
            rows = Score.objects.all()
        if scope == "center":
            rows = rows.filter(center_id=center_id)
        return rows.filter(**{f"{field}__gt": 0})

    def read_top() -> list[leaderboards.Entry]:
        listed = (board_rows().filter(_visible()).select_related("user", "user__game_preferences")
                  .order_by(f"-{field}", "user_id")[:size])
        entries = []
        for entry in listed:
            prefs = getattr(entry.user, "game_preferences", None)
            label = _chosen_name(entry.user, prefs.leaderboard if prefs else None) or None
            entries.append(leaderboards.Entry(entry.user_id, getattr(entry, field), label))
        return entries

    def read_mine() -> leaderboards.Mine | None:
        # Her points, how many are ahead of her and the name she chose, in one query. Rank among
        # everyone (hidden people count too, so ranks do not jump when someone hides).
        base = board_rows()
        ahead = base.filter(**{f"{field}__gt": OuterRef(field)}).order_by().values_list(
            Func(Value(1), function="COUNT"))
        choice = Preferences.objects.filter(user=viewer).values_list("leaderboard")[:1]
        mine = (base.filter(user_id=viewer.pk).order_by()
                .values_list(field, Subquery(ahead), Subquery(choice))[:1])
        found = next(iter(mine), None)
        return leaderboards.Mine(*found) if found and found[0] else None

    ident = center_id if scope == "center" else course_key if scope == "course" else None
    signed_in = viewer is not None and viewer.is_authenticated
    entries, mine = leaderboards.read(leaderboards.board_id(scope, period, ident, week), size, read_top,
                                      viewer.pk if signed_in else None, read_mine)
    rows = []
    me_listed = False
    previous_points, rank = None, 0
    for position, entry in enumerate(entries, start=1):
        if entry.points != previous_points:
            rank, previous_points = position, entry.points
        is_me = viewer is not None and entry.user_id == viewer.pk
        me_listed = me_listed or is_me
        rows.append(Row(rank, entry.label or _("Learner"), entry.points, is_me))

    me = None
    if mine is not None:
        me = Row(mine.ahead + 1, public_label(viewer, mine.choice or LeaderboardChoice.NICKNAME), mine.points, True)
    return Board(rows=rows, me=me, me_listed=me_listed)


def leaderboard_preference(*, user) -> str:
    return Preferences.objects.filter(user=user).values_list("leaderboard", flat=True).first() \
        or LeaderboardChoice.NICKNAME


def leaderboard_courses() -> list:
    """Published courses, in the visitor's language, for the course leaderboards."""
    return live_courses(limit=500)


def current_award(*, user, slug: str):
    """Her badge of this kind, if it is not revoked: what a printed certificate's QR code verifies."""
    return BadgeAward.objects.filter(user=user, badge__slug=slug, revoked_at__isnull=True).first()
