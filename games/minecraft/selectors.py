"""Reads for Block by Block pages: who may see or run a session, its builds, the gallery."""

from __future__ import annotations

from django.core import signing
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role, is_city_staff
from labs.selectors import is_block_by_block

from .models import Capture, CoDesignSession, Site, Team, TeamBuild, TeamMember, Vote


def can_run_sessions(user) -> bool:
    return has_role(user, FACILITATOR, INNOVATION_UNIT)


def can_manage(user, session: CoDesignSession) -> bool:
    return user.is_authenticated and (is_city_staff(user) or session.facilitator_id == user.pk)


def is_member(user, session: CoDesignSession) -> bool:
    return user.is_authenticated and TeamMember.objects.filter(team__session=session, user=user).exists()


def sessions_for(user):
    """Sessions a person runs (city staff: all) or takes part in, newest first."""
    if not user.is_authenticated:
        return CoDesignSession.objects.none()
    qs = CoDesignSession.objects.select_related("site")
    if is_city_staff(user):
        return qs
    member = TeamMember.objects.filter(team__session=OuterRef("pk"), user=user)
    return qs.filter(Exists(member) | Q(facilitator=user))


def sessions_at(user, *, labs_session_id: int):
    """The Block by Block sessions held at one center session that this person runs or plays in."""
    return list(sessions_for(user).filter(labs_session_id=labs_session_id).order_by("created_at"))


def gallery_of_proposal(user, *, proposal_id: int) -> CoDesignSession | None:
    """The session whose team sent this proposal, if the person may see its gallery (runs it or plays)."""
    if not user.is_authenticated:
        return None
    return sessions_for(user).filter(teams__proposal_id=proposal_id).first()


def sites():
    return Site.objects.all()


def session_detail(session_id: int) -> CoDesignSession | None:
    return CoDesignSession.objects.select_related("site", "call").filter(pk=session_id).first()


def teams_with_members(session: CoDesignSession) -> list[Team]:
    return list(session.teams.prefetch_related(
        Prefetch("memberships", queryset=TeamMember.objects.order_by("nickname")), "pins").order_by("index"))


def captures(session: CoDesignSession, limit: int = 5) -> list[Capture]:
    return list(session.captures.order_by("-created_at")[:limit])


def latest_builds(session: CoDesignSession) -> dict[int, TeamBuild]:
    """The newest build of every team (from the newest capture that has one), by team id."""
    builds = {}
    for build in TeamBuild.objects.filter(team__session=session, capture__state="done").order_by("-created_at"):
        builds.setdefault(build.team_id, build)
    return builds


def build_of(session: CoDesignSession, build_id) -> TeamBuild | None:
    """A finished build of this session's teams; None for another session's or a forged id."""
    return TeamBuild.objects.filter(team__session=session, capture__state="done", pk=build_id).first()


def gallery(session: CoDesignSession, user) -> list[dict]:
    builds = latest_builds(session)
    teams = session.teams.annotate(vote_count=Count("votes")).prefetch_related(
        Prefetch("memberships", queryset=TeamMember.objects.order_by("nickname"))).order_by("index")
    mine = set(Vote.objects.filter(team__session=session, user=user).values_list("team_id", flat=True)) \
        if user.is_authenticated else set()
    my_teams = set(TeamMember.objects.filter(team__session=session, user=user).values_list("team_id", flat=True)) \
        if user.is_authenticated else set()
    return [{"team": t, "build": builds.get(t.pk), "votes": t.vote_count, "voted": t.pk in mine,
             "nicknames": [m.nickname for m in t.memberships.all()], "is_mine": t.pk in my_teams}
            for t in teams]


WORLD_LINK_DAYS = 14


def world_key(session_id: int) -> str:
    """A signed key in the world's download link, for center PCs that have no login."""
    return signing.dumps(session_id, salt="minecraft-world")


def world_key_valid(key: str, session_id: int) -> bool:
    try:
        return signing.loads(key, salt="minecraft-world", max_age=WORLD_LINK_DAYS * 86400) == session_id
    except signing.BadSignature:
        return False


def session_page_part(*, request, session, can_run: bool) -> dict:
    """A center session's page (labs.views.session_detail, through labs.hooks): its Block by Block
    sessions, only those the visitor runs or is on a team of, and whether she may set one up."""
    return {
        "codesign": sessions_at(request.user, labs_session_id=session.pk),
        "can_start_codesign": can_run and is_block_by_block(session)
        and can_run_sessions(request.user),
    }
