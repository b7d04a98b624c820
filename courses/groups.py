"""Groups of learners that a higher layer offers to courses' progress report, without courses importing it.

courses sits below labs: it may not import labs.classes. An app above registers a provider in its
AppConfig.ready(): `provider(viewer=, center=)` returns the groups this viewer may filter by at that
center (labs.classes: the center's classes). The report's `?group=<key>` picks one; a key no provider
gives this viewer (another center's class, a forged key) is a 404, never every learner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnerGroup:
    key: str            # in the URL: short, stable, e.g. "class-12"
    label: str          # shown in the filter (the class's name)
    learner_ids: Callable[[], list[int]]  # read only for the group chosen


_providers: list[Callable] = []


def register_learner_groups(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def learner_groups(*, viewer, center) -> list[LearnerGroup]:
    groups: list[LearnerGroup] = []
    for provider in _providers:
        groups.extend(provider(viewer=viewer, center=center))
    return groups


def learner_group(*, viewer, center, key: str) -> LearnerGroup | None:
    key = (key or "")[:40]
    return next((group for group in learner_groups(viewer=viewer, center=center) if group.key == key), None)
