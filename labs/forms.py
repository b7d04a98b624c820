"""Forms for sessions: walk-ins, reports, editing, cancelling, the dashboard period."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import AgeBand, Gender
from labs.models import Audience, Session


class WalkInForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=40)
    age_band = forms.ChoiceField(label=_("Age"), choices=[("", "—")] + list(AgeBand.choices))
    gender = forms.ChoiceField(label=_("Gender (optional)"), choices=Gender.choices, required=False)
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one field; each is checked as an image by the report service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    notes = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                            max_length=5000)
    follow_ups = forms.CharField(label=_("Follow-ups"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                 max_length=3000, help_text=_("Things to do next, and who does them."))
    photos = MultipleImageField(label=_("Photos"), required=False,
                                help_text=_("Up to 6 photos. Location data is removed from them."))


class SessionEditForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["title", "description", "workshop", "starts_at", "ends_at", "capacity", "audience"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "audience": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = Audience.choices


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=255)


class LinkWalkInForm(forms.Form):
    username = forms.CharField(label=_("Their username or phone"), max_length=150)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        return start, end


class PlanSessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["center", "kind", "title", "description", "workshop", "starts_at", "ends_at", "capacity", "audience"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "audience": forms.RadioSelect,
        }

    def __init__(self, *args, centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        self.fields["audience"].choices = Audience.choices


class SessionAmbassadorsForm(forms.Form):
    """The center's ambassadors as checkboxes; an id that is not one of them is a form error."""

    ambassadors = forms.MultipleChoiceField(
        label=_("Ambassadors at this session"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Trainees practise by co-facilitating; certified ambassadors co-facilitate."),
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(row.user.pk): row.user for row in rows}
        self.fields["ambassadors"].choices = [
            (str(row.user.pk), _("%(name)s (trainee)") % {"name": row.user.public_name} if row.trainee
             else row.user.public_name)
            for row in rows
        ]

    def chosen(self) -> list:
        return [self.people[pk] for pk in self.cleaned_data["ambassadors"]]
