from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Space, State


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("What and why"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    space = forms.ChoiceField(label=_("Where"), choices=Space.choices, initial=Space.PUBLIC)
    latitude = forms.DecimalField(label=_("Latitude (optional)"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude (optional)"), required=False, max_digits=9, decimal_places=6)
    images = forms.FileField(label=_("Photo (optional)"), required=False)
    attachment = forms.FileField(label=_("Attachment, PDF (optional)"), required=False)

    def __init__(self, *args, can_use_women_space=False, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The call it answers comes from the URL (?call=), already looked up by the view; a call's
        # proposals are public (its page, supports and accountability table are the public side).
        self.call = call
        if not can_use_women_space or call is not None:
            self.fields["space"].choices = [(Space.PUBLIC, Space.PUBLIC.label)]
        if call is not None and call.category:
            self.fields["category"].initial = call.category


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[c for c in State.choices if c[0] != "submitted"])
    answer = forms.CharField(label=_("Public answer"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cost = forms.CharField(label=_("Cost (if known)"), required=False, max_length=120)
    timeline = forms.CharField(label=_("Timeline (if known)"), required=False, max_length=120)
