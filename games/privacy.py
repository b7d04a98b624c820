"""Personal data held by games: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from cms.privacy import register_collector, register_eraser, rows
from courses.selectors import with_course_titles
from games.models import Award, BadgeAward, CourseScore, Event, Preferences, Score, WeeklyScore


@register_collector("points_and_badges", label=gettext_lazy("points and badges"), covers=[
    "games.Event.user", "games.Award.user", "games.Score.user", "games.WeeklyScore.user",
    "games.CourseScore.user", "games.Preferences.user", "games.BadgeAward.user",
])
def collect_games(user) -> dict:
    score = Score.objects.filter(user=user).values(
        "points", "last_active_week", "streak_weeks", "best_streak_weeks").first()
    preferences = Preferences.objects.filter(user=user).values_list("leaderboard", flat=True).first()
    return {
        "total": score,
        "leaderboard_choice": preferences,
        "events": rows(Event.objects.filter(user=user).order_by("occurred_at"),
                        "kind", "source", "occurred_at", "revoked_at"),
        "points_ledger": rows(Award.objects.filter(user=user).order_by("created_at"),
                               "rule__kind", "points", "source", "week", "created_at", "revoked_at"),
        "weekly_points": rows(WeeklyScore.objects.filter(user=user).order_by("week"), "week", "points"),
        "course_points": with_course_titles(rows(
            CourseScore.objects.filter(user=user).order_by("pk"), "course_key", "points")),
        "badges": rows(BadgeAward.objects.filter(user=user).order_by("issued_at"),
                        "badge__name_en", "badge__name_km", "uid", "issued_at", "evidence", "expires_at",
                        "revoked_at", "revocation_reason"),
    }


@register_eraser("points_and_badges")
def erase_games(user, *, on_commit) -> None:
    BadgeAward.objects.filter(user=user).delete()  # public Open Badges assertions name their recipient
    Preferences.objects.filter(user=user).delete()
