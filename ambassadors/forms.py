from django import forms
from django.utils.translation import gettext_lazy as _

from labs.selectors import all_centers


class ApplicationForm(forms.Form):
    center = forms.ModelChoiceField(label=_("Your center"), queryset=all_centers())
    motivation = forms.CharField(label=_("Why do you want to be a Digital City Ambassador?"),
                                 widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)
    availability = forms.CharField(label=_("When are you free to run sessions?"), max_length=255,
                                   help_text=_("For example: Saturday mornings, weekday evenings."))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the applicant reads it)"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=1000)
