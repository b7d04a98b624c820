"""Neighborhood centers: the places where learning and co-design happen."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cms.roles import FACILITATOR, has_role, is_city_staff
from labs import hooks


class Center(models.Model):
    """A Smart Neighborhood Center (living lab). Names are kept in English and Khmer."""

    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name (English)"), max_length=120)
    name_km = models.CharField(_("name (Khmer)"), max_length=120, blank=True)
    neighborhood = models.CharField(_("neighborhood (English)"), max_length=120, blank=True)
    neighborhood_km = models.CharField(_("neighborhood (Khmer)"), max_length=120, blank=True)
    address = models.CharField(_("address (English)"), max_length=255, blank=True)
    address_km = models.CharField(_("address (Khmer)"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(_("opening hours (English)"), max_length=255, blank=True)
    opening_hours_km = models.CharField(_("opening hours (Khmer)"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=20)
    pcs = models.PositiveIntegerField(_("PCs"), default=0)
    minecraft_pcs = models.PositiveIntegerField(_("Minecraft-ready PCs"), default=0)
    wifi_hotspot = models.BooleanField(_("Wi-Fi hotspot"), default=False)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitators"), blank=True,
        related_name="facilitated_centers",
    )

    class Meta:
        verbose_name = _("neighborhood center")
        verbose_name_plural = _("neighborhood centers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minecraft_pcs__lte=models.F("pcs")),
                name="center_minecraft_pcs_within_pcs",
            )
        ]

    def __str__(self) -> str:
        return self.local_name

    def _localized(self, field: str) -> str:
        if (get_language() or "").startswith("km"):
            return getattr(self, f"{field}_km") or getattr(self, field)
        return getattr(self, field)

    @property
    def local_name(self) -> str:
        return self._localized("name")

    @property
    def local_neighborhood(self) -> str:
        return self._localized("neighborhood")

    @property
    def local_address(self) -> str:
        return self._localized("address")

    @property
    def local_opening_hours(self) -> str:
        return self._localized("opening_hours")


def _new_checkin_code() -> str:
    import secrets

    # No 0/O, 1/I: the code is read off a screen or a printed sheet in a noisy room.
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))


class SessionKind(models.TextChoices):
    CLASS = "class", _("Class (course)")
    BLOCK_BY_BLOCK = "blockbyblock", _("Block-by-Block co-design")
    HER_CITY = "hercity", _("Her City workshop")
    LIVING_LAB = "livinglab", _("Living-lab meeting")
    OPEN_LAB = "openlab", _("Open lab")


class Audience(models.TextChoices):
    OPEN = "open", _("Everyone")
    WOMEN_AND_GIRLS = "women", _("Women and girls only")
    YOUTH = "youth", _("Youth only")


class Session(models.Model):
    """A scheduled activity at a center: a class, a co-design session, a workshop or a meeting."""

    center = models.ForeignKey(Center, verbose_name=_("center"), on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.CLASS)
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"), default=20)
    audience = models.CharField(_("who can come"), max_length=10, choices=Audience.choices, default=Audience.OPEN)
    course_key = models.UUIDField(
        _("course"), null=True, blank=True,
        help_text=_("For a class: the course it teaches (its translation key)."),
    )
    lesson_key = models.UUIDField(
        _("lesson"), null=True, blank=True,
        help_text=_("For a class: the lesson it covers, if one."),
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitators"), blank=True, related_name="facilitated_sessions",
    )
    ambassadors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("ambassadors"), blank=True, related_name="ambassador_sessions",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    workshop = models.CharField(
        _("workshop"), max_length=150, blank=True,
        help_text=_("For a workshop: which one (for example the Her City process it belongs to)."),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="led_sessions",
        help_text=_("The person who runs the session: a facilitator or a certified ambassador."),
    )
    checkin_code = models.CharField(_("check-in code"), max_length=8, default=_new_checkin_code, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    report_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["center", "starts_at"], name="session_center_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def clean(self):
        # Also checked in the admin: an ambassador without a valid certification cannot lead.
        if self.lead_id and self.starts_at:
            refusal = self.lead_refusal()
            if refusal:
                raise ValidationError({"lead": refusal})

    def lead_refusal(self):
        """Why the lead may not lead, or None: facilitators, staff, ambassadors certified then (labs.hooks)."""
        lead = self.lead
        if lead is None or has_role(lead, FACILITATOR) or is_city_staff(lead):
            return None
        if not hooks.is_certified_ambassador(user=lead, at=self.starts_at):
            return (_("%(name)s has no valid ambassador certification on that date, so cannot lead "
                      "a session. Add them as a co-facilitating ambassador instead.")
                    % {"name": lead.public_name})
        return None


# --- Sessions in practice: lead, check-in code, registrations, attendance, reports ---------------

class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """A person's place (or place in the queue) at a session. One row per person and session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_registrations")
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.REGISTERED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("registration")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_registration_per_session"),
            models.CheckConstraint(condition=models.Q(status__in=[c.value for c in RegistrationStatus]),
                                   name="registration_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.session} ({self.status})"


class AttendanceMethod(models.TextChoices):
    ROSTER = "roster", _("Ticked on the roster")
    QR = "qr", _("Checked in with the code")
    WALK_IN = "walkin", _("Walk-in")


class Attendance(models.Model):
    """One person present at one session.

    Age band and gender are copied at the time of attendance, so reports and dashboards count
    walk-ins without accounts the same way, and stay true when a profile changes later.
    `client_key` is generated by the device that recorded the mark: a retry never doubles it.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="attendance")
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    age_band = models.CharField(_("age"), max_length=8, blank=True)
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    method = models.CharField(_("how"), max_length=10, choices=AttendanceMethod.choices)
    client_key = models.UUIDField(_("device key"), unique=True, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], condition=models.Q(user__isnull=False),
                                    name="one_attendance_per_person"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(nickname=""),
                                   name="attendance_names_someone"),
        ]

    def __str__(self) -> str:
        return f"{self.nickname} @ {self.session}"


class SessionReport(models.Model):
    """What happened at a session, filed by the person who ran it. Counts are computed, not typed."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="report")
    notes = models.TextField(_("notes"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    counts = models.JSONField(_("attendance counts"), default=dict, editable=False)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session report")

    def __str__(self) -> str:
        return f"{_('Report')}: {self.session}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(SessionReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="session-reports/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")

    def __str__(self) -> str:
        return self.image.name


# --- Public center pages (Wagtail) ---------------------------------------------------------------

from wagtail.admin.panels import FieldPanel  # noqa: E402
from wagtail.fields import RichTextField  # noqa: E402
from wagtail.models import Page  # noqa: E402


class CenterIndexPage(Page):
    """The list of neighborhood centers."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["labs.CenterPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("center list")

    def get_context(self, request, *args, **kwargs):
        # Here, not at the top: labs.selectors imports these models (a models module loads before anything that uses it).
        from labs.selectors import center_pages

        context = super().get_context(request, *args, **kwargs)
        context["center_pages"] = center_pages(index=self)
        return context


class CenterPage(Page):
    """A center's public page: where it is, when it is open, what it has, and what is on this week."""

    center = models.ForeignKey(Center, verbose_name=_("center"), on_delete=models.PROTECT, related_name="+")
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    content_panels = Page.content_panels + [FieldPanel("center"), FieldPanel("intro")]
    parent_page_types = ["labs.CenterIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("center page")

    def get_context(self, request, *args, **kwargs):
        # Here, not at the top: labs.selectors imports these models (a models module loads before anything that uses it).
        from labs.selectors import sessions_this_week

        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = sessions_this_week(center=self.center, user=request.user)
        return context


# --- Dashboard rollup (kept by labs.rollup in the transaction that changes attendance or a session) -----

class DaySetField(models.TextField):
    """A set of calendar days. PostgreSQL stores it as a `datemultirange` (indexable, `&&` in SQL);
    other databases as the same text. The Python value is always the canonical PostgreSQL text
    form, e.g. "{[2026-01-05,2026-01-07),[2026-02-01,2026-02-02)}" (consecutive days merged)."""

    def db_type(self, connection):
        return "datemultirange" if connection.vendor == "postgresql" else super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, str):
            return value
        # psycopg hands back a Multirange of half-open date ranges.
        return "{" + ",".join(f"[{r.lower.isoformat()},{r.upper.isoformat()})" for r in value) + "}"


class SessionTally(models.Model):
    """Attendance counts of one session, so the dashboard sums a row per session, not per presence.

    Summable figures only (people present, walk-ins without an account, women and girls, youth):
    unique learners with an account cannot be summed and come from LearnerDays.
    """

    session = models.OneToOneField(Session, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    attendance = models.PositiveIntegerField(default=0)
    walk_ins = models.PositiveIntegerField(default=0)
    women = models.PositiveIntegerField(default=0)
    youth = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("session tally")

    def __str__(self) -> str:
        return f"{self.session_id}: {self.attendance}"


class LearnerDays(models.Model):
    """The days a person with an account came to a center's (not cancelled) sessions.

    One row per center and person, so "unique learners in a period" is a count of rows whose days
    touch the period: exact for any period of whole days, without reading every presence.
    """

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    days = DaySetField()

    class Meta:
        verbose_name = _("learner days")
        verbose_name_plural = _("learner days")
        constraints = [
            models.UniqueConstraint(fields=["center", "user"], name="learner_days_once"),
            models.CheckConstraint(condition=models.Q(first_day__lte=models.F("last_day")),
                                   name="learner_days_ordered"),
        ]
        # Covers "first and last day inside the period": most learners of a period, counted from the index.
        indexes = [models.Index(fields=["center", "last_day", "first_day"], name="learner_days_span")]

    def __str__(self) -> str:
        return f"{self.center_id}/{self.user_id}: {self.days}"


@DaySetField.register_lookup
class TouchesDays(models.Lookup):
    """`days__touches=(first, last)`: the set has a day in [first, last]. PostgreSQL only (`&&`, GiST)."""

    lookup_name = "touches"

    def get_prep_lookup(self):
        return self.rhs

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            raise NotImplementedError("days__touches needs PostgreSQL; labs.rollup.touches() is the fallback")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        first, last = self.rhs
        return f"{lhs} && daterange(%s, %s, '[]')", [*lhs_params, first, last]
