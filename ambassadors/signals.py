"""Events of the ambassador track (gamification listens; the Open Badge is issued from there).

Sent inside the transaction that records them.
"""

from django.dispatch import Signal

# kwargs: user, certification (Certification)
ambassador_certified = Signal()
# kwargs: user, certification
certification_renewed = Signal()
# kwargs: user, certification
certification_revoked = Signal()
