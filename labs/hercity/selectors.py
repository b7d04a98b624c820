from django.db.models import Count, Q

from cms.roles import FACILITATOR, has_role, role_names
from labs.participation import selectors as participation_selectors
from labs.participation.selectors import can_enter_women_space
from labs.selectors import centers_for, recent_sessions_run_by

from .models import FACTORS, Dot, Idea, SafetyScore, Workshop


def workshop_for(user, workshop_id) -> Workshop | None:
    workshop = Workshop.objects.select_related("session", "proposal").filter(pk=workshop_id).first()
    if workshop is None or not can_take_part(user, workshop):
        return None
    return workshop


def factor_averages(workshop) -> list[tuple[str, str, float | None]]:
    rows = list(SafetyScore.objects.filter(workshop=workshop).values_list("scores", flat=True))
    out = []
    for key, label in FACTORS:
        values = [r[key] for r in rows if key in r]
        out.append((key, str(label), sum(values) / len(values) if values else None))
    return out


def top_ideas(workshop, limit=10) -> list[Idea]:
    return list(Idea.objects.filter(workshop=workshop).annotate(dot_count=Count("dots"))
                .order_by("-dot_count", "id")[:limit])


def dots_left(user, workshop) -> int:
    """How many dots this person may still place in the workshop (never below zero)."""
    used = Dot.objects.filter(user=user, idea__workshop=workshop).count()
    return max(workshop.dots_per_person - used, 0)


def my_dotted_idea_ids(user, workshop) -> set[int]:
    return set(Dot.objects.filter(user=user, idea__workshop=workshop).values_list("idea_id", flat=True))


def chart_svg(workshop) -> str:
    """Server-rendered bar chart of the factor averages (no JS)."""
    from django.utils.html import escape

    averages = factor_averages(workshop)
    row, width = 28, 360
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row * len(averages) + 8}" '
             f'role="img" class="hercity-chart">']
    for i, (_key, label, avg) in enumerate(averages):
        y = 4 + i * row
        length = (avg or 0) / 5 * 180
        color = "#c83c3c" if avg and avg < 2.5 else "#e6a028" if avg and avg < 3.5 else "#3c9650"
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="140" y="{y + 4}" width="{length:.1f}" height="16" fill="{color}"/>')
        parts.append(f'<text x="{146 + length:.1f}" y="{y + 16}" font-size="12">{f"{avg:.1f}" if avg else "–"}</text>')
    parts.append("</svg>")
    return "".join(parts)


def unsafe_places(user, *, below: float = 2.5, limit: int = 500) -> list[dict]:
    """Map layer: walk points that feel unsafe (average below the threshold), public workshops only
    unless the person may enter the women space."""
    qs = SafetyScore.objects.filter(latitude__isnull=False).select_related("workshop")
    if not can_enter_women_space(user):
        qs = qs.filter(workshop__space="public").exclude(workshop__session__audience="women")
    out = []
    for s in qs.order_by("-id")[:limit]:
        if s.average < below:
            out.append({"lat": float(s.latitude), "lon": float(s.longitude), "place": s.place,
                        "score": round(s.average, 1)})
    return out


def can_start_workshops(user) -> bool:
    """Who starts Her City workshops (the workshops page, and links to it): facilitators, and
    people named as a session's facilitators."""
    return user.is_authenticated and (has_role(user, FACILITATOR) or user.facilitated_sessions.exists())


def hercity_sessions_for(user):
    """Her City sessions a facilitator may start a workshop in: their centers' or their own, not cancelled."""
    return recent_sessions_run_by(user, kind="hercity")


def workshops_run_by(user) -> list[Workshop]:
    """Workshops at this person's centers and sessions (or started by them), newest first."""
    if not user.is_authenticated:
        return []
    mine = Q(session__facilitators=user) | Q(created_by=user)
    if has_role(user, FACILITATOR):
        mine |= Q(session__center__in=centers_for(user))
    return list(Workshop.objects.filter(mine).select_related("session__center", "proposal").distinct()
                .order_by("-created_at")[:100])


def can_start_workshop(user, session) -> bool:
    """A facilitator of the session's center, or one named on the session; nobody from elsewhere."""
    if not user.is_authenticated:
        return False
    if session.facilitators.filter(pk=user.pk).exists():
        return True
    return has_role(user, FACILITATOR) and centers_for(user).filter(pk=session.center_id).exists()


def runs_workshop(user, workshop) -> bool:
    """Named on the session, or a facilitator (the group itself: a superuser is not one) of its center.

    Only these people advance or finish a workshop: a facilitator of another center, city staff and
    superusers do not (they are not there).
    """
    if not user.is_authenticated:
        return False
    session = workshop.session
    if session.facilitators.filter(pk=user.pk).exists():
        return True
    return FACILITATOR in role_names(user) and session.center.facilitators.filter(pk=user.pk).exists()


def can_take_part(user, workshop) -> bool:
    if not user.is_authenticated:
        return False
    if workshop.session.audience == "women" or workshop.space == "women":
        # Members and designated moderators (not plain moderators), and the people running it.
        return participation_selectors.can_enter_women_space(user) or runs_workshop(user, workshop)
    return True


def can_send_to_women_space(user) -> bool:
    """The women-and-girls space is offered as a workshop's destination only to a starter who may post
    there herself (a confirmed member or designated moderator): decided at the start, never at the end."""
    return participation_selectors.can_enter_women_space(user)
