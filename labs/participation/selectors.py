"""Every read of participation content goes through here: the women space is enforced in the query."""

from django.core.cache import cache
from django.db.models import Q, QuerySet

from cms.pagecache import digest
from cms.requestids import parse_id
from cms.roles import FACILITATOR, INNOVATION_UNIT, MODERATOR, has_role, is_women_space_moderator
from labs.participation.models import Block, ModerationLog, ProposalFile, Report, Support
from labs.selectors import centers_for

from .models import Call, Category, Comment, Proposal, Space, WomenSpaceMembership


def is_moderator(user) -> bool:
    return has_role(user, MODERATOR)


def is_staff(user) -> bool:
    return has_role(user, INNOVATION_UNIT)


def can_confirm_members(user) -> bool:
    """Who decides women-space membership requests (the requests page, and links to it)."""
    return has_role(user, FACILITATOR)


def can_enter_women_space(user) -> bool:
    """Confirmed members and designated moderators; nobody else.

    City staff, facilitators, plain moderators and superusers are outsiders: a moderator enters
    only with the `women-space-moderator` designation (cms.roles.is_women_space_moderator).
    """
    if not user.is_authenticated:
        return False
    if is_women_space_moderator(user):
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


# What a card in the list shows (author_label included): the list never loads bodies, answers or
# the author's other columns.
CARD_FIELDS = ("id", "title", "category", "state", "support_count", "comment_count", "team_nicknames", "anonymous",
               "space", "author__nickname", "author__username", "author__is_active", "author__age_band",
               "author__guardian_consent")


def proposal_cards(user, **filters) -> QuerySet:
    return proposal_list(user, **filters).select_related(None).select_related("author").only(*CARD_FIELDS)


# How long the ids a text search found are reused for the same search and page.
SEARCH_IDS_SECONDS = 30


def proposal_card_rows(user, *, start: int, stop: int, **filters) -> list[Proposal]:
    """Cards `start:stop` of a list. A text search matches substrings (Khmer has no spaces) over many
    rows, so the ids it found are kept for a short while per search and page; the cards themselves
    are read by id through the same permission-aware query, so counts, titles and hiding stay live.
    """
    if not filters.get("q"):
        return list(proposal_cards(user, **filters)[start:stop])
    key = "sangkat:proposal-search:" + digest(sorted(filters.items()), start, stop)
    ids = cache.get(key)
    if ids is None:
        ids = list(proposal_cards(user, **filters).values_list("pk", flat=True)[start:stop])
        cache.set(key, ids, SEARCH_IDS_SECONDS)
    found = {p.pk: p for p in proposal_cards(user, **{**filters, "q": ""}).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def proposal_detail(user, proposal_id) -> Proposal | None:
    """None when it does not exist OR the person may not see it (same answer: no leak)."""
    include_hidden = is_moderator(user)
    return proposals_for(user, include_hidden=include_hidden).filter(pk=proposal_id).first()


def proposal_file(user, proposal_id, file_id):
    """A file of a proposal this person may read (the same check as the proposal's page), else None."""
    proposal = proposal_detail(user, proposal_id)
    if proposal is None:
        return None
    return ProposalFile.objects.filter(proposal=proposal, pk=file_id).first()


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
    labels = dict(Category.choices)
    # The category's words in the reader's language (lazy labels), never its code.
    return [{**row, "category_label": labels.get(row["category"], row["category"])} for row in rows]


def answered_proposals() -> QuerySet:
    return (Proposal.objects.filter(space=Space.PUBLIC, hidden_at__isnull=True, answered_at__isnull=False)
            .select_related("call").order_by("-answered_at"))


# --- staff pages: the city desk, the moderator queue, women-space requests ---------------------

def desk_calls() -> list[Call]:
    """Every call with its phases, newest first, for the city desk (staff see all calls)."""
    return list(Call.objects.prefetch_related("phases").order_by("-created_at")[:100])


def awaiting_evaluation(user, *, limit: int = 50) -> list[Proposal]:
    """Proposals the city has not answered yet, oldest first, in the spaces this person may read."""
    from django.db.models import Count

    return list(proposals_for(user).filter(state__in=["submitted", "evaluating"])
                .annotate(calls_count=Count("calls_opened")).order_by("created_at")[:limit])


def call_source(user, proposal_id) -> Proposal | None:
    """A proposal staff may open a call from: visible to them, public, bottom-up (not in a call)."""
    if not isinstance(proposal_id, int):  # parsed by the view (cms.requestids.parse_id)
        return None
    return proposals_for(user, space=Space.PUBLIC).filter(pk=proposal_id, call__isnull=True).first()


def _moderated_spaces(user) -> list[str]:
    return visible_spaces(user) if is_moderator(user) else []


def open_reports(user, *, limit: int = 100) -> list[dict]:
    """Open reports grouped by post, oldest first; women-space posts only for moderators allowed in it."""
    from django.db.models import Count, Min

    spaces = _moderated_spaces(user)
    if not spaces:
        return []
    groups = list(Report.objects.filter(resolved_at__isnull=True)
                  .filter(Q(proposal__space__in=spaces) | Q(comment__proposal__space__in=spaces))
                  .values("proposal_id", "comment_id")
                  .annotate(reporters=Count("id"), oldest=Min("created_at")).order_by("oldest")[:limit])
    proposal_ids = {g["proposal_id"] for g in groups if g["proposal_id"]}
    comment_ids = {g["comment_id"] for g in groups if g["comment_id"]}
    proposals = Proposal.objects.select_related("author").in_bulk(proposal_ids)
    comments = Comment.objects.select_related("author", "proposal").in_bulk(comment_ids)
    reasons: dict[tuple, list[str]] = {}
    for r in (Report.objects.filter(resolved_at__isnull=True)
              .filter(Q(proposal_id__in=proposal_ids) | Q(comment_id__in=comment_ids))
              .order_by("created_at").values("proposal_id", "comment_id", "reason")):
        reasons.setdefault((r["proposal_id"], r["comment_id"]), []).append(r["reason"])
    rows = []
    for g in groups:
        key = (g["proposal_id"], g["comment_id"])
        target = proposals.get(g["proposal_id"]) if g["proposal_id"] else comments.get(g["comment_id"])
        if target is None:
            continue
        rows.append({"kind": "proposal" if g["proposal_id"] else "comment", "target": target,
                     "proposal": target if g["proposal_id"] else target.proposal,
                     "reporters": g["reporters"], "oldest": g["oldest"], "reasons": reasons.get(key, [])[:5]})
    return rows


def moderation_target(user, *, kind: str, target_id) -> Proposal | Comment | None:
    """A proposal or comment this moderator may act on; None for a forged id or a space not theirs."""
    spaces = _moderated_spaces(user)
    target_id = parse_id(target_id if isinstance(target_id, str) else str(target_id or ""))
    if not spaces or target_id is None:
        return None
    if kind == "proposal":
        return Proposal.objects.select_related("author").filter(pk=target_id, space__in=spaces).first()
    if kind == "comment":
        return (Comment.objects.select_related("author", "proposal")
                .filter(pk=target_id, proposal__space__in=spaces).first())
    return None


def moderation_log(user, *, limit: int = 200) -> list:
    """The moderation log for moderators; entries about a space they may not enter are left out."""
    spaces = _moderated_spaces(user)
    if not spaces:
        return []
    qs = (ModerationLog.objects.select_related("moderator", "target_user", "proposal", "comment__proposal")
          .filter(Q(proposal__isnull=True) | Q(proposal__space__in=spaces))
          .filter(Q(comment__isnull=True) | Q(comment__proposal__space__in=spaces)))
    return list(qs.order_by("-created_at", "-id")[:limit])


def blocks_for(user) -> QuerySet:
    """The blocks this moderator may see and lift: a block whose latest log entry is about a
    women-space post only for moderators of that space; none for anyone else."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    if not is_moderator(user):
        return Block.objects.none()
    qs = Block.objects.all()
    if not can_enter_women_space(user):
        latest = (ModerationLog.objects.filter(action=ModerationLog.Action.BLOCK, target_user=OuterRef("user_id"))
                  .order_by("-created_at", "-id"))
        qs = (qs.annotate(post_space=Coalesce(Subquery(latest.values("proposal__space")[:1]),
                                              Subquery(latest.values("comment__proposal__space")[:1])))
              .filter(Q(post_space__isnull=True) | Q(post_space=Space.PUBLIC)))
    return qs


def blocked_people(user) -> list:
    """Blocks this moderator may see; `anonymous` when a block was made over the person's own
    anonymous proposal (one carried from the women space): the list must not name her."""
    from django.db.models import Exists, OuterRef

    over_anonymous = ModerationLog.objects.filter(
        action=ModerationLog.Action.BLOCK, target_user=OuterRef("user_id"), proposal__anonymous=True,
        proposal__author=OuterRef("user_id"))
    return list(blocks_for(user).annotate(anonymous=Exists(over_anonymous)).select_related("user")
                .order_by("-created_at")[:200])


def _memberships_of_centers(facilitator) -> QuerySet:
    if not has_role(facilitator, FACILITATOR):
        return WomenSpaceMembership.objects.none()
    # Her own request is decided by someone else: it is not in her list.
    return (WomenSpaceMembership.objects.filter(user__home_center__in=centers_for(facilitator))
            .exclude(user=facilitator).select_related("user", "user__home_center", "confirmed_by"))


def membership_requests(facilitator) -> list[WomenSpaceMembership]:
    """Requests and members whose home center this facilitator runs; nobody else's."""
    from django.db.models import F

    pending_first = F("confirmed_at").asc(nulls_first=True)
    return list(_memberships_of_centers(facilitator).order_by(pending_first, "requested_at")[:500])


def membership_for(facilitator, membership_id) -> WomenSpaceMembership | None:
    membership_id = parse_id(str(membership_id or ""))
    if membership_id is None:
        return None
    return _memberships_of_centers(facilitator).filter(pk=membership_id).first()
