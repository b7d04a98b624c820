"""The ambassador track pages: apply and follow your progress, staff review, practice confirmation,
certificates and the ambassador dashboard."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ambassadors import selectors, services
from ambassadors.forms import ApplicationForm, DeclineForm
from ambassadors.models import Application, Certification
from cms.requestids import id_or_404
from cms.roles import FACILITATOR, INNOVATION_UNIT, has_role, is_city_staff
from labs.selectors import session_with_center


@login_required
def track(request):
    status = selectors.track_status(user=request.user)
    initial = {"center": request.user.home_center_id}
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and status.certification is not None:
        messages.info(request, _("You are already a Digital City Ambassador: there is nothing to apply for."))
        return redirect("ambassador_track")
    if request.method == "POST" and form.is_valid():
        try:
            services.apply(user=request.user, **form.cleaned_data)
        except services.TrackError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you! Your application is sent; we will tell you the decision."))
            return redirect("ambassador_track")
    can_apply = status.certification is None and (
        status.application is None or status.application.status in ("declined", "withdrawn")
    )
    return render(request, "ambassadors/track.html", {"status": status, "form": form, "can_apply": can_apply})


@login_required
def dashboard(request):
    data = selectors.ambassador_dashboard(user=request.user)
    return render(request, "ambassadors/dashboard.html", {"data": data})


def _require_staff(user):
    if not is_city_staff(user):
        raise PermissionDenied(_("This page is for Innovation Unit staff."))


@login_required
def review(request):
    _require_staff(request.user)
    ready = []
    for application in selectors.trainees():
        status = selectors.track_status(user=application.user)
        ready.append((application, status))
    return render(request, "ambassadors/review.html", {
        "applications": selectors.applications_to_review(), "trainees": ready, "decline_form": DeclineForm(),
    })


@login_required
@require_POST
def decide(request, application_id: int):
    _require_staff(request.user)
    application = get_object_or_404(Application, pk=application_id)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose to accept or to decline the application."))
        return redirect("ambassador_review")
    try:
        if decision == "accept":
            services.accept(by=request.user, application=application)
            messages.success(request, _("Accepted. The applicant has been told."))
        else:
            # NUL is no character of a reason, and PostgreSQL cannot store it in text.
            reason = request.POST.get("reason", "").replace("\x00", "")
            services.decline(by=request.user, application=application, reason=reason)
            messages.success(request, _("Declined. The applicant has been told why."))
    except services.TrackError as error:
        messages.error(request, error.message)
    return redirect("ambassador_review")


@login_required
@require_POST
def certify(request, user_id: int):
    _require_staff(request.user)
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        services.certify(by=request.user, user=person)
        messages.success(request, _("%(name)s is certified.") % {"name": person.public_name})
    except services.TrackError as error:
        messages.error(request, error.message)
    return redirect("ambassador_review")


@login_required
def practice(request):
    if not has_role(request.user, FACILITATOR, INNOVATION_UNIT):
        raise PermissionDenied(_("This page is for facilitators."))
    if request.method == "POST":
        session = session_with_center(id_or_404(request.POST.get("session_id")))
        if session is None:
            raise Http404(_("This session does not exist or is not open to you."))
        trainee = get_object_or_404(get_user_model(), pk=id_or_404(request.POST.get("trainee_id")))
        try:
            services.confirm_practice(by=request.user, trainee=trainee, session=session,
                                      comment=request.POST.get("comment", ""))
            messages.success(request, _("Confirmed: %(name)s co-facilitated this session.") % {"name": trainee.public_name})
        except services.TrackError as error:
            messages.error(request, error.message)
        return redirect("ambassador_practice")
    return render(request, "ambassadors/practice.html", {"rows": selectors.practice_to_confirm(supervisor=request.user)})


@login_required
def certificate_print(request):
    """Her own certificate to print: her name, the dates and a QR code to the badge's verify page."""
    certification = selectors.valid_certification(user=request.user)
    if certification is None:
        raise Http404(_("You have no valid certificate to print."))
    return render(request, "ambassadors/certificate_print.html", {
        "certification": certification,
        "name": request.user.display_name or request.user.public_name,  # her full name, on her own paper
        "qr": selectors.certificate_qr(certification=certification, request=request),
    })


def certificate(request, number):
    """A public page that says whether a certificate is valid (nickname only)."""
    certification = get_object_or_404(Certification.objects.select_related("user"), number=number)
    person = certification.user
    return render(request, "ambassadors/certificate.html", {
        "certification": certification, "valid": certification.is_valid(timezone.now()),
        "name": person.public_name if person.can_appear_publicly else _("A Digital City Ambassador"),
    })
