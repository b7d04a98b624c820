"""The home page's registry: what each app adds to the home page (no models here, so cms.models,
whose HomePage asks it, imports it at the top; cms.selectors re-exports both names)."""

from collections.abc import Callable

# What the home page shows comes from the apps: each adds `fn(*, user, home) -> dict` in its
# AppConfig.ready() (courses: the course cards, courses.receivers), so the core imports none of them.
_HOME_PARTS: list[Callable[..., dict]] = []


def add_to_home(fn: Callable[..., dict]) -> Callable[..., dict]:
    if fn not in _HOME_PARTS:
        _HOME_PARTS.append(fn)
    return fn


def home_context(*, user, home) -> dict:
    context: dict = {}
    for part in _HOME_PARTS:
        context.update(part(user=user, home=home))
    return context
