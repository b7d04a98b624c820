"""Personal data held by labs: its collector and eraser (registry: cms.privacy)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cms.privacy import exclude, register_collector, register_eraser, rows
from labs.models import (
    Attendance,
    Center,
    LearnerDays,
    Registration,
    RegistrationStatus,
    Session,
    SessionReport,
)
from labs.services import cancel_registration

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "labs.Attendance.recorded_by": "staff ticking someone else's presence",
})


@register_collector("centers_and_sessions", label=gettext_lazy("session registrations, attendance and reports you filed"), covers=[
    "labs.Registration.user", "labs.Attendance.user", "labs.SessionReport.filed_by", "labs.LearnerDays.user",
    "labs.Center.facilitators", "labs.Session.facilitators", "labs.Session.ambassadors", "labs.Session.lead",
])
def collect_labs(user) -> dict:
    session_fields = ("title", "kind", "center__name", "starts_at", "ends_at")
    return {
        "registrations": rows(
            Registration.objects.filter(user=user).order_by("created_at"),
            *(f"session__{f}" for f in session_fields), "status", "created_at"),
        "attendance": rows(
            Attendance.objects.filter(user=user).order_by("recorded_at"),
            *(f"session__{f}" for f in session_fields), "method", "recorded_at"),
        "days_at_centers": rows(LearnerDays.objects.filter(user=user).order_by("center__name"),
                                 "center__name", "first_day", "last_day", "days"),
        "session_reports_filed": rows(
            SessionReport.objects.filter(filed_by=user).order_by("filed_at"),
            "session__title", "session__starts_at", "notes", "follow_ups", "counts", "filed_at"),
        "sessions_led": rows(Session.objects.filter(lead=user).order_by("starts_at"), *session_fields),
        "sessions_facilitated": rows(Session.objects.filter(facilitators=user).order_by("starts_at"),
                                      *session_fields),
        "sessions_as_ambassador": rows(Session.objects.filter(ambassadors=user).order_by("starts_at"),
                                        *session_fields),
        "centers_facilitated": list(Center.objects.filter(facilitators=user).order_by("name")
                                    .values_list("name", flat=True)),
    }


@register_eraser("centers_and_sessions")
def erase_labs(user, *, on_commit) -> None:
    upcoming = (Registration.objects.filter(user=user, session__starts_at__gt=timezone.now())
                .exclude(status=RegistrationStatus.CANCELLED).select_related("session"))
    for registration in upcoming:
        cancel_registration(user=user, session=registration.session)  # the place goes to the next person
    Attendance.objects.filter(user=user).update(nickname="")  # the age band and gender copies stay: counts
    # No longer a facilitator of any center; the sessions they ran keep pointing at the anonymised account.
    Center.facilitators.through.objects.filter(user_id=user.pk).delete()
