"""Personal data held by games.minecraft: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from cms.privacy import deleted_label, exclude, register_collector, register_eraser, rows
from games.minecraft.models import Pin, Team, TeamMember, Vote
from labs.participation.privacy import forget_team_nicknames

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "minecraft.Site.created_by": "co-design site prepared by staff",
    "minecraft.CoDesignSession.facilitator": "facilitator running a workshop (work record)",
    "minecraft.Capture.created_by": "facilitator importing builds (work record)",
    "minecraft.Team.members": "read through minecraft.TeamMember.user (team name only)",
})


@register_collector("minecraft", label=gettext_lazy("Minecraft co-design teams and votes"), covers=["minecraft.TeamMember.user", "minecraft.Vote.user", "minecraft.Pin.author"])
def collect_minecraft(user) -> dict:
    return {
        # The team's name only: never the other members.
        "teams": rows(TeamMember.objects.filter(user=user).order_by("pk"),
                       "team__name", "team__session__title", "nickname"),
        "votes": rows(Vote.objects.filter(user=user).order_by("created_at"),
                       "team__name", "team__session__title", "created_at"),
        "pins": rows(Pin.objects.filter(author=user).order_by("created_at"),
                      "team__name", "x", "y", "z", "text", "created_at"),
    }


@register_eraser("minecraft")
def erase_minecraft(user, *, on_commit) -> None:
    # Before the nicknames go: the proposals her teams sent name her by them.
    nicknames = set(TeamMember.objects.filter(user=user).values_list("nickname", flat=True))
    team_proposals = Team.objects.filter(memberships__user=user, proposal_id__isnull=False).values("proposal_id")
    forget_team_nicknames(user=user, names={user.nickname, *nicknames}, proposal_ids=team_proposals)
    TeamMember.objects.filter(user=user).update(nickname=deleted_label())
