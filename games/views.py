"""Thin views: the trophy page and the leaderboards."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import structure
from games import selectors, services
from games.forms import LeaderboardVisibilityForm
from labs import selectors as labs_selectors

SCOPES = ("overall", "center", "course")
PERIODS = ("week", "all")


@login_required
def trophies(request):
    context = {
        "trophies": selectors.trophies(user=request.user),
        "visibility_form": LeaderboardVisibilityForm(
            user=request.user, initial={"leaderboard": selectors.leaderboard_preference(user=request.user)}),
    }
    return render(request, "games/trophies.html", context)


@login_required
@require_POST
def leaderboard_visibility(request):
    form = LeaderboardVisibilityForm(request.POST, user=request.user)
    if form.is_valid():
        services.set_leaderboard_preference(user=request.user, choice=form.cleaned_data["leaderboard"])
        messages.success(request, _("Saved. Leaderboards show you as you chose."))
    else:
        messages.error(request, _("Choose one of the options."))
    return redirect("games:trophies")


def _course_key(raw: str):
    try:
        return UUID(raw)
    except (TypeError, ValueError):
        return None


def _rows_html(rows) -> str:
    """The board's rows as HTML: twenty rows through the template language cost more than the rest of
    the page's own work (issue 21); escaped as the template would."""
    return format_html_join("\n", '<tr{}><td>{}</td><td>{}</td><td>{}</td></tr>',
                            ((mark_safe(' class="me"') if row.is_me else "", row.rank, row.name, row.points)
                             for row in rows))


@login_required
def leaderboards(request):
    scope = request.GET.get("scope") if request.GET.get("scope") in SCOPES else "center"
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else "week"
    # Page structure (cms.structure): remembered per process until a page changes.
    courses = structure.remembered(request, "leaderboard_courses", get_language(), selectors.leaderboard_courses)
    course_key = _course_key(request.GET.get("course", ""))
    if scope == "course" and course_key not in {c.translation_key for c in courses}:
        course_key = courses[0].translation_key if courses else None
    center = labs_selectors.home_center(request, request.user.home_center_id)
    if scope == "center" and center is None:
        scope = "overall"
    board = selectors.leaderboard(viewer=request.user, scope=scope, period=period,
                                  center_id=center.pk if center else None, course_key=course_key)
    return render(request, "games/leaderboards.html", {
        "board": board, "rows_html": _rows_html(board.rows), "scope": scope, "period": period, "center": center, "courses": courses,
        "course_key": course_key, "scopes": SCOPES, "periods": PERIODS,
    })
