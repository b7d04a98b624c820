from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.requestids import parse_id
from labs.participation.services import ParticipationError
from labs.services import centers_where_can_plan

from . import selectors, services
from .forms import WorkshopForm
from .models import FACTORS, Idea, Step


def _get(request, workshop_id):
    workshop = selectors.workshop_for(request.user, workshop_id)
    if workshop is None:
        raise Http404
    return workshop


@login_required
def workshop(request, workshop_id):
    w = _get(request, workshop_id)
    return render(request, "hercity/workshop.html", {
        "w": w, "steps": Step.choices, "factors": FACTORS, "scale": range(1, 6),
        "facilitator": services.runs_workshop(request.user, w),
        "chart": mark_safe(selectors.chart_svg(w)),  # built from escaped labels and numbers only
        "ideas": selectors.top_ideas(w, limit=100), "actions": list(w.actions.all()),
        "my_scores": w.scores.filter(user=request.user).count(),
        "dots_left": selectors.dots_left(request.user, w) if w.step == Step.PRIORITISE else None,
        "my_dots": selectors.my_dotted_idea_ids(request.user, w) if w.step == Step.PRIORITISE else set(),
    })


@login_required
@require_POST
def contribute(request, workshop_id):
    w = _get(request, workshop_id)
    p = request.POST
    try:
        if w.step == Step.ASSESS:
            services.record_scores(user=request.user, workshop=w, scores={k: p.get(k) for k, _l in FACTORS},
                                   place=p.get("place", ""), latitude=p.get("latitude"),
                                   longitude=p.get("longitude"), note=p.get("note", ""),
                                   photo=request.FILES.get("photo"))
        elif w.step in (Step.ENVISION, Step.DESIGN):
            services.add_idea(user=request.user, workshop=w, text=p.get("text", ""),
                              photo=request.FILES.get("photo"), link=p.get("link", ""))
        elif w.step == Step.PRIORITISE:
            idea_id = parse_id(p.get("idea"))
            idea = Idea.objects.filter(pk=idea_id, workshop=w).first() if idea_id is not None else None
            if idea is None:
                raise ParticipationError(_("This idea is not in this workshop."))
            services.dot_vote(user=request.user, workshop=w, idea=idea)
        elif w.step == Step.ACTION:
            services.add_action(user=request.user, workshop=w, what=p.get("what", ""), who=p.get("who", ""),
                                when=p.get("when", ""))
        messages.success(request, _("Thank you, saved."))
    except ParticipationError as exc:
        messages.error(request, exc.message)
    return redirect("hercity:workshop", w.pk)


@login_required
@require_POST
def advance(request, workshop_id):
    w = _get(request, workshop_id)
    try:
        if request.POST.get("finish"):
            proposal = services.finish(facilitator=request.user, workshop=w, title=request.POST.get("title", ""))
            return redirect("participation:proposal", proposal.pk)
        services.advance(facilitator=request.user, workshop=w, to_step=int(request.POST.get("to_step", 0)))
    except (ParticipationError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Choose a step.")))
    return redirect("hercity:workshop", w.pk)


@login_required
def chart(request, workshop_id):
    w = _get(request, workshop_id)
    return HttpResponse(selectors.chart_svg(w), content_type="image/svg+xml")


def _require_starter(request) -> None:
    from django.core.exceptions import PermissionDenied

    if not selectors.can_start_workshops(request.user):
        raise PermissionDenied(_("Only facilitators can start Her City workshops."))


@login_required
def workshop_list(request):
    """The facilitator's workshops and the form to start one for a session of their centers."""
    _require_starter(request)
    sessions = selectors.hercity_sessions_for(request.user)
    form = WorkshopForm(request.POST or None, sessions=sessions,
                        women_space=services.can_send_to_women_space(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            w = services.create_workshop(facilitator=request.user, session=d["session"], site_name=d["site_name"],
                                         space=d["space"], latitude=d["latitude"], longitude=d["longitude"])
        except ParticipationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The workshop is ready: share this page with the participants."))
            return redirect("hercity:workshop", w.pk)

    return render(request, "hercity/workshop_list.html", {
        "form": form, "workshops": selectors.workshops_run_by(request.user), "has_sessions": sessions.exists(),
        # Someone named on a session may start its workshop without being allowed to plan one.
        "can_plan": centers_where_can_plan(user=request.user).exists()})
