"""What happens in participation, announced for other apps (gamification connects receivers).

Sent inside the write's transaction, so the points event and the support (or proposal) commit
or roll back together: a crash between the two can no longer lose points or leave them behind."""

from django.dispatch import Signal

proposal_submitted = Signal()  # user, proposal
proposal_supported = Signal()  # user, proposal
support_withdrawn = Signal()  # user, proposal (so points can be reversed)
proposal_accepted = Signal()  # proposal
proposal_hidden = Signal()  # proposal (so points can be reversed)
hercity_step_contributed = Signal()  # user, workshop, step
