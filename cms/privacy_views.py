"""Your data: download everything Sangkat keeps about you, ask for deletion; staff fulfil requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cms import privacy
from cms.roles import INNOVATION_UNIT, has_role


@never_cache
@login_required
def my_data(request):
    return render(request, "cms/privacy.html", {
        "pending": privacy.pending_request_for(request.user),
        "sections": [(c.name, c.label or privacy.SECTION_LABELS.get(c.name, c.name)) for c in privacy.collectors()],
    })


@never_cache
@login_required
def download(request):
    user = request.user
    readme = privacy.readme_text(user)  # built now, in the page's language
    response = StreamingHttpResponse(privacy.export_zip_stream(user, readme=readme), content_type="application/zip")
    name = f"sangkat-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@login_required
def request_deletion(request):
    # Only ever the logged-in person's own account: nothing in the form names whose.
    if not request.user.check_password(request.POST.get("password", "")):
        messages.error(request, _("That is not your password. Nothing was asked."))
        return redirect("my_data")
    privacy.request_deletion(user=request.user)
    messages.success(request, _("We have your request. Innovation Unit staff will delete your account "
                                "within 30 days; until then you can change your mind here."))
    return redirect("my_data")


@require_POST
@login_required
def cancel_deletion(request):
    if privacy.cancel_deletion(user=request.user):
        messages.success(request, _("Your request is cancelled. Your account stays."))
    return redirect("my_data")


def _require_staff(user):
    if not has_role(user, INNOVATION_UNIT):
        raise PermissionDenied


@never_cache
@login_required
def staff_requests(request):
    _require_staff(request.user)
    return render(request, "cms/privacy_requests.html", {"requests": privacy.pending_requests()})


@require_POST
@login_required
def fulfil(request, request_id: int):
    _require_staff(request.user)
    try:
        privacy.fulfil_deletion(request_id=request_id, by=request.user)
    except privacy.DeletionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The account is deleted: personal data removed, shared content anonymised."))
    return redirect("privacy_requests")
