"""Forms for Block by Block pages and the site editor in the Wagtail admin."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from labs.participation.selectors import calls
from labs.selectors import sessions_run_by

from .geo import MAX_GEOJSON_BYTES
from .models import CoDesignSession, Site


def read_geojson_file(upload):
    if upload.size > MAX_GEOJSON_BYTES:
        raise forms.ValidationError(_("The GeoJSON file is too big (at most 2 MB)."))
    try:
        return loads_bounded(upload.read(), max_bytes=MAX_GEOJSON_BYTES)
    except UntrustedJSONError:
        raise forms.ValidationError(_("This is not valid GeoJSON: the file is not JSON text.")) from None


class BoundedJSONField(forms.JSONField):
    """Django's JSON form field, reading pasted text with loads_bounded: its own json.loads lets a
    RecursionError out of deeply nested text (a 500 in the site editor)."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        try:
            loads_bounded(value, max_bytes=MAX_GEOJSON_BYTES)
        except UntrustedJSONError:
            raise forms.ValidationError(
                _("This is not valid GeoJSON: the text is not JSON."), code="invalid") from None
        return super().to_python(value)

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


class SiteAdminForm(WagtailAdminModelForm):
    """Paste GeoJSON or upload a .geojson file; the model validates the features."""

    geojson_file = forms.FileField(label=_("or upload a GeoJSON file"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "geojson" in self.fields:
            pasted = self.fields["geojson"]
            self.fields["geojson"] = BoundedJSONField(
                label=pasted.label, help_text=pasted.help_text, widget=pasted.widget,
                required=False,
                encoder=pasted.encoder, decoder=pasted.decoder, initial=pasted.initial)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("geojson_file")
        if upload:
            try:
                cleaned["geojson"] = read_geojson_file(upload)
                self.instance.geojson = cleaned["geojson"]
            except forms.ValidationError as exc:
                self.add_error("geojson_file", exc)
        if not cleaned.get("geojson") and not self.errors:
            self.add_error("geojson", _("Paste the site's GeoJSON or upload a file."))
        return cleaned


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels read as plain words, in both languages
        super().__init__(*args, **kwargs)


COORDINATES_HELP = _(
    "How the game server counts block positions. Minetest with Sangkat's mod: absolute. Minecraft with "
    "RaspberryJuice: relative to the spawn point, unless its config.yml says location: ABSOLUTE. When a "
    "player is in the game, Sangkat checks this (and finds the spawn point) as it builds the site.")


class SessionForm(_Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.all())
    team_names = forms.CharField(label=_("Teams (one name per line)"), widget=forms.Textarea(attrs={"rows": 4}),
                                 initial="Team 1\nTeam 2\nTeam 3\nTeam 4")
    call = forms.TypedChoiceField(label=_("Call for proposals the builds go to"), required=False, coerce=int,
                                  empty_value=None)
    labs_session = forms.TypedChoiceField(label=_("Session at the center"), required=False, coerce=int,
                                          empty_value=None)
    server_host = forms.CharField(label=_("Game server host (for the live session)"), max_length=120,
                                  required=False)
    server_port = forms.IntegerField(label=_("Game server port"), min_value=1, max_value=65535, initial=4711)
    coordinates = forms.ChoiceField(label=_("Game coordinates"), choices=CoDesignSession.Coordinates.choices,
                                    initial=CoDesignSession.Coordinates.ABSOLUTE, help_text=COORDINATES_HELP,
                                    required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = {c.pk: c for c in calls()}
        self.labs_sessions = {s.pk: s for s in sessions_run_by(user=user)} if user else {}
        self.fields["call"].choices = [("", "—")] + [(pk, c.title) for pk, c in self.calls.items()]
        self.fields["labs_session"].choices = [("", "—")] + [
            (pk, f"{s.title} · {s.center.name} · {s.starts_at:%Y-%m-%d}") for pk, s in self.labs_sessions.items()]

    def clean_coordinates(self):
        return self.cleaned_data.get("coordinates") or CoDesignSession.Coordinates.ABSOLUTE

    def clean_team_names(self):
        names = [n.strip() for n in self.cleaned_data["team_names"].splitlines() if n.strip()]
        if not 1 <= len(names) <= 8:
            raise forms.ValidationError(_("Write between 1 and 8 team names, one per line."))
        return names


class CoordinatesForm(_Form):
    coordinates = forms.ChoiceField(label=_("Game coordinates"), choices=CoDesignSession.Coordinates.choices,
                                    help_text=COORDINATES_HELP)
    spawn_x = forms.IntegerField(label=_("Spawn point x"), min_value=-30_000_000, max_value=30_000_000, initial=0)
    spawn_y = forms.IntegerField(label=_("Spawn point y"), min_value=-2048, max_value=2048, initial=0)
    spawn_z = forms.IntegerField(label=_("Spawn point z"), min_value=-30_000_000, max_value=30_000_000, initial=0)


class MemberForm(_Form):
    username = forms.CharField(label=_("Username or phone number"), max_length=150)
    nickname = forms.CharField(label=_("Nickname shown in public"), max_length=40, required=False)


class UploadBuildForm(_Form):
    world = forms.FileField(label=_("World zip (the world folder from .minecraft/saves, zipped)"))


class ProposalForm(_Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    description = forms.CharField(label=_("What you built and why"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 6}))
