"""The women-and-girls space: asking to join, confirming and declining members."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import AuditAction
from cms.roles import FACILITATOR, has_role
from cms.services import audit, withdraw_notifications
from labs.participation.models import Proposal, Space, WomenSpaceMembership
from labs.participation.services.checks import ParticipationError
from labs.selectors import centers_for


@transaction.atomic
def request_women_space(*, user) -> WomenSpaceMembership:
    membership, _created = WomenSpaceMembership.objects.get_or_create(user=user)
    return membership


@transaction.atomic
def _mark_confirmed(*, facilitator, user) -> WomenSpaceMembership:
    """Confirm a pending request; callers check first that `facilitator` may decide (confirm_member)."""
    membership = WomenSpaceMembership.objects.select_for_update().filter(user=user).first()
    if membership is None:
        raise ParticipationError(_("This person has not asked to join."))
    if membership.confirmed_at is None:
        membership.confirmed_at, membership.confirmed_by = timezone.now(), facilitator
        membership.save(update_fields=["confirmed_at", "confirmed_by"])
    return membership


def _require_member_facilitator(facilitator, user) -> None:
    """Only a facilitator of the person's home center decides on her membership."""
    if not has_role(facilitator, FACILITATOR) or user.home_center_id is None or \
            not centers_for(facilitator).filter(pk=user.home_center_id).exists():
        raise ParticipationError(_("Only a facilitator of this person's center can decide on her membership."))


def _audit_membership(actor, action: str, user) -> None:
    """Audit a membership decision without naming her: who belongs to the space is itself private
    (the entry's details are shown only to designated women-space moderators, cms.wagtail_hooks)."""
    audit(actor=actor, action=action, target=user,
          label=str(_("Member %(id)s of the women and girls space") % {"id": user.pk}),
          space=Space.WOMEN, superuser=bool(actor.is_superuser))


@transaction.atomic
def confirm_member(*, facilitator, user) -> WomenSpaceMembership:
    """Confirm a request. Nobody confirms her own (a facilitator, a superuser); every decision is audited."""
    _require_member_facilitator(facilitator, user)
    if facilitator.pk == user.pk:
        raise ParticipationError(_("You cannot confirm your own membership: "
                                   "another facilitator of your center decides."))
    # Locked, so that two confirmations at once write one audit entry.
    membership = WomenSpaceMembership.objects.select_for_update().filter(user=user).first()
    already = membership is not None and membership.confirmed_at is not None
    membership = _mark_confirmed(facilitator=facilitator, user=user)
    if not already:
        _audit_membership(facilitator, AuditAction.WOMEN_SPACE_CONFIRM, user)
    return membership


@transaction.atomic
def decline_member(*, facilitator, user) -> None:
    """Decline a pending request or revoke a confirmed membership: the person leaves the space."""
    _require_member_facilitator(facilitator, user)
    deleted, _rows = WomenSpaceMembership.objects.filter(user=user).delete()
    if not deleted:
        raise ParticipationError(_("This person has not asked to join."))
    user._women_space_member = False
    # The city's answers to other members' proposals she supported named their titles: gone with her.
    for proposal_id in (Proposal.objects.filter(space=Space.WOMEN, supports__user=user).exclude(author=user)
                        .values_list("pk", flat=True)):
        withdraw_notifications(user=user, url=lambda pk=proposal_id: reverse("participation:proposal", args=[pk]))
    _audit_membership(facilitator, AuditAction.WOMEN_SPACE_DECLINE, user)
