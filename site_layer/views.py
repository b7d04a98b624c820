"""Pages that put several apps together (moved here so that no app imports one above it)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cms import package_origin
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role
from cms.selectors import centers_for
from courses.selectors import course_cards
from labs.hercity.selectors import can_start_workshops
from labs.participation.selectors import can_confirm_members


@login_required
def facilitator_home(request):
    if not has_role(request.user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied
    return render(request, "courses/facilitate.html", {
        # Links only to the pages this person may open (the pages check the same functions).
        "can_confirm_members": can_confirm_members(request.user),
        "can_start_workshops": can_start_workshops(request.user),
        "centers": centers_for(request.user),
        "courses": course_cards(user=request.user),
        # Saved courses play their H5P activities offline only with packages on origins of their own.
        "h5p_offline": package_origin.configured() is not None,
    })
