"""Who may run a session and take part in it, and the error every refused action raises (labs.services
and its attendance and report modules share them)."""

from django.utils.translation import gettext_lazy as _

from cms.models import YOUTH_AGE_BANDS, Gender
from cms.roles import AMBASSADOR, FACILITATOR, has_role, is_city_staff
from labs.models import (
    Audience,
    Session,
)
from labs.selectors import mark_all_key, mark_all_keys  # noqa: F401  (services.mark_all_keys still works)


class SessionError(Exception):
    """A refused action; `message` is shown to the person, next to the form's `field` when it names one."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- permissions --------------------------------------------------------------------------------

def can_run_session(*, user, session: Session) -> bool:
    """Staff, a facilitator of the session's center, or someone the session names may run it."""
    if not user.is_authenticated:
        return False
    if is_city_staff(user):
        return True
    if has_role(user, FACILITATOR) and session.center.facilitators.filter(pk=user.pk).exists():
        return True
    if session.lead_id == user.pk:
        return True
    return (has_role(user, AMBASSADOR, FACILITATOR)
            and (session.ambassadors.filter(pk=user.pk).exists()
                 or session.facilitators.filter(pk=user.pk).exists()))


def require_run_session(*, user, session: Session) -> None:
    if not can_run_session(user=user, session=session):
        raise SessionError(_("Only the people running this session or the staff of its center can do this."))


# --- audience ------------------------------------------------------------------------------------

def audience_refusal(*, user, session: Session):
    """Why this person may not take part, or None. Checked on every registration and check-in."""
    if session.audience == Audience.WOMEN_AND_GIRLS and user.gender != Gender.WOMAN:
        return _("This session is for women and girls only. If that is you, set your gender in your profile.")
    if session.audience == Audience.YOUTH and user.age_band not in YOUTH_AGE_BANDS:
        return _("This session is for young people (up to 24) only.")
    return None


def session_for_update(session_id: int) -> Session:
    return Session.objects.select_for_update(of=("self",)).select_related("center").get(pk=session_id)
