"""What happens in participation, announced for other apps (gamification connects receivers)."""

from django.dispatch import Signal

proposal_submitted = Signal()  # user, proposal
proposal_supported = Signal()  # user, proposal
support_withdrawn = Signal()  # user, proposal (so points can be reversed)
proposal_accepted = Signal()  # proposal
proposal_hidden = Signal()  # proposal (so points can be reversed)
hercity_step_contributed = Signal()  # user, workshop, step
