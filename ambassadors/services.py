"""Writes for the ambassador track: apply, review, confirm practice, certify, renew, revoke, warn."""

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ambassadors import signals
from ambassadors.models import (
    Application,
    ApplicationStatus,
    Certification,
    CoursePurpose,
    PracticeSession,
    RequiredCourse,
    TrackSettings,
)
from ambassadors.selectors import completed_required_courses, track_status
from cms.dates import LocalDate
from cms.models import AuditAction
from cms.roles import AMBASSADOR, FACILITATOR, INNOVATION_UNIT, has_role, is_city_staff
from cms.services import audit, notify


class TrackError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _staff(user) -> list:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(groups__name=INNOVATION_UNIT, is_active=True).distinct())


@transaction.atomic
def apply(*, user, center, motivation: str, availability: str) -> Application:
    motivation, availability = (motivation or "").strip(), (availability or "").strip()
    if len(motivation) < 20:
        raise TrackError(_("Tell us a little more about why you want to be an ambassador (a few sentences)."))
    if not availability:
        raise TrackError(_("Say when you are free to run sessions."))
    if Certification.objects.filter(user=user, revoked_at__isnull=True).exists():
        raise TrackError(_("You are already a Digital City Ambassador: there is nothing to apply for."))
    if Application.objects.filter(user=user, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED]).exists():
        raise TrackError(_("You have already applied."))
    application = Application(user=user, center=center, motivation=motivation, availability=availability)
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise TrackError(_("You have already applied.")) from None
    notify(users=_staff(user), kind="ambassador-application", title=_("New ambassador application from %(name)s"),
           url=lambda: reverse("ambassador_review"), params={"name": user.public_name})
    return application


def _require_staff(by) -> None:
    if not is_city_staff(by):
        raise TrackError(_("Only Innovation Unit staff can do this."))


@transaction.atomic
def accept(*, by, application: Application) -> Application:
    _require_staff(by)
    application = Application.objects.select_for_update(of=("self",)).select_related("user").get(pk=application.pk)
    if application.status == ApplicationStatus.ACCEPTED:
        return application
    if application.status != ApplicationStatus.SUBMITTED:
        raise TrackError(_("This application was already decided."))
    application.status = ApplicationStatus.ACCEPTED
    application.reviewed_by, application.reviewed_at = by, timezone.now()
    application.full_clean()
    application.save()
    audit(actor=by, action=AuditAction.ACCEPT, target=application.user, application=application.pk,
          center=application.center_id)
    # Trainees hold the ambassador role so they can co-facilitate; leading alone needs certification.
    application.user.groups.add(Group.objects.get_or_create(name=AMBASSADOR)[0])
    notify(users=[application.user], kind="ambassador-accepted",
           title=_("Welcome to the Digital City Ambassador training!"),
           body=_("Start with the required courses, then co-facilitate sessions at your center."),
           url=lambda: reverse("ambassador_track"))
    return application


@transaction.atomic
def decline(*, by, application: Application, reason: str) -> Application:
    _require_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise TrackError(_("Give a reason: the applicant will read it."))
    application = Application.objects.select_for_update(of=("self",)).select_related("user").get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise TrackError(_("This application was already decided."))
    application.status = ApplicationStatus.DECLINED
    application.decline_reason = reason
    application.reviewed_by, application.reviewed_at = by, timezone.now()
    application.full_clean()
    application.save()
    audit(actor=by, action=AuditAction.DECLINE, target=application.user, application=application.pk,
          center=application.center_id, reason=reason)
    notify(users=[application.user], kind="ambassador-declined",
           title=_("Your ambassador application was not accepted this time"), body=_("Reason: %(reason)s"),
           url=lambda: reverse("ambassador_track"), params={"reason": reason})
    return application


@transaction.atomic
def confirm_practice(*, by, trainee, session, comment: str = "") -> PracticeSession:
    """The supervising facilitator confirms a trainee co-facilitated a session that has happened."""
    if not (has_role(by, FACILITATOR) or is_city_staff(by)):
        raise TrackError(_("Only a facilitator can confirm a supervised session."))
    supervising = (is_city_staff(by) or session.lead_id == by.pk
                   or session.facilitators.filter(pk=by.pk).exists()
                   or session.center.facilitators.filter(pk=by.pk).exists())
    if not supervising or by.pk == trainee.pk:
        raise TrackError(_("Only the facilitator who supervised this session can confirm it."))
    if not session.ambassadors.filter(pk=trainee.pk).exists():
        raise TrackError(_("%(name)s was not an ambassador at this session.") % {"name": trainee.public_name})
    if session.cancelled_at or session.starts_at > timezone.now():
        raise TrackError(_("Only a session that took place can be confirmed."))
    practice, _created = PracticeSession.objects.get_or_create(
        trainee=trainee, session=session, defaults={"supervisor": by, "comment": comment[:255]})
    return practice


@transaction.atomic
def certify(*, by, user, now: datetime | None = None) -> Certification:
    """Staff confirm a trainee who finished training and practice; the certificate is issued."""
    _require_staff(by)
    now = now or timezone.now()
    status = track_status(user=user, now=now)
    if status.certified:
        return status.certification
    if not status.ready_for_certification:
        raise TrackError(_("Not ready yet: the required courses and supervised sessions must be complete."))
    if status.certification is not None:  # an expired one: retire it, a new one replaces it
        Certification.objects.filter(pk=status.certification.pk).update(revoked_at=now)
    valid_days = TrackSettings.current().certification_valid_days
    certification = Certification(user=user, issued_at=now, expires_at=now + timedelta(days=valid_days), issued_by=by)
    certification.full_clean()
    certification.save()
    audit(actor=by, action=AuditAction.CERTIFY, target=user, certification=certification.pk,
          expires_at=certification.expires_at)
    user.groups.add(Group.objects.get_or_create(name=AMBASSADOR)[0])
    notify(users=[user], kind="ambassador-certified", title=_("You are a certified Digital City Ambassador!"),
           body=_("Your certificate is valid until %(until)s."), url=lambda: certificate_url(certification),
           params={"until": LocalDate(certification.expires_at)})
    # games connects a receiver here that issues the "digital-city-ambassador" Open Badge.
    signals.ambassador_certified.send(sender=Certification, user=user, certification=certification)
    return certification


@transaction.atomic
def renew_if_refreshed(*, user, now: datetime | None = None) -> Certification | None:
    """A refresher course completed after the last (re)issue extends the certification."""
    now = now or timezone.now()
    certification = Certification.objects.select_for_update().filter(user=user, revoked_at__isnull=True).first()
    if certification is None:
        return None
    since = certification.renewed_at or certification.issued_at

    if not RequiredCourse.objects.filter(purpose=CoursePurpose.REFRESHER).exists():
        return None
    if not completed_required_courses(user=user, purpose=CoursePurpose.REFRESHER, since=since):
        return None
    valid_days = TrackSettings.current().certification_valid_days
    certification.expires_at = max(certification.expires_at, now) + timedelta(days=valid_days) \
        if certification.expires_at > now else now + timedelta(days=valid_days)
    certification.renewed_at = now
    certification.expiry_warned_at = None
    certification.save(update_fields=["expires_at", "renewed_at", "expiry_warned_at"])
    notify(users=[user], kind="ambassador-renewed", title=_("Your ambassador certification was renewed"),
           body=_("It is now valid until %(until)s."), url=lambda: certificate_url(certification),
           params={"until": LocalDate(certification.expires_at)})
    signals.certification_renewed.send(sender=Certification, user=user, certification=certification)
    return certification


@transaction.atomic
def revoke(*, by, certification: Certification) -> Certification:
    _require_staff(by)
    if certification.revoked_at is None:
        certification.revoked_at = timezone.now()
        certification.save(update_fields=["revoked_at"])
        audit(actor=by, action=AuditAction.REVOKE, target=certification.user, certification=certification.pk)
        signals.certification_revoked.send(sender=Certification, user=certification.user, certification=certification)
    return certification


@transaction.atomic
def warn_expiring(*, now: datetime | None = None) -> int:
    """Tell ambassadors whose certification ends soon how to renew it (once per period)."""
    now = now or timezone.now()
    days = TrackSettings.current().expiry_warning_days
    expiring = list(Certification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        revoked_at__isnull=True, expiry_warned_at__isnull=True, expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days)).select_related("user"))
    for certification in expiring:
        notify(users=[certification.user], kind="certification-expiring",
               title=_("Your ambassador certification ends on %(until)s"),
               body=_("Complete the refresher course to keep leading sessions."), url=lambda: reverse("ambassador_track"),
               params={"until": LocalDate(certification.expires_at)})
        certification.expiry_warned_at = now
        certification.save(update_fields=["expiry_warned_at"])
    return len(expiring)


def certificate_url(certification: Certification) -> str:
    return reverse("ambassador_certificate", args=[certification.number])
