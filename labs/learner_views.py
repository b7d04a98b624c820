"""Help from center staff: a facilitator finds a learner of her centers, gives her a new password or
records her guardian's consent (the rules and the audit are cms.services'; moved from cms.views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import services
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import learners_for, people_named
from labs.selectors import centers_for


def _require_center_staff(user):
    if not has_role(user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied


@login_required
def center_learners(request, center_id: int):
    _require_center_staff(request.user)
    center = centers_for(request.user).filter(pk=center_id).first()
    if center is None:
        raise Http404(_("This center is not available."))
    learners = learners_for(viewer=request.user, center_id=center.pk)
    query = (request.GET.get("q") or "").strip()[:150]
    if query:
        # The one rule for finding a person: a username in any case or a phone number typed any
        # way; a phone a family shares lists every one of them, the staff member picks.
        learners = people_named(query, among=learners)
    learners = learners.order_by("nickname", "username")
    return render(request, "cms/center_learners.html",
                  {"center": center, "learners": learners, "query": query})


def _learner_or_404(request, center_id: int, learner_id: int):
    _require_center_staff(request.user)
    learner = learners_for(viewer=request.user, center_id=center_id).filter(pk=learner_id).first()
    if learner is None:
        # Someone outside the facilitator's centers, or a forged id: nothing to see or change.
        raise Http404(_("This learner is not in your centers."))
    return learner


@login_required
@require_POST
def reset_learner_password(request, center_id: int, learner_id: int):
    learner = _learner_or_404(request, center_id, learner_id)
    password = services.reset_password_by_staff(actor=request.user, learner=learner)
    return render(request, "cms/temporary_password.html", {
        "learner": learner, "password": password, "center_id": center_id,
    })


@login_required
@require_POST
def set_guardian_consent(request, center_id: int, learner_id: int):
    learner = _learner_or_404(request, center_id, learner_id)
    given = request.POST.get("given") == "yes"
    services.set_guardian_consent(actor=request.user, learner=learner, given=given)
    messages.success(request, _("Guardian consent for %(name)s is recorded.") % {"name": learner.nickname}
                     if given else _("Guardian consent for %(name)s is withdrawn.") % {"name": learner.nickname})
    return redirect("center_learners", center_id=center_id)
