"""What devices gives labs.classes through labs/classes/hooks.py (connected by DevicesConfig.ready()):
classes never imports devices."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cms.middleware import allow_during_password_change
from labs.classes import hooks

from .models import PictureKind
from .selectors import AFTER_CARD


def url_after_card(*, request, learner, klass) -> str | None:
    """A learner of a picture or PIN class, just signed in by her card, chooses them (not a password)."""
    if klass.sign_in_kind not in PictureKind.values or learner.home_center_id is None:
        return None
    request.session[AFTER_CARD] = learner.pk
    return reverse("devices:choose_own")


def class_links(*, klass) -> list[tuple[str, str]]:
    return [(_("Picture passwords of this class"), reverse("devices:class_pictures", args=[klass.pk]))]


def connect() -> None:
    # devices depends on classes, never the other way: classes asks these hooks (labs/classes/hooks.py).
    hooks.register(after_card=url_after_card, class_links=class_links)
    # After a card, a learner of a picture or PIN class chooses them instead of a password.
    allow_during_password_change("devices:choose_own")
