"""Events labs announces (gamification listens).

Sent once per person and session, inside the transaction that records them.
"""

from django.dispatch import Signal

# kwargs: user, session — a person with an account was present at a session
session_attended = Signal()
# kwargs: user, session — a facilitator or ambassador ran a session (sent when its report is filed)
session_facilitated = Signal()
