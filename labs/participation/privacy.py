"""Personal data held by labs.participation: its collector and eraser (registry: cms.privacy)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from cms.privacy import deleted_label, exclude, register_collector, register_eraser, rows
from labs.participation.models import (
    Block,
    Comment,
    ModerationLog,
    Proposal,
    Report,
    Space,
    Support,
    WomenSpaceMembership,
)
from labs.participation.selectors import can_enter_women_space

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "participation.Call.created_by": "call for proposals published by the city",
    "participation.Proposal.answered_by": "the city's answer, given by staff on its behalf",
    "participation.ModerationLog.moderator": "moderator's action on someone else's content",
    "participation.WomenSpaceMembership.confirmed_by": "facilitator confirming someone else's membership",
})


@register_collector("participation", label=gettext_lazy("proposals, comments, supports, reports and the women-and-girls space"), covers=[
    "participation.Proposal.author", "participation.Support.user", "participation.Comment.author",
    "participation.Report.reporter", "participation.ModerationLog.target_user", "participation.Block.user",
    "participation.WomenSpaceMembership.user",
])
def collect_participation(user) -> dict:
    proposals = []
    # team_nicknames is left out on purpose: it names other people.
    for proposal in Proposal.objects.filter(author=user).prefetch_related("files").order_by("created_at"):
        proposals.append({
            "id": proposal.pk, "space": proposal.space, "title": proposal.title, "body": proposal.body,
            "category": proposal.category, "latitude": proposal.latitude, "longitude": proposal.longitude,
            "anonymous": proposal.anonymous, "state": proposal.state, "city_answer": proposal.answer,
            "hidden_at": proposal.hidden_at, "hidden_reason": proposal.hidden_reason,
            "created_at": proposal.created_at, "files": [f.name for f in proposal.files.all()],
        })
    membership = WomenSpaceMembership.objects.filter(user=user).values("requested_at", "confirmed_at").first()
    comments = rows(Comment.objects.filter(author=user).order_by("created_at"), "proposal_id", "proposal__space",
                     "proposal__title", "body", "hidden_at", "hidden_reason", "created_at")
    supports = rows(Support.objects.filter(user=user).order_by("created_at"),
                     "proposal_id", "proposal__space", "proposal__title", "created_at")
    if not can_enter_women_space(user):
        # Someone who left the space (or was removed) takes none of its proposals' titles with her:
        # her own words (her proposals, her comments) stay hers, other members' titles do not.
        for row in comments + supports:
            if row["proposal__space"] == Space.WOMEN:
                row["proposal__title"] = ""
    for row in comments + supports:
        del row["proposal__space"]
    return {
        "proposals": proposals,
        # Only your own comments: replies by others on the same proposal are theirs.
        "comments": comments,
        "supports": supports,
        "reports_filed": rows(Report.objects.filter(reporter=user).order_by("created_at"),
                               "proposal_id", "comment_id", "reason", "resolved_at", "created_at"),
        "moderation_about_you": rows(ModerationLog.objects.filter(target_user=user).order_by("created_at"),
                                      "action", "reason", "created_at"),
        "blocked": Block.objects.filter(user=user).values("reason", "created_at").first(),
        "women_space_membership": membership,
    }


@register_eraser("participation")
def erase_participation(user, *, on_commit) -> None:
    WomenSpaceMembership.objects.filter(user=user).delete()
    Block.objects.filter(user=user).delete()
    # Her nickname on her own proposals' teams; games.minecraft's eraser does her team nicknames.
    forget_team_nicknames(user=user, names={user.nickname})


def forget_team_nicknames(*, user, names: set[str], proposal_ids=()) -> None:
    """Put "Deleted user" for `names` in the team of `user`'s proposals and of `proposal_ids`."""
    names = {name for name in names if name}
    if not names:
        return
    label = deleted_label()
    for proposal in Proposal.objects.filter(Q(author=user) | Q(pk__in=proposal_ids)):
        relabelled = [label if name in names else name for name in proposal.team_nicknames]
        if relabelled != proposal.team_nicknames:
            proposal.team_nicknames = relabelled
            proposal.save(update_fields=["team_nicknames"])
