"""Forms of center devices: register a device, set a learner's picture password."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, PictureKind
from .pictures import PICTURES
from .services import DeviceError, clean_hint, clean_secret


class RegisterDeviceForm(forms.Form):
    name = forms.CharField(label=_("Name of this computer or tablet"), max_length=60,
                           help_text=_("For example: PC 3, by the window."))
    idle_minutes = forms.IntegerField(label=_("Sign out after how many minutes without activity"),
                                      min_value=MIN_IDLE_MINUTES, max_value=MAX_IDLE_MINUTES, initial=15)
    closing_time = forms.TimeField(label=_("Closing time (everyone is signed out)"), required=False,
                                   help_text=_("For example 17:30. Leave empty if the center has none."),
                                   widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


_PICTURE_CHOICES = [("", "—")] + [(key, name) for key, name in PICTURES.items()]


class PicturePasswordForm(forms.Form):
    kind = forms.ChoiceField(label=_("How she signs in"), choices=PictureKind.choices, widget=forms.RadioSelect,
                             initial=PictureKind.PICTURES)
    first = forms.ChoiceField(label=_("First picture"), choices=_PICTURE_CHOICES, required=False)
    second = forms.ChoiceField(label=_("Second picture"), choices=_PICTURE_CHOICES, required=False)
    third = forms.ChoiceField(label=_("Third picture"), choices=_PICTURE_CHOICES, required=False)
    pin = forms.CharField(label=_("PIN (4 to 6 digits)"), required=False, max_length=6,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                        "pattern": "[0-9]{4,6}"}))
    hint = forms.CharField(label=_("Hint printed on her login card (optional)"), required=False, max_length=120,
                           help_text=_("Your own words that remind her, never the pictures or the PIN: for "
                                       "example “the story we made up”. No picture names, no digits."))

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kind in PictureKind.values:
            self.fields["kind"].initial = kind

    def clean_hint(self):
        try:
            return clean_hint(self.cleaned_data.get("hint") or "")
        except DeviceError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == PictureKind.PICTURES:
            value = [data.get("first"), data.get("second"), data.get("third")]
        else:
            value = (data.get("pin") or "").strip()
        if kind:
            try:
                data["value"] = clean_secret(kind, value)
            except DeviceError as error:
                raise forms.ValidationError(error.message) from None
        return data
