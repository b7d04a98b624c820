"""Every read of participation content goes through here: the women space is enforced in the query."""

from django.db.models import Q, QuerySet

from cms.roles import INNOVATION_UNIT, MODERATOR, has_role

from .models import Call, Comment, Proposal, Space, WomenSpaceMembership


def is_moderator(user) -> bool:
    return has_role(user, MODERATOR)


def is_staff(user) -> bool:
    return has_role(user, INNOVATION_UNIT)


def can_enter_women_space(user) -> bool:
    """Confirmed members and designated moderators; nobody else (city staff included)."""
    if not user.is_authenticated:
        return False
    if has_role(user, MODERATOR):
        return True
    cached = getattr(user, "_women_space_member", None)
    if cached is None:
        cached = WomenSpaceMembership.objects.filter(user=user, confirmed_at__isnull=False).exists()
        user._women_space_member = cached
    return cached


def visible_spaces(user) -> list[str]:
    return [Space.PUBLIC, Space.WOMEN] if can_enter_women_space(user) else [Space.PUBLIC]


def proposals_for(user, *, space: str | None = None, include_hidden: bool = False) -> QuerySet:
    """Proposals this person may read. Hidden ones only for moderators (and only if asked)."""
    spaces = visible_spaces(user)
    if space is not None:
        spaces = [s for s in spaces if s == space]
    qs = Proposal.objects.filter(space__in=spaces).select_related("author", "call")
    if not (include_hidden and is_moderator(user)):
        qs = qs.filter(hidden_at__isnull=True)
    return qs


SORTS = {"new": ("-id",), "top": ("-support_count", "-id"), "discussed": ("-comment_count", "-id")}


def proposal_list(user, *, space: str = Space.PUBLIC, category: str = "", call_id=None, state: str = "",
                  q: str = "", sort: str = "new") -> QuerySet:
    qs = proposals_for(user, space=space)
    if category:
        qs = qs.filter(category=category)
    if call_id:
        qs = qs.filter(call_id=call_id)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs.order_by(*SORTS.get(sort, SORTS["new"]))


def proposal_detail(user, proposal_id) -> Proposal | None:
    """None when it does not exist OR the person may not see it (same answer: no leak)."""
    include_hidden = is_moderator(user)
    return proposals_for(user, include_hidden=include_hidden).filter(pk=proposal_id).first()


def comments_for(user, proposal: Proposal) -> list[Comment]:
    """Threaded comments (one level of nesting shown by parent); hidden ones only for moderators."""
    qs = Comment.objects.filter(proposal=proposal).select_related("author")
    if not is_moderator(user):
        qs = qs.filter(hidden_at__isnull=True)
    return list(qs)


def supported_ids(user, proposals) -> set[int]:
    if not user.is_authenticated:
        return set()
    ids = [p.pk for p in proposals]
    from .models import Support

    return set(Support.objects.filter(user=user, proposal_id__in=ids).values_list("proposal_id", flat=True))


def calls() -> QuerySet:
    return Call.objects.prefetch_related("phases")


def accountability(*, call_id=None) -> list[dict]:
    """Per call and category: how many proposed, accepted, in progress, implemented (public side only)."""
    from django.db.models import Count

    qs = Proposal.objects.filter(space=Space.PUBLIC, hidden_at__isnull=True)
    if call_id:
        qs = qs.filter(call_id=call_id)
    rows = (qs.values("call_id", "call__title", "category")
            .annotate(proposed=Count("id"),
                      accepted=Count("id", filter=Q(state__in=["accepted", "in_progress", "implemented"])),
                      rejected=Count("id", filter=Q(state="rejected")),
                      in_progress=Count("id", filter=Q(state="in_progress")),
                      implemented=Count("id", filter=Q(state="implemented")))
            .order_by("call__title", "category"))
    return list(rows)


def answered_proposals() -> QuerySet:
    return (Proposal.objects.filter(space=Space.PUBLIC, hidden_at__isnull=True, answered_at__isnull=False)
            .select_related("call").order_by("-answered_at"))
