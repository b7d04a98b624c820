"""Checks every write shares: the error, the limits, blocked people, the rate limit, text screening, map points."""

import re

from django.utils.translation import gettext_lazy as _

from cms.coordinates import parse_coordinate
from cms.ratelimit import hit
from labs.participation.models import Block

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILES = 6
RATE_LIMITS = {"proposal": (5, 3600), "comment": (20, 600), "report": (20, 3600)}
ORIGINS = {"", "hercity", "blockbyblock", "livinglab"}
# A short screen for abuse in English and Khmer; moderators handle the rest through reports.
BLOCKED_WORDS = {"fuck", "shit", "bitch", "cunt", "whore", "ចោរម្សៀត", "ឆ្កួត"}
_URL = re.compile(r"https?://", re.I)


class ParticipationError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _check_not_blocked(user) -> None:
    if Block.objects.filter(user=user).exists():
        raise ParticipationError(_("Your account cannot post here at the moment. Ask a moderator."))


def check_rate(*, user, action: str) -> None:
    limit, window = RATE_LIMITS[action]
    if hit(f"participation.{action}", user.pk, window=window) > limit:
        raise ParticipationError(_("You are posting too fast. Please wait a little and try again."))


def screen_text(text: str) -> None:
    words = set(re.findall(r"\w+", text.lower()))
    if words & BLOCKED_WORDS:
        raise ParticipationError(_("Please remove offensive words before posting."))
    if len(_URL.findall(text)) > 3:
        raise ParticipationError(_("Too many links: this looks like spam."))
    if re.search(r"(.)\1{19,}", text):
        raise ParticipationError(_("This looks like spam (the same character repeated)."))


def _coordinate(value, bounds):
    try:
        return parse_coordinate(value, bounds)
    except ValueError:
        raise ParticipationError(_("The map point is not a valid location.")) from None
