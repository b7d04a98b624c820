"""Supporting a proposal and taking the support back."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from labs.participation import signals
from labs.participation.models import PhaseKind, Proposal, Space, State, Support
from labs.participation.selectors import can_enter_women_space
from labs.participation.services.calls import phase_of
from labs.participation.services.checks import ParticipationError


def _support_open(proposal: Proposal) -> bool:
    if proposal.is_hidden or proposal.state in (State.REJECTED, State.IMPLEMENTED):
        return False
    if proposal.call_id is None:
        return True
    return phase_of(proposal.call) == PhaseKind.PRIORITISE


def support(*, user, proposal: Proposal) -> bool:
    """Support a proposal once. Returns True if a new support was recorded (False on a repeat)."""
    if not user.is_authenticated:
        raise ParticipationError(_("Log in to support proposals."))
    if proposal.space == Space.WOMEN and not can_enter_women_space(user):
        raise ParticipationError(_("Proposal not found."))
    if not _support_open(proposal):
        raise ParticipationError(_("Supporting is closed for this proposal."))
    with transaction.atomic():
        if proposal.call_id and proposal.call.support_limit:
            # Lock this person's row so two parallel supports cannot both pass the limit.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            used = Support.objects.filter(user=user, proposal__call_id=proposal.call_id).count()
            already = Support.objects.filter(user=user, proposal=proposal).exists()
            if not already and used >= proposal.call.support_limit:
                raise ParticipationError(
                    _("You have used all %(n)d supports in this call. Withdraw one to choose another.")
                    % {"n": proposal.call.support_limit})
        try:
            with transaction.atomic():
                Support.objects.create(user=user, proposal=proposal)
        except IntegrityError:
            return False
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
        signals.proposal_supported.send(sender=Proposal, user=user, proposal=proposal)
    return True


def withdraw_support(*, user, proposal: Proposal) -> bool:
    if not _support_open(proposal):
        raise ParticipationError(_("Supporting is closed for this proposal; supports can no longer change."))
    with transaction.atomic():
        deleted, _rows = Support.objects.filter(user=user, proposal=proposal).delete()
        if not deleted:
            return False
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
        signals.support_withdrawn.send(sender=Proposal, user=user, proposal=proposal)
    return True
