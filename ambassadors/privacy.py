"""Personal data held by ambassadors: its collector and eraser (registry: cms.privacy)."""

from django.utils.translation import gettext_lazy

from ambassadors.models import Application, Certification, PracticeSession
from cms.privacy import exclude, register_collector, register_eraser, rows

# User foreign keys that are not the pointed-to person's own data (cms.privacy.excluded()).
exclude({
    "ambassadors.Application.reviewed_by": "staff decision on someone else's application",
    "ambassadors.PracticeSession.supervisor": "facilitator confirming someone else's practice",
    "ambassadors.Certification.issued_by": "staff issuing someone else's certificate",
})


@register_collector("ambassador", label=gettext_lazy("Digital City Ambassador application and certification"), covers=[
    "ambassadors.Application.user", "ambassadors.PracticeSession.trainee", "ambassadors.Certification.user",
])
def collect_ambassador(user) -> dict:
    return {
        "applications": rows(Application.objects.filter(user=user).order_by("created_at"),
                              "center__name", "motivation", "availability", "status", "decline_reason",
                              "created_at", "reviewed_at"),
        "practice_sessions": rows(PracticeSession.objects.filter(trainee=user).order_by("confirmed_at"),
                                   "session__title", "session__starts_at", "confirmed_at", "comment"),
        "certifications": rows(Certification.objects.filter(user=user).order_by("issued_at"),
                                "number", "issued_at", "expires_at", "renewed_at", "revoked_at"),
    }


@register_eraser("ambassador")
def erase_ambassador(user, *, on_commit) -> None:
    Application.objects.filter(user=user).delete()
