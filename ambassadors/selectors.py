"""Reads for the ambassador track: where a person is on it, certificates, the ambassador dashboard."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from ambassadors.models import (
    Application,
    ApplicationStatus,
    Certification,
    CoursePurpose,
    PracticeSession,
    RequiredCourse,
    TrackSettings,
)
from cms.roles import AMBASSADOR
from courses.selectors import completed_course_keys, course_pages_by_key
from games.receivers import AMBASSADOR_BADGE
from games.selectors import current_award
from labs.selectors import (
    people_reached,
    reports_due_for,
    sessions_of_ambassador,
    sessions_supervised_with,
    upcoming_with_registered_count,
)


def valid_certification(*, user, at: datetime | None = None) -> Certification | None:
    at = at or timezone.now()
    if not user.is_authenticated:
        return None
    return (Certification.objects.filter(user=user, revoked_at__isnull=True, issued_at__lte=at, expires_at__gt=at)
            .order_by("-expires_at").first())


def is_certified(*, user, at: datetime | None = None) -> bool:
    return valid_certification(user=user, at=at) is not None


@dataclass
class CourseStep:
    title: str
    url: str
    done: bool


@dataclass
class TrackStatus:
    application: Application | None
    courses: list[CourseStep] = field(default_factory=list)
    practice_done: int = 0
    practice_required: int = 0
    certification: Certification | None = None
    now: datetime | None = None

    @property
    def training_done(self) -> bool:
        return all(step.done for step in self.courses)

    @property
    def practice_complete(self) -> bool:
        return self.practice_done >= self.practice_required

    @property
    def ready_for_certification(self) -> bool:
        return (self.application is not None and self.application.status == ApplicationStatus.ACCEPTED
                and self.training_done and self.practice_complete)

    @property
    def certified(self) -> bool:
        return self.certification is not None and self.certification.is_valid(self.now)

    @property
    def expired(self) -> bool:
        return self.certification is not None and not self.certification.is_valid(self.now)


def _course_steps(*, user, purpose: str) -> list[CourseStep]:
    required = list(RequiredCourse.objects.filter(purpose=purpose).select_related("course"))
    keys = [r.course.translation_key for r in required]
    done = completed_course_keys(user=user, keys=keys)
    pages = course_pages_by_key(keys)
    steps = []
    for r in required:
        page = pages.get(r.course.translation_key, r.course)
        steps.append(CourseStep(title=page.title, url=page.url or "", done=r.course.translation_key in done))
    return steps


def completed_required_courses(*, user, purpose: str, since: datetime | None = None) -> bool:
    keys = [r.course.translation_key for r in RequiredCourse.objects.filter(purpose=purpose).select_related("course")]
    if not keys:
        return purpose == CoursePurpose.TRAINING
    return len(completed_course_keys(user=user, keys=keys, since=since)) == len(set(keys))


def track_status(*, user, now: datetime | None = None) -> TrackStatus:
    now = now or timezone.now()
    application = (Application.objects.filter(user=user).select_related("center").order_by("-created_at").first()
                   if user.is_authenticated else None)
    settings_row = TrackSettings.current()
    certification = Certification.objects.filter(user=user, revoked_at__isnull=True).first() \
        if user.is_authenticated else None
    return TrackStatus(
        application=application,
        courses=_course_steps(user=user, purpose=CoursePurpose.TRAINING),
        practice_done=PracticeSession.objects.filter(trainee=user).count() if user.is_authenticated else 0,
        practice_required=settings_row.practice_sessions_required,
        certification=certification, now=now,
    )


def applications_to_review():
    return (Application.objects.filter(status=ApplicationStatus.SUBMITTED)
            .select_related("user", "center").order_by("created_at"))


def trainees():
    """Accepted applicants who are not (validly) certified yet, with their progress counts."""
    return (Application.objects.filter(status=ApplicationStatus.ACCEPTED)
            .select_related("user", "center").order_by("created_at"))


def practice_to_confirm(*, supervisor, now: datetime | None = None):
    """Sessions this facilitator ran where a trainee co-facilitated and is not yet confirmed."""
    now = now or timezone.now()
    trainee_ids = Application.objects.filter(status=ApplicationStatus.ACCEPTED).values("user_id")
    sessions = sessions_supervised_with(supervisor=supervisor, ambassadors=trainee_ids, now=now, limit=50)
    confirmed = set(PracticeSession.objects.filter(session__in=[s.pk for s in sessions])
                    .values_list("session_id", "trainee_id"))
    trainee_set = set(Application.objects.filter(status=ApplicationStatus.ACCEPTED).values_list("user_id", flat=True))
    rows = []
    for session in sessions:
        for person in session.ambassadors.all():
            if person.pk in trainee_set and (session.pk, person.pk) not in confirmed and person.pk != supervisor.pk:
                rows.append((session, person))
    return rows


@dataclass
class AmbassadorDashboard:
    upcoming: list
    reports_due: list
    learners_reached: int
    certification: Certification | None
    status: TrackStatus
    badges: list


def ambassador_dashboard(*, user, now: datetime | None = None) -> AmbassadorDashboard:
    now = now or timezone.now()
    mine = sessions_of_ambassador(user)
    upcoming = upcoming_with_registered_count(mine, now=now, limit=20)
    status = track_status(user=user, now=now)
    # The report is the lead's job: a trainee who co-facilitated is not asked for one. A session
    # without a lead asks its certified ambassadors.
    reports_due = reports_due_for(user=user, unled_too=status.certified, now=now, limit=20)
    reached = people_reached(mine)
    badges = []
    if status.certification:
        badges.append(status.certification)
    return AmbassadorDashboard(upcoming=upcoming, reports_due=reports_due, learners_reached=reached,
                               certification=status.certification, status=status, badges=badges)


@dataclass
class CertificateQR:
    url: str  # what the code opens: the badge's verify page, or the certificate's public page
    svg_data_uri: str


def certificate_qr(*, certification: Certification, request) -> CertificateQR:
    """A QR code for a printed certificate: it opens the Open Badges verify page of her badge, so
    whoever holds the paper can check it is valid today; the certificate's own public page when
    no badge was issued (the page says valid, expired or revoked too)."""
    import segno
    from django.urls import reverse

    award = current_award(user=certification.user, slug=AMBASSADOR_BADGE)
    if award is not None:
        path = f"{reverse('games:openbadges:verify')}?url={award.uid}"
    else:
        path = reverse("ambassador_certificate", args=[certification.number])
    url = request.build_absolute_uri(path)
    code = segno.make(url, error="m")
    return CertificateQR(url=url, svg_data_uri=code.svg_data_uri(scale=4, dark="#111", light="#fff"))


@dataclass
class CenterAmbassador:
    user: object
    trainee: bool  # accepted, not (validly) certified: a session she co-facilitates counts as practice


def center_ambassadors(*, center, at: datetime | None = None) -> list[CenterAmbassador]:
    """The ambassadors of one center, trainees included, whom its facilitators may put on a session.

    An ambassador belongs to a center through her accepted application there or, once certified,
    her home center. Nobody else can be assigned (an id from another center is refused).
    """
    from django.contrib.auth import get_user_model

    at = at or timezone.now()
    applied_here = Application.objects.filter(center=center, status=ApplicationStatus.ACCEPTED).values("user_id")
    certified = Certification.objects.filter(revoked_at__isnull=True, issued_at__lte=at, expires_at__gt=at)
    people = (get_user_model().objects.filter(is_active=True, groups__name=AMBASSADOR)
              .filter(Q(pk__in=applied_here) | Q(home_center=center, pk__in=certified.values("user_id")))
              .distinct().order_by("nickname", "username"))
    certified_ids = set(certified.filter(user__in=people).values_list("user_id", flat=True))
    return [CenterAmbassador(user=person, trainee=person.pk not in certified_ids) for person in people]
