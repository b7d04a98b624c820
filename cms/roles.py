"""The roles people hold in Sangkat, as Django groups, and the checks views use."""

from django.utils.translation import gettext_lazy as _

LEARNER = "learner"
AMBASSADOR = "ambassador"
FACILITATOR = "facilitator"
INNOVATION_UNIT = "innovation-unit"
MODERATOR = "moderator"
# A designation on top of `moderator`: only moderators who also hold it enter the women-and-girls
# space (and moderate it). Alone it gives nothing; take `moderator` away and the space goes with it.
WOMEN_SPACE_MODERATOR = "women-space-moderator"

ROLE_LABELS = {
    LEARNER: _("Learner"),
    AMBASSADOR: _("Digital City Ambassador"),
    FACILITATOR: _("Facilitator"),
    INNOVATION_UNIT: _("Innovation Unit staff"),
    MODERATOR: _("Moderator"),
    WOMEN_SPACE_MODERATOR: _("Women and girls space moderator"),
}
ALL_ROLES = tuple(ROLE_LABELS)
# Roles that give no right over other people or the site's content. Someone who holds only these
# (and is neither superuser nor is_staff, with no permission of their own) is a "plain learner":
# the only kind of account a facilitator or Innovation Unit staff may give a new password to or
# record a guardian's consent for. Every other group, Wagtail's own included, counts as staff.
PLAIN_ROLES = frozenset({LEARNER, AMBASSADOR})


def role_names(user) -> set[str]:
    """The role names a user holds: loaded with the user (cms.auth), else read once and cached."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_sangkat_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._sangkat_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(role_names(user) & set(roles))


def is_women_space_moderator(user) -> bool:
    """A moderator designated for the women-and-girls space: both groups held.

    The designation is read from the groups themselves, never from `is_superuser`: a superuser
    without it stays outside the space like everyone else.
    """
    if not user.is_authenticated:
        return False
    return WOMEN_SPACE_MODERATOR in role_names(user) and has_role(user, MODERATOR)


def is_city_staff(user) -> bool:
    """Innovation Unit staff (and superusers) see every center."""
    return has_role(user, INNOVATION_UNIT)
