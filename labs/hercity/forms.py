"""The facilitator's form to start a Her City workshop."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from labs.selectors import visible_sessions


class WorkshopForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Her City session"), queryset=visible_sessions(user=None).none(),
                                     error_messages={"invalid_choice": _("Choose one of your centers' Her City sessions.")})
    site_name = forms.CharField(label=_("Site (the place you will assess)"), max_length=150)
    latitude = forms.DecimalField(label=_("Latitude of the site (optional)"), required=False, max_digits=9,
                                  decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("Longitude of the site (optional)"), required=False, max_digits=9,
                                   decimal_places=6, min_value=-180, max_value=180)
    space = forms.ChoiceField(label=_("Where the resulting proposal goes"), initial="public",
                              choices=[("public", _("Public")), ("women", _("Women and girls space"))],
                              error_messages={"invalid_choice": _("Choose where the result goes.")})

    def __init__(self, *args, sessions, women_space: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not women_space:  # offered only when the result can be posted there (services.can_send_to_women_space)
            self.fields["space"].choices = [("public", _("Public"))]
            self.fields["space"].help_text = _(
                "The women and girls space is offered only to its members: they post the result there.")
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = (
            lambda s: f"{s.title} · {s.center.local_name} · {timezone.localtime(s.starts_at):%d %b %Y %H:%M}")

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("The map point needs both latitude and longitude."))
        return data
