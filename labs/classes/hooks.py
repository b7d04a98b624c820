"""What an app above classes may add to it without classes importing that app (the arrow stays one way).

labs.devices depends on labs.classes (it reads a class's sign-in kind and the classes of the sessions
happening now, and writes the card's picture hint through services.set_picture_hint). Classes needs
two things back from it, given here by registration in devices' AppConfig.ready():

- after_card(request, learner, klass) -> url | None: where a learner goes right after her login card signed her
  in (a picture or PIN class: where she chooses her pictures or PIN). None: choose a password.
- class_links(klass) -> [(label, url)]: extra links on the class page (its picture passwords).
"""

from __future__ import annotations

from collections.abc import Callable

_after_card: list[Callable] = []
_class_links: list[Callable] = []


def register(*, after_card: Callable | None = None, class_links: Callable | None = None) -> None:
    if after_card is not None and after_card not in _after_card:
        _after_card.append(after_card)
    if class_links is not None and class_links not in _class_links:
        _class_links.append(class_links)


def url_after_card(*, request, learner, klass) -> str | None:
    for hook in _after_card:
        url = hook(request=request, learner=learner, klass=klass)
        if url:
            return url
    return None


def links_for_class(klass) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for hook in _class_links:
        links.extend(hook(klass=klass))
    return links
