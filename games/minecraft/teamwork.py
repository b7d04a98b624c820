"""What a Block by Block team does with its build: pins, votes, and the proposal it sends to the call
(re-exported by games.minecraft.services)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from games.models import EventKind
from games.services import record_events
from labs.participation.services import ParticipationError, submit_proposal

from . import capture as C
from .errors import CoDesignError
from .models import (
    CoDesignSession,
    Pin,
    Team,
    TeamMember,
    Vote,
)

# --- pins, votes, proposals -----------------------------------------------------------------

def add_pin(*, team: Team, x: int, y: int, z: int, text: str, author=None) -> Pin:
    text = (text or "").strip()
    if not text:
        raise CoDesignError(_("A pin needs a comment."))
    return Pin.objects.create(team=team, x=x, y=y, z=z, text=text[:200], author=author)


def can_take_part(*, user, session: CoDesignSession) -> bool:
    return user.is_authenticated and (
        has_role(user, FACILITATOR, INNOVATION_UNIT)
        or TeamMember.objects.filter(team__session=session, user=user).exists())


def vote(*, user, team: Team) -> bool:
    """One vote per person per team (database constraint); True if this call added it."""
    if not can_take_part(user=user, session=team.session):
        raise CoDesignError(_("Only the session's participants can vote."))
    try:
        with transaction.atomic():
            Vote.objects.create(team=team, user=user)
    except IntegrityError:
        return False
    return True


def withdraw_vote(*, user, team: Team) -> bool:
    return Vote.objects.filter(team=team, user=user).delete()[0] > 0


def submit_team_proposal(*, user, team: Team, title: str, description: str):
    """Carry the team's latest build to the session's call as a proposal, renders and metrics
    attached, and record the build for every member's points."""
    session = team.session
    if not (TeamMember.objects.filter(team=team, user=user).exists() or session.facilitator_id == user.pk):
        raise CoDesignError(_("Only the team's members or the facilitator can submit its build."))
    if team.proposal_id:
        raise CoDesignError(_("This team has already submitted its build."))
    build = team.builds.order_by("-created_at").first()
    if build is None:
        raise CoDesignError(_("Import the builds first: there is nothing to submit yet."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title or not description:
        raise CoDesignError(_("Write a title and a description for your build."))
    nicknames = list(team.memberships.order_by("nickname").values_list("nickname", flat=True))
    change = build.metrics.get("change", {})
    after = build.metrics.get("after", {})
    lines = [description, "", _("Built in Minecraft by team %(team)s (%(names)s) at “%(site)s”.") % {
        "team": team.name, "names": ", ".join(nicknames), "site": session.site.name}, "",
        _("What the build measures (change from today):")]
    labels = metric_labels()
    for key in C.METRIC_KEYS:
        lines.append(f"- {labels[key]}: {after.get(key, 0)} ({change.get(key, 0):+})")
    images = []
    for field_file in (build.before_after, build.plan, build.iso):
        with field_file.open("rb") as handle:
            images.append(ContentFile(handle.read(), name=field_file.name.rsplit("/", 1)[-1]))
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.proposal_id:
            raise CoDesignError(_("This team has already submitted its build."))
        try:
            proposal = submit_proposal(
                author=user, title=title[:150], body="\n".join(lines)[:5000], category="public_space",
                call=session.call, images=images, origin="blockbyblock", team_nicknames=nicknames)
        except ParticipationError as exc:
            raise CoDesignError(exc.message) from None
        Team.objects.filter(pk=team.pk).update(proposal_title=title[:150], proposal_description=description[:3000],
                                               proposal_id=proposal.pk, submitted_at=timezone.now())
        # One batch for the whole team: one pass, the leaderboard cache told once per member.
        record_events([(member.user, EventKind.MINECRAFT_BUILD_SUBMITTED, f"minecraft-team:{team.pk}", None)
                       for member in team.memberships.select_related("user")])
    team.refresh_from_db()
    return proposal


def metric_labels() -> dict[str, str]:
    return {"green_area_m2": _("green area (m²)"), "seats": _("seats"), "lights": _("lights"),
            "shaded_area_m2": _("shaded area (m²)"), "path_length_m": _("path length (m)"),
            "water_area_m2": _("water (m²)")}
