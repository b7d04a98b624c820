"""Where the apps above labs plug into it, so that labs imports none of them (docs/architecture.md).

Each registers in its AppConfig.ready(): ambassadors answers who is a certified ambassador and who
may be put on a center's session; games.minecraft adds its Block by Block sessions to a session's
page. Until one registers (an app left out of INSTALLED_APPS), labs goes on without it.
"""

from collections.abc import Callable
from datetime import datetime

_ambassadors: dict[str, Callable] = {}
_session_page_parts: list[Callable[..., dict]] = []


def provide_ambassadors(*, is_certified: Callable, center_ambassadors: Callable) -> None:
    """ambassadors.apps: `is_certified(*, user, at=None) -> bool`, `center_ambassadors(*, center, at=None)`."""
    _ambassadors.update(is_certified=is_certified, center_ambassadors=center_ambassadors)


def is_certified_ambassador(*, user, at: datetime | None = None) -> bool:
    check = _ambassadors.get("is_certified")
    return bool(check and check(user=user, at=at))


def center_ambassadors(*, center, at: datetime | None = None) -> list:
    rows = _ambassadors.get("center_ambassadors")
    return rows(center=center, at=at) if rows else []


def add_to_session_page(fn: Callable[..., dict]) -> None:
    """`fn(*, request, session, can_run) -> dict`: more context for labs/session_detail.html."""
    if fn not in _session_page_parts:
        _session_page_parts.append(fn)


def session_page_context(*, request, session, can_run: bool) -> dict:
    context: dict = {}
    for part in _session_page_parts:
        context.update(part(request=request, session=session, can_run=can_run))
    return context
