"""Staff pages of participation: the city desk and its calls, the moderator queue and log,
and facilitators' confirmation of women-and-girls space members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.requestids import parse_id

from . import selectors, services
from .models import Call
from .services import ParticipationError
from .staff_forms import CallForm


def _require_staff(request) -> None:
    if not selectors.is_staff(request.user):
        raise PermissionDenied(_("Only Innovation Unit staff can use the city desk."))


def _require_moderator(request) -> None:
    if not selectors.is_moderator(request.user):
        raise PermissionDenied(_("Only moderators can see the moderation queue."))


# --- the city desk and its calls ----------------------------------------------------------------

@login_required
def desk(request):
    _require_staff(request)
    return render(request, "participation/desk.html", {
        "calls": selectors.desk_calls(),
        "awaiting": selectors.awaiting_evaluation(request.user),
        "is_moderator": selectors.is_moderator(request.user),
    })


def _call_form_page(request, form, *, source, call):
    from django.conf import settings

    return render(request, "participation/call_form.html", {
        "form": form, "source": source, "call": call,
        "map_settings": {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION,
                         "center": settings.MAP_CENTER},
    })


def _call_or_none(call_id) -> Call | None:
    return selectors.calls().filter(pk=call_id).first()


@login_required
def call_new(request):
    _require_staff(request)
    source_id = request.POST.get("from_proposal") or request.GET.get("from")
    source = selectors.call_source(request.user, parse_id(source_id)) if source_id else None
    if source_id and source is None:
        messages.error(request, _("A call can only be opened from a visible bottom-up proposal."))
        return redirect("participation:desk")
    initial = {}
    if source is not None:
        initial = {"title": source.title, "question": source.title, "description": source.body,
                   "category": source.category, "latitude": source.latitude, "longitude": source.longitude,
                   "from_proposal": source.pk}
    form = CallForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.open_call(staff=request.user, from_proposal=source, **form.call_fields())
        except ParticipationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The call is open."))
            return redirect("participation:call", call.pk)
    return _call_form_page(request, form, source=source, call=None)


@login_required
def call_edit(request, call_id):
    _require_staff(request)
    call = _call_or_none(call_id)
    if call is None:
        messages.error(request, _("This call does not exist."))
        return redirect("participation:desk")
    form = CallForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call(staff=request.user, call=call, **form.call_fields())
        except ParticipationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The call is saved."))
            return redirect("participation:call", call.pk)
    return _call_form_page(request, form, source=call.from_proposal, call=call)


@login_required
@require_POST
def call_phase(request, call_id):
    _require_staff(request)
    call = _call_or_none(call_id)
    if call is None:
        messages.error(request, _("This call does not exist."))
        return redirect("participation:desk")
    action = request.POST.get("action")
    try:
        if action == "advance":
            phase = services.advance_phase(staff=request.user, call=call)
            messages.success(request, _("Now: %(phase)s.") % {"phase": phase.get_kind_display()})
        elif action == "close":
            phase = services.close_phase(staff=request.user, call=call)
            messages.success(request, _("Closed: %(phase)s.") % {"phase": phase.get_kind_display()})
        else:
            messages.error(request, _("Choose what to do with the phase."))
    except ParticipationError as exc:
        messages.error(request, exc.message)
    return redirect("participation:desk")


# --- the moderator queue and log ----------------------------------------------------------------

@login_required
def moderation_queue(request):
    _require_moderator(request)
    return render(request, "participation/moderation_queue.html", {
        "rows": selectors.open_reports(request.user)})


@login_required
@require_POST
def moderation_act(request):
    _require_moderator(request)
    p = request.POST
    action, kind = p.get("action", ""), p.get("kind", "")
    reason = p.get("reason", "")
    if action == "unblock":
        from django.contrib.auth import get_user_model

        user_id = p.get("user", "")
        person = get_user_model().objects.filter(pk=parse_id(user_id)).first() if parse_id(user_id) else None
        try:
            if person is None:
                raise ParticipationError(_("This person is not blocked."))
            services.unblock_user(moderator=request.user, user=person, reason=reason)
            messages.success(request, _("The person can post again."))
        except ParticipationError as exc:
            messages.error(request, exc.message)
        return redirect("participation:moderation_log")
    target = selectors.moderation_target(request.user, kind=kind, target_id=p.get("id"))
    if target is None:
        messages.error(request, _("This post does not exist or is not yours to moderate."))
        return redirect("participation:moderation")
    on = {"proposal": target, "comment": None} if kind == "proposal" else {"proposal": None, "comment": target}
    try:
        if action == "hide":
            services.hide(moderator=request.user, reason=reason, **on)
            messages.success(request, _("Hidden. The author was told why."))
        elif action == "restore":
            services.restore(moderator=request.user, reason=reason, **on)
            messages.success(request, _("Restored."))
        elif action == "dismiss":
            services.dismiss_reports(moderator=request.user, reason=reason, **on)
            messages.success(request, _("Report dismissed; the post stays visible."))
        elif action == "block":
            services.block_user(moderator=request.user, user=target.author, reason=reason, **on)
            messages.success(request, _("The author can no longer post."))
        else:
            messages.error(request, _("Choose what to do."))
    except ParticipationError as exc:
        messages.error(request, exc.message)
    return redirect("participation:moderation")


@login_required
def moderation_log(request):
    _require_moderator(request)
    return render(request, "participation/moderation_log.html", {
        "entries": selectors.moderation_log(request.user), "blocked": selectors.blocked_people(request.user)})


# --- women-and-girls space: facilitators confirm members of their centers ------------------------

def _require_facilitator(request) -> None:
    if not selectors.can_confirm_members(request.user):
        raise PermissionDenied(_("Only facilitators can confirm members."))


@login_required
def women_requests(request):
    _require_facilitator(request)
    return render(request, "participation/women_requests.html", {
        "memberships": selectors.membership_requests(request.user)})


@login_required
@require_POST
def women_decide(request, membership_id):
    _require_facilitator(request)
    membership = selectors.membership_for(request.user, membership_id)
    if membership is None:
        messages.error(request, _("This request does not exist or is not from your centers."))
        return redirect("participation:women_requests")
    action = request.POST.get("action")
    try:
        if action == "confirm":
            services.confirm_member(facilitator=request.user, user=membership.user)
            messages.success(request, _("Confirmed: %(name)s can enter the space.") % {"name": membership.user.public_name})
        elif action in ("decline", "revoke"):
            services.decline_member(facilitator=request.user, user=membership.user)
            messages.success(request, _("Done: %(name)s is not in the space.") % {"name": membership.user.public_name})
        else:
            messages.error(request, _("Choose confirm or decline."))
    except ParticipationError as exc:
        messages.error(request, exc.message)
    return redirect("participation:women_requests")
