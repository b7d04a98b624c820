"""Block by Block data: sites, co-design sessions and teams, world files, snapshots, captured
builds with their renders and metrics, pins, votes, and the block-to-category table."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from cms.media import PrivateUploadTo

from . import geo
from . import palette as P
from .geo import LOCAL, WGS84


class Site(models.Model):
    """A real public space, drawn as GeoJSON, that teams redesign."""

    class CRS(models.TextChoices):
        WGS84 = WGS84, _("WGS84 longitude/latitude (GPS, OpenStreetMap)")
        LOCAL = LOCAL, _("Local metres (x east, y north)")

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_km = models.CharField(_("name (Khmer)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    geojson = models.JSONField(_("GeoJSON"), help_text=_(
        "A FeatureCollection. Each feature has a “kind” property: building (with “height” in metres), "
        "road, path, grass, plaza, water, wall, tree, bench, light or sign; “name” puts a sign in the world."))
    crs = models.CharField(_("coordinates"), max_length=8, choices=CRS.choices, default=CRS.WGS84)
    heightmap = models.ImageField(_("heightmap (optional)"), upload_to="minecraft/heightmaps/", blank=True,
                                  help_text=_("A greyscale image over the site: white is highest."))
    heightmap_max_m = models.PositiveSmallIntegerField(
        _("height of white in the heightmap (metres)"), default=0, validators=[MaxValueValidator(32)])
    width_m = models.PositiveSmallIntegerField(_("width (metres)"), default=0, editable=False)
    depth_m = models.PositiveSmallIntegerField(_("depth (metres)"), default=0, editable=False)
    preview = models.ImageField(_("plan preview"), upload_to="minecraft/sites/", blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   editable=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("name_en"), FieldPanel("name_km"), FieldPanel("description"), FieldPanel("crs"),
              FieldPanel("geojson"), FieldPanel("heightmap"), FieldPanel("heightmap_max_m")]

    class Meta:
        verbose_name = _("co-design site")
        verbose_name_plural = _("co-design sites")
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(condition=Q(width_m__lte=1024, depth_m__lte=1024), name="minecraft_site_size"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_km if get_language() == "km" and self.name_km else self.name_en

    @admin.display(description=_("plan"))
    def preview_image(self):
        if not self.preview:
            return "—"
        return format_html('<a href="{0}"><img src="{0}" alt="" style="max-height:80px"></a>', self.preview.url)

    def clean(self):
        try:
            plan = geo.parse(self.geojson, crs=self.crs)
        except ValidationError as exc:
            raise ValidationError({"geojson": exc.messages}) from None
        self.width_m, self.depth_m = plan.width, plan.depth


class TaskState(models.TextChoices):
    NONE = "", _("not started")
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("working")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class CoDesignSession(models.Model):
    """One Block-by-Block workshop: a site, teams with their own plots, a world and its builds."""

    title = models.CharField(_("title"), max_length=150)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="sessions")
    labs_session = models.ForeignKey("labs.Session", verbose_name=_("session at the center"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    call = models.ForeignKey("participation.Call", verbose_name=_("call for proposals"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    team_count = models.PositiveSmallIntegerField(_("teams"), default=4,
                                                  validators=[MinValueValidator(1), MaxValueValidator(8)])
    minecraft_version = models.CharField(_("Minecraft version"), max_length=12, default=P.MINECRAFT_VERSION,
                                         editable=False)
    server_host = models.CharField(_("game server host"), max_length=120, blank=True)
    server_port = models.PositiveIntegerField(_("game server port (mcpi)"), default=4711,
                                              validators=[MinValueValidator(1), MaxValueValidator(65535)])
    class Coordinates(models.TextChoices):
        ABSOLUTE = "absolute", _("absolute (Minetest with Sangkat's mod; RaspberryJuice set to location: ABSOLUTE)")
        RELATIVE = "relative", _("relative to the spawn point (Minecraft with RaspberryJuice as installed)")

    coordinates = models.CharField(_("game coordinates"), max_length=8, choices=Coordinates.choices,
                                   default=Coordinates.ABSOLUTE)
    # The world's spawn block, where a server in relative coordinates has its (0, 0, 0).
    spawn_x = models.IntegerField(_("spawn point x"), default=0)
    spawn_y = models.IntegerField(_("spawn point y"), default=0)
    spawn_z = models.IntegerField(_("spawn point z"), default=0)
    # The one process that reads the session's block hits on its own kept-open connection (the
    # server queues hits per connection), until when it holds that role, and what it has read.
    events_owner = models.CharField(max_length=100, blank=True, editable=False)
    events_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    events_read_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The latest stretch in which hits may have gone unread (the connection was lost); no end: still lost.
    events_lost_from = models.DateTimeField(null=True, blank=True, editable=False)
    events_lost_to = models.DateTimeField(null=True, blank=True, editable=False)
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    world_state = models.CharField(max_length=8, choices=TaskState.choices, default=TaskState.NONE, blank=True)
    world_progress = models.PositiveSmallIntegerField(default=0)
    world_error = models.CharField(max_length=300, blank=True)
    world_zip = models.FileField(upload_to=PrivateUploadTo("minecraft/worlds"), blank=True)
    world_requested_at = models.DateTimeField(null=True, blank=True)
    world_generated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-design session")
        verbose_name_plural = _("co-design sessions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(team_count__gte=1, team_count__lte=8), name="minecraft_team_count"),
            models.CheckConstraint(condition=Q(world_progress__lte=100), name="minecraft_world_progress"),
        ]

    def __str__(self):
        return self.title


class Team(models.Model):
    session = models.ForeignKey(CoDesignSession, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("team name"), max_length=60)
    index = models.PositiveSmallIntegerField(_("plot"))
    origin_x = models.IntegerField(default=0)
    origin_z = models.IntegerField(default=0)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMember", related_name="minecraft_teams")
    proposal_title = models.CharField(_("title"), max_length=150, blank=True)
    proposal_description = models.TextField(_("description"), max_length=3000, blank=True)
    proposal_id = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "index"]
        constraints = [
            models.UniqueConstraint(fields=["session", "index"], name="minecraft_one_team_per_plot"),
            models.UniqueConstraint(fields=["session", "name"], name="minecraft_unique_team_name"),
        ]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nickname = models.CharField(_("nickname"), max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="minecraft_one_membership")]

    def __str__(self):
        return self.nickname


class Snapshot(models.Model):
    """A team plot as the live bridge last read it: legacy block ids [y, z, x], zlib-compressed
    numpy; x and z start at the plot's origin, y at base_y."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(auto_now_add=True)
    shape_y = models.PositiveSmallIntegerField()
    shape_z = models.PositiveSmallIntegerField()
    shape_x = models.PositiveSmallIntegerField()
    base_y = models.IntegerField(default=48)  # the world y of layer 0
    blocks = models.BinaryField()
    # The plot as the server held it right after stamping: what captures compare against, since a
    # server may store some stamped blocks differently (pycraft turns slabs and signs into stone).
    baseline = models.BooleanField(default=False)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["team", "-taken_at"], name="minecraft_snapshot_latest")]

    def __str__(self):
        return f"{self.team} @ {self.taken_at:%Y-%m-%d %H:%M}"


class Capture(models.Model):
    """One import of the teams' builds (an uploaded world or the latest live snapshots)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("uploaded world")
        LIVE = "live", _("live snapshots")

    session = models.ForeignKey(CoDesignSession, on_delete=models.CASCADE, related_name="captures")
    source = models.CharField(max_length=8, choices=Source.choices)
    upload = models.FileField(upload_to=PrivateUploadTo("minecraft/uploads"), blank=True)
    state = models.CharField(max_length=8, choices=TaskState.choices, default=TaskState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="minecraft_capture_progress")]

    def __str__(self):
        return f"{self.session} #{self.pk}"


class TeamBuild(models.Model):
    """What one team built, measured and rendered, from one capture."""

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="builds")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="builds")
    metrics = models.JSONField(default=dict)
    diff = models.JSONField(default=dict)
    plan = models.ImageField(upload_to=PrivateUploadTo("minecraft/renders"))
    iso = models.ImageField(upload_to=PrivateUploadTo("minecraft/renders"))
    before_after = models.ImageField(upload_to=PrivateUploadTo("minecraft/renders"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["capture", "team"], name="minecraft_one_build_per_capture")]

    def __str__(self):
        return f"{self.team} #{self.capture_id}"


class Pin(models.Model):
    """A comment left on a block (a participant hits it in the game), drawn on the renders."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pins")
    x = models.IntegerField()
    y = models.IntegerField()
    z = models.IntegerField()
    text = models.CharField(_("comment"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text


class Vote(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="minecraft_one_vote_per_team")]

    def __str__(self):
        return f"{self.user_id} → {self.team}"


class BlockCategory(models.Model):
    """Which category a block counts in for metrics and diffs; staff edit these in the admin."""

    pattern = models.CharField(_("block"), max_length=80, unique=True, help_text=_(
        "A block id such as minecraft:oak_stairs, or a pattern such as minecraft:*_stairs."))
    category = models.CharField(_("category"), max_length=12, choices=[
        ("greenery", _("greenery")), ("water", _("water")), ("seating", _("seating")),
        ("lighting", _("lighting")), ("shade", _("shade")), ("paths", _("paths")), ("play", _("play")),
        ("buildings", _("buildings")), ("other", _("other")),
    ])

    panels = [FieldPanel("pattern"), FieldPanel("category")]

    class Meta:
        verbose_name = _("block category")
        verbose_name_plural = _("block categories")
        ordering = ["pattern"]

    def __str__(self):
        return f"{self.pattern} → {self.get_category_display()}"
