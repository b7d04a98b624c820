"""Her City workshops: guided steps from a safety walk to an action plan that becomes a proposal."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.media import PrivateUploadTo

FACTORS = [
    ("lighting", _("Lighting")), ("visibility", _("Visibility")), ("openness", _("Openness")),
    ("signage", _("Signage")), ("people", _("Presence of people")), ("security", _("Presence of security")),
    ("transport", _("Transport")), ("surveillance", _("Natural surveillance")),
    ("maintenance", _("Maintenance")), ("sidewalk", _("Sidewalk")),
]
FACTOR_KEYS = [k for k, _label in FACTORS]


class Step(models.IntegerChoices):
    ASSESS = 1, _("Assess the site: safety walk")
    ENVISION = 2, _("Envision: ideas and needs")
    DESIGN = 3, _("Design: sketches, photos, Minecraft")
    PRIORITISE = 4, _("Prioritise: dot voting")
    ACTION = 5, _("Action plan")
    DONE = 6, _("Finished")


class Workshop(models.Model):
    session = models.ForeignKey("labs.Session", verbose_name=_("session"), on_delete=models.PROTECT,
                                related_name="hercity_workshops")
    site_name = models.CharField(_("site"), max_length=150)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    space = models.CharField(_("space for the result"), max_length=8, default="public",
                             choices=[("public", _("Public")), ("women", _("Women and girls space"))])
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices, default=Step.ASSESS)
    dots_per_person = models.PositiveSmallIntegerField(_("dots per person"), default=3)
    proposal = models.OneToOneField("participation.Proposal", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="hercity_workshop")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(step__gte=1, step__lte=6), name="hercity_step_range")]

    def __str__(self) -> str:
        return self.site_name


class SafetyScore(models.Model):
    """One participant's scores (1 = feels unsafe … 5 = feels safe) at one point of the walk."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    place = models.CharField(_("place"), max_length=100, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    scores = models.JSONField()
    note = models.CharField(_("note"), max_length=300, blank=True)
    photo = models.ImageField(upload_to=PrivateUploadTo("hercity"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "user", "place"], name="hercity_score_once_per_place")]

    def __str__(self) -> str:
        return f"{self.workshop_id}:{self.place}"

    @property
    def average(self) -> float:
        return sum(self.scores.values()) / len(self.scores)


class Idea(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="ideas")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    text = models.CharField(_("idea"), max_length=300)
    photo = models.ImageField(upload_to=PrivateUploadTo("hercity"), blank=True)
    link = models.CharField(_("Minecraft session link or ID"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class Dot(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="dots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="hercity_one_dot_per_idea")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.idea_id}"


class ActionItem(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="actions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    what = models.CharField(_("what"), max_length=200)
    who = models.CharField(_("who"), max_length=100, blank=True)
    when = models.CharField(_("when"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.what
