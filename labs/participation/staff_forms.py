"""Forms of the staff pages: opening and editing calls, moderator decisions."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from labs.selectors import sessions_to_link

from .models import Category, PhaseKind


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CallForm(forms.Form):
    """A call and its four phases as date pairs; a phase's end date is included (it ends that night)."""

    title = forms.CharField(label=_("Topic"), max_length=200)
    question = forms.CharField(label=_("Question to residents"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("Any category"))] + list(Category.choices),
                                 required=False)
    support_limit = forms.IntegerField(
        label=_("Supports per person (optional)"), min_value=1, max_value=50, required=False,
        help_text=_("Leave empty for no limit; otherwise each person picks their top N."))
    latitude = forms.DecimalField(label=_("Area centre: latitude (optional)"), required=False, max_digits=9,
                                  decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Area centre: longitude (optional)"), required=False, max_digits=9,
                                   decimal_places=6, min_value=-180, max_value=180)
    radius_m = forms.IntegerField(label=_("Area radius in metres (optional)"), min_value=10, max_value=50000,
                                  required=False)
    sessions = forms.ModelMultipleChoiceField(
        label=_("Linked sessions (the meetings at the centers)"), queryset=sessions_to_link().none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    from_proposal = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PHASES = list(PhaseKind.choices)

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        linked = call.sessions.values("pk") if call is not None else []
        self.fields["sessions"].queryset = sessions_to_link(linked=linked)
        self.fields["sessions"].label_from_instance = (
            lambda s: f"{s.title} · {s.center.local_name} · {timezone.localtime(s.starts_at):%d %b %Y %H:%M}")
        for kind, label in self.PHASES:
            self.fields[f"{kind}_start"] = forms.DateField(
                label=_("%(phase)s: first day") % {"phase": label}, required=False,
                widget=forms.DateInput(attrs={"type": "date"}))
            self.fields[f"{kind}_end"] = forms.DateField(
                label=_("%(phase)s: last day") % {"phase": label}, required=False,
                widget=forms.DateInput(attrs={"type": "date"}))
        if call is not None and not self.is_bound:
            self.initial.update({
                "title": call.title, "question": call.question, "description": call.description,
                "category": call.category, "support_limit": call.support_limit, "latitude": call.latitude,
                "longitude": call.longitude, "radius_m": call.radius_m,
                "sessions": list(call.sessions.values_list("pk", flat=True)),
            })
            for phase in call.phases.all():
                self.initial[f"{phase.kind}_start"] = timezone.localtime(phase.starts_at).date()
                self.initial[f"{phase.kind}_end"] = (timezone.localtime(phase.ends_at) - timedelta(seconds=1)).date()

    def clean(self):
        data = super().clean()
        phases = []
        for kind, label in self.PHASES:
            start, end = data.get(f"{kind}_start"), data.get(f"{kind}_end")
            if (start is None) != (end is None):
                raise forms.ValidationError(_("%(phase)s needs both a first and a last day.") % {"phase": label})
            if start is None:
                continue
            if end < start:
                raise forms.ValidationError(_("%(phase)s ends before it starts.") % {"phase": label})
            phases.append((kind, _day_start(start), _day_start(end + timedelta(days=1))))
        if not phases:
            raise forms.ValidationError(_("Give the dates of at least one phase."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("The map point needs both latitude and longitude."))
        data["phases"] = phases
        return data

    def call_fields(self) -> dict:
        d = self.cleaned_data
        return {"title": d["title"], "question": d["question"], "description": d["description"],
                "category": d["category"], "support_limit": d["support_limit"], "latitude": d["latitude"],
                "longitude": d["longitude"], "radius_m": d["radius_m"], "sessions": list(d["sessions"]),
                "phases": d["phases"]}
