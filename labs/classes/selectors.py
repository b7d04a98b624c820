"""Reads for classes: the classes a facilitator may see, one class with its learners, cards and courses."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q
from django.utils import timezone

from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from courses.groups import LearnerGroup
from courses.selectors import course_cards
from labs.classes.models import Class, LoginCard, Membership
from labs.selectors import centers_for, upcoming_sessions
from labs.services import can_run_session


def classes_for(viewer):
    """Classes of the centers where this person works (every center for Innovation Unit staff)."""

    if not has_role(viewer, FACILITATOR, INNOVATION_UNIT):
        return Class.objects.none()
    return (Class.objects.filter(center__in=centers_for(viewer)).select_related("center")
            .annotate(learner_count=Count("memberships")))


def class_for(*, viewer, class_id) -> Class | None:
    """One class, only if the viewer works at its center: a forged id is None (a 404)."""
    try:
        class_id = int(class_id)
    except (TypeError, ValueError):
        return None
    if not 0 < class_id < 2**63:
        return None
    return classes_for(viewer).filter(pk=class_id).first()


@dataclass
class MemberRow:
    membership: Membership
    card_state: str  # "none", "open", "used", "expired"


def members(*, klass: Class) -> list[MemberRow]:
    """The class's learners with the state of their latest card: two queries."""
    now = timezone.now()
    memberships = list(klass.memberships.select_related("learner").order_by("learner__nickname", "pk"))
    latest: dict[int, LoginCard] = {}
    for card in LoginCard.objects.filter(learner_id__in=[m.learner_id for m in memberships]).order_by("issued_at", "pk"):
        latest[card.learner_id] = card
    rows = []
    for membership in memberships:
        card = latest.get(membership.learner_id)
        if card is None or card.revoked_at is not None:
            state = "none"
        elif card.used_at is not None:
            state = "used"
        elif card.expires_at <= now:
            state = "expired"
        else:
            state = "open"
        rows.append(MemberRow(membership=membership, card_state=state))
    return rows


def course_choices() -> list:
    """Every live course in the active language (a page per course), for giving one to a class."""

    return [card.page for card in course_cards(user=AnonymousUser())]


def class_courses(*, klass: Class) -> list:
    keys = set(klass.courses.values_list("course_key", flat=True))
    return [page for page in course_choices() if page.translation_key in keys]


def course_for_class(*, klass: Class, course_id) -> object | None:
    try:
        course_id = int(course_id)
    except (TypeError, ValueError):
        return None
    return next((page for page in class_courses(klass=klass) if page.pk == course_id), None)


def upcoming_sessions_for(*, viewer, klass: Class):
    """Sessions of the class's center that have not ended and that this person may run."""

    return [s for s in upcoming_sessions(user=viewer, center_id=klass.center_id, limit=30)
            if can_run_session(user=viewer, session=s)]


def learner_ids(*, klass: Class) -> list[int]:
    return list(klass.memberships.values_list("learner_id", flat=True))


def open_cards_count(*, klass: Class) -> int:
    return LoginCard.objects.filter(Q(klass=klass), used_at__isnull=True, revoked_at__isnull=True,
                                    expires_at__gt=timezone.now()).count()


def sign_in_kind_for(*, learner, center) -> str | None:
    """The sign-in kind of the class this learner joined last at `center`, or None when she is in no class
    there (labs.devices starts its picture-password form on this kind)."""
    membership = (Membership.objects.filter(learner=learner, klass__center=center)
                  .select_related("klass").order_by("-added_at", "-pk").first())
    return membership.klass.sign_in_kind if membership else None


def learner_ids_of_classes_at(*, session_ids) -> set[int]:
    """Every current member of the classes whose roster was given to one of these sessions."""
    return set(Membership.objects.filter(klass__sessions__session_id__in=list(session_ids))
               .values_list("learner_id", flat=True))


def classes_of_sessions(*, session_ids) -> list[Class]:
    return list(Class.objects.filter(sessions__session_id__in=list(session_ids)).distinct().order_by("name", "pk"))


def learner_groups(*, viewer, center) -> list:
    """The classes of a center as groups for courses' progress report (registered in apps.py)."""

    groups = []
    for klass in classes_for(viewer).filter(center=center).order_by("name", "pk"):
        groups.append(LearnerGroup(key=f"class-{klass.pk}", label=klass.name,
                                   learner_ids=lambda klass=klass: learner_ids(klass=klass)))
    return groups
