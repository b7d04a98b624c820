"""The nine pictures of a picture password: simple, culturally neutral drawings with names for screen readers."""

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

# Order is the grid's order (3 × 3). The key is what is hashed; the name is read aloud.
PICTURES = {
    "mango": _("mango"),
    "fish": _("fish"),
    "cat": _("cat"),
    "tree": _("tree"),
    "sun": _("sun"),
    "boat": _("boat"),
    "house": _("house"),
    "flower": _("flower"),
    "star": _("star"),
}
SEQUENCE_LENGTH = 3


def grid() -> list[dict]:
    return [{"key": key, "name": name, "src": static(f"devices/pictures/{key}.svg")} for key, name in PICTURES.items()]
