"""Who calls the statement store (Requester) and the refusal it may get (NotAllowed).

Below services.py, documents.py and selectors.py, which all use them (services re-exports both).
"""

from dataclasses import dataclass

from courses.xapi.models import LRSClient


class NotAllowed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Requester:
    """Who is calling the statement store: a logged-in learner, or an outside client."""

    user: object | None = None
    client: LRSClient | None = None
    # A launched content session (cmi5 AU) acting for `user` with a narrow credential: it checks
    # every statement and document before the store takes it (see courses.xapi.auth.register_scheme).
    launch: object | None = None

    @property
    def rate_key(self) -> str:
        return f"client:{self.client.pk}" if self.client else f"user:{self.user.pk}"
