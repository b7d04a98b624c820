"""Personal data held by classes: the learner's classes (with her guardian's phone and picture hint)
and her login cards (dates only: the codes are never kept); the classes a facilitator set up."""

from cms.privacy import register_collector, register_eraser
from labs.classes.models import Class, LoginCard, Membership


@register_collector("classes", covers=[
    "classes.Membership.learner", "classes.LoginCard.learner", "classes.LoginCard.issued_by",
    "classes.Class.created_by",
])
def collect_classes(user) -> dict:
    return {
        "classes": [
            {"class": m.klass.name, "center": m.klass.center.name, "joined": m.added_at,
             "guardian_phone": m.guardian_phone, "picture_hint": m.picture_hint}
            for m in Membership.objects.filter(learner=user).select_related("klass__center")
        ],
        "login_cards": list(LoginCard.objects.filter(learner=user).values(
            "issued_at", "expires_at", "used_at", "revoked_at")),
        # Work records: how many cards this person printed for others (never whose).
        "login_cards_printed_for_others": LoginCard.objects.filter(issued_by=user).exclude(learner=user).count(),
        "classes_set_up": list(Class.objects.filter(created_by=user).values_list("name", flat=True)),
    }


@register_eraser("classes")
def erase_classes(user, *, on_commit) -> None:
    """The learner leaves every class; her cards (and their dates) go. Classes she set up stay, unsigned."""
    Membership.objects.filter(learner=user).delete()
    LoginCard.objects.filter(learner=user).delete()
    LoginCard.objects.filter(issued_by=user).update(issued_by=None)
    Class.objects.filter(created_by=user).update(created_by=None)
