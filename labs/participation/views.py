from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import pagecache
from cms.media import serve
from cms.requestids import id_or_404, parse_id
from cms.spreadsheets import csv_response
from games.minecraft.selectors import gallery_of_proposal
from labs.hercity.selectors import unsafe_places
from labs.participation.maps import plan_svg, proposal_points
from labs.participation.models import WomenSpaceMembership

from . import selectors, services
from .forms import AnswerForm, ProposalForm
from .models import Category, Comment, PhaseKind, Space, State
from .services import ParticipationError

# Past this page a list is a crawl, not a reader: and OFFSET must stay a number the database takes.
MAX_PAGE = 10_000


def _space(request) -> str:
    space = request.GET.get("space", Space.PUBLIC)
    if space == Space.WOMEN and not selectors.can_enter_women_space(request.user):
        raise Http404
    return space if space in Space.values else Space.PUBLIC


def _call_id(raw: str) -> int | None:
    """A call id from the query string: empty is none, anything but a row id is a 404."""
    return id_or_404(raw) if raw else None


def _filters(request) -> dict:
    return {"space": _space(request), "category": request.GET.get("category", ""),
            "call_id": _call_id(request.GET.get("call", "")), "state": request.GET.get("state", ""),
            "q": request.GET.get("q", "").strip()[:100], "sort": request.GET.get("sort", "new")}


def _filtered(request):
    return selectors.proposal_list(request.user, **_filters(request))


def _options(choices, selected) -> list[tuple[str, str, bool]]:
    return [(value, label, value == selected) for value, label in choices]


class _Page(list):
    def __init__(self, rows, number, has_next):
        super().__init__(rows)
        self.object_list, self.number, self._next = rows, number, has_next

    def has_previous(self):
        return self.number > 1

    def has_next(self):
        return self._next

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


def proposal_list(request):
    # No COUNT(*) over the whole filtered set: fetch one row more than a page to know if there is a next.
    number = min(parse_id(request.GET.get("page")) or 1, MAX_PAGE)
    filters = _filters(request)
    rows = selectors.proposal_card_rows(request.user, start=(number - 1) * 20, stop=number * 20 + 1, **filters)
    page = _Page(rows[:20], number, len(rows) > 20)
    # The pager keeps every filter; the options are worked out here, not per option in the template.
    kept = {"q": filters["q"], "category": filters["category"], "state": filters["state"],
            "sort": filters["sort"], "call": filters["call_id"] or "", "space": filters["space"]}
    sorts = [("new", _("Newest")), ("top", _("Most supported")), ("discussed", _("Most discussed"))]
    page_query = urlencode({k: v for k, v in kept.items() if v})
    # The filter form and the cards show nothing personal: everyone shares one rendering per set
    # of values shown, so a new support or a changed title is a new key, never a stale card.
    shown = [(p.pk, p.title, p.category, p.state, p.support_count, p.author_label) for p in page]
    signature = (get_language(), shown, number, page.has_next(), page_query)
    seconds = settings.SANGKAT_ANONYMOUS_PAGE_CACHE_SECONDS

    def results_html():
        return render_to_string("participation/proposal_results.html", {
            "page": page, "space": filters["space"], "q": filters["q"], "page_query": page_query,
            "category_options": _options(Category.choices, filters["category"]),
            "state_options": _options(State.choices, filters["state"]),
            "sort_options": _options(sorts, filters["sort"]),
        })

    def page_response():
        return render(request, "participation/proposal_list.html", {
            "space": filters["space"], "page_query": page_query,
            "can_women": selectors.can_enter_women_space(request.user),
            "results": pagecache.shared_fragment(
                "sangkat:proposal-results:" + pagecache.digest(*signature), seconds, results_html),
        })

    if not pagecache.shareable(request):
        return page_response()
    # Anonymous visitors share the whole page (the fragment is read only when the page is not).
    # Keyed by what it shows, not by the query string: made-up parameters (?utm=…, ?x=1, ?x=2 …)
    # share the one entry instead of adding one each.
    key = "sangkat:proposals:" + pagecache.digest(request.path, *signature)
    return pagecache.shared_render(request, key, seconds, page_response)


def proposal_csv(request):
    rows = _filtered(request)[:5000]
    return csv_response("proposals.csv", ["id", "title", "category", "state", "supports", "author", "created"], (
        (p.pk, p.title, p.category, p.state, p.support_count, p.author_label, p.created_at.isoformat())
        for p in rows))


def proposal_api(request):
    """Open data: the same permission-aware selector as the pages."""
    rows = _filtered(request)[:200]
    return JsonResponse({"results": [
        {"id": p.pk, "title": p.title, "body": p.body, "category": p.category, "state": p.state,
         "supports": p.support_count, "author": p.author_label, "answer": p.answer,
         "latitude": float(p.latitude) if p.latitude is not None else None,
         "longitude": float(p.longitude) if p.longitude is not None else None}
        for p in rows]})


def _get(request, proposal_id):
    proposal = selectors.proposal_detail(request.user, proposal_id)
    if proposal is None:
        raise Http404
    return proposal


def proposal_detail(request, proposal_id):
    proposal = _get(request, proposal_id)
    comments = selectors.comments_for(request.user, proposal)
    for c in comments:
        c.visible_replies = [r for r in comments if r.parent_id == c.pk]
    return render(request, "participation/proposal_detail.html", {
        "proposal": proposal, "comments": [c for c in comments if c.parent_id is None],
        "supported": bool(selectors.supported_ids(request.user, [proposal])),
        "is_staff": selectors.is_staff(request.user), "is_moderator": selectors.is_moderator(request.user),
        "answer_form": AnswerForm(initial={"state": proposal.state, "answer": proposal.answer}),
        "files": list(proposal.files.all()),
        "codesign": _codesign_gallery(request.user, proposal),
    })


def proposal_file(request, proposal_id, file_id):
    """A proposal's photo or attachment, after the proposal's own check (cms.media serves it)."""
    found = selectors.proposal_file(request.user, proposal_id, file_id)
    if found is None:
        raise Http404
    size = request.GET.get("size")
    if size is None:
        return serve(request, found.file, download_name=found.name,
                     as_attachment=found.kind != found.Kind.IMAGE)
    # ?size= names one of the renditions of a photo, after the same check; anything else is a 404
    width = parse_id(size)
    if width not in services.RENDITION_WIDTHS or found.kind != found.Kind.IMAGE:
        raise Http404
    return serve(request, services.photo_rendition(found, width), download_name=found.name)


def _call_from(request):
    """The call named by ?call= (the call page's "Make a proposal" link), or None.

    A value that is not a number, or names no call, answers 404 like any other id.
    """
    call_id = _call_id(request.GET.get("call", ""))
    return None if call_id is None else get_object_or_404(selectors.calls(), pk=call_id)


def _codesign_gallery(user, proposal):
    """A Block by Block proposal links back to its gallery for the people who may see it."""
    if proposal.origin != "blockbyblock":
        return None

    return gallery_of_proposal(user, proposal_id=proposal.pk)


@login_required
def proposal_new(request):
    call = _call_from(request)
    if call is not None and services.phase_of(call) != PhaseKind.COLLECT:
        # Said before the person writes anything, with the way back to the call.
        return render(request, "participation/proposal_form.html", {"call": call, "closed": True})
    can_women = selectors.can_enter_women_space(request.user)
    form = ProposalForm(request.POST or None, request.FILES or None, can_use_women_space=can_women, call=call)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.submit_proposal(
                author=request.user, title=d["title"], body=d["body"], category=d["category"], space=d["space"],
                call=call,
                latitude=d["latitude"], longitude=d["longitude"],
                images=[d["images"]] if d["images"] else [], attachments=[d["attachment"]] if d["attachment"] else [])
        except ParticipationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you: your proposal is published."))
            return redirect("participation:proposal", proposal.pk)
    return render(request, "participation/proposal_form.html", {"form": form, "call": call})


def _act(request, proposal_id, action):
    proposal = _get(request, proposal_id)
    try:
        action(proposal)
    except ParticipationError as exc:
        messages.error(request, exc.message)
    return redirect("participation:proposal", proposal.pk)


@login_required
@require_POST
def support(request, proposal_id):
    return _act(request, proposal_id, lambda p: services.support(user=request.user, proposal=p))


@login_required
@require_POST
def withdraw(request, proposal_id):
    return _act(request, proposal_id, lambda p: services.withdraw_support(user=request.user, proposal=p))


@login_required
@require_POST
def comment(request, proposal_id):
    def do(p):
        parent = None
        if request.POST.get("parent"):
            parent_id = parse_id(request.POST["parent"])
            parent = Comment.objects.filter(pk=parent_id, proposal=p).first() if parent_id else None
            if parent is None:
                raise ParticipationError(_("You can only reply to a comment on this proposal."))
        services.add_comment(user=request.user, proposal=p, body=request.POST.get("body", ""), parent=parent)
    return _act(request, proposal_id, do)


@login_required
@require_POST
def report(request, proposal_id):
    def do(p):
        target = None
        if request.POST.get("comment"):
            target = get_object_or_404(Comment, pk=id_or_404(request.POST["comment"]), proposal=p)
        services.report(user=request.user, reason=request.POST.get("reason", ""),
                        proposal=None if target else p, comment=target)
        messages.success(request, _("Thank you. A moderator will look at it."))
    return _act(request, proposal_id, do)


@login_required
@require_POST
def moderate(request, proposal_id):
    def do(p):
        target = None
        if request.POST.get("comment"):
            target = get_object_or_404(Comment, pk=id_or_404(request.POST["comment"]), proposal=p)
        fn = services.hide if request.POST.get("action") == "hide" else services.restore
        fn(moderator=request.user, reason=request.POST.get("reason", ""),
           proposal=None if target else p, comment=target)
    return _act(request, proposal_id, do)


@login_required
@require_POST
def answer(request, proposal_id):
    form = AnswerForm(request.POST)

    def do(p):
        if not form.is_valid():
            raise ParticipationError(_("Choose a state."))
        services.answer_proposal(staff=request.user, proposal=p, **form.cleaned_data)
        messages.success(request, _("Answer published."))
    return _act(request, proposal_id, do)


@login_required
@require_POST
def carry(request, proposal_id):
    proposal = _get(request, proposal_id)
    try:
        public = services.carry_to_public(user=request.user, proposal=proposal)
    except ParticipationError as exc:
        messages.error(request, exc.message)
        return redirect("participation:proposal", proposal.pk)
    return redirect("participation:proposal", public.pk)


def call_list(request):
    return render(request, "participation/call_list.html", {"calls": selectors.calls()})


def call_detail(request, call_id):
    call = get_object_or_404(selectors.calls(), pk=call_id)
    proposals = selectors.proposal_list(request.user, call_id=call.pk, sort=request.GET.get("sort", "top"))[:100]
    phase = call.current_phase()
    return render(request, "participation/call_detail.html", {
        "call": call, "phase": phase, "proposals": proposals,
        "collecting": phase is not None and phase.kind == PhaseKind.COLLECT,
        "supported": selectors.supported_ids(request.user, proposals), "is_staff": selectors.is_staff(request.user)})


def accountability(request):
    return render(request, "participation/accountability.html", {
        "rows": selectors.accountability(), "answered": selectors.answered_proposals()[:50]})


@login_required
def women_space(request):
    if request.method == "POST":
        services.request_women_space(user=request.user)
        messages.success(request, _("Thank you. A facilitator will confirm your membership."))
        return redirect("participation:women")

    membership = WomenSpaceMembership.objects.filter(user=request.user).first()
    return render(request, "participation/women.html", {
        "membership": membership, "member": selectors.can_enter_women_space(request.user)})


def _map_data(request):
    return proposal_points(request.user), unsafe_places(request.user)


def map_view(request):
    from django.conf import settings

    points, unsafe = _map_data(request)
    return render(request, "participation/map.html", {
        "points": points, "unsafe": unsafe,
        "map_json": {"points": points, "unsafe": unsafe, "tiles": settings.MAP_TILE_URL,
                     "attribution": settings.MAP_TILE_ATTRIBUTION, "center": settings.MAP_CENTER},
    })


def map_svg(request):
    points, unsafe = _map_data(request)
    response = HttpResponse(plan_svg(points, unsafe), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response
