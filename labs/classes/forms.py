"""Forms of the class pages: what the facilitator types or uploads, checked before any service runs."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import AgeBand, Gender
from labs.classes.models import SignInKind


class ClassForm(forms.Form):
    center = forms.TypedChoiceField(label=_("Center"), coerce=int)
    name = forms.CharField(label=_("Class name"), max_length=80)
    sign_in_kind = forms.ChoiceField(label=_("How learners sign in"), choices=SignInKind.choices,
                                     initial=SignInKind.PASSWORD,
                                     help_text=_("Pictures or a PIN work on this center's registered computers; "
                                                 "after their login card, learners choose them."))

    def __init__(self, *args, centers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].choices = [(c.pk, c.local_name) for c in centers]


class SignInKindForm(forms.Form):
    sign_in_kind = forms.ChoiceField(label=_("How learners sign in"), choices=SignInKind.choices,
                                     widget=forms.RadioSelect)


class NewLearnerForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=40,
                               help_text=_("The only name others see. Khmer letters are fine."))
    display_name = forms.CharField(label=_("Full name (optional)"), max_length=100, required=False)
    age_band = forms.ChoiceField(label=_("Age"), choices=[("", "—")] + list(AgeBand.choices))
    gender = forms.ChoiceField(label=_("Gender (optional)"), choices=Gender.choices, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone (optional)"), max_length=30, required=False)


class ExistingLearnerForm(forms.Form):
    who = forms.CharField(label=_("Username or phone number"), max_length=150)


class RosterUploadForm(forms.Form):
    roster = forms.FileField(label=_("Roster file (CSV or XLSX)"),
                             help_text=_("First row: nickname, display name, age, gender, guardian phone."))

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        if upload.size > settings.SANGKAT_CLASS_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("This file is too big. A roster holds at most %(rows)s learners.")
                                        % {"rows": settings.SANGKAT_CLASS_IMPORT_MAX_ROWS})
        return upload


class ImportChoiceForm(forms.Form):
    only_good = forms.BooleanField(required=False)


class CourseForm(forms.Form):
    course = forms.TypedChoiceField(label=_("Course"), coerce=int)

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [(c.pk, c.title) for c in courses]


class SessionChoiceForm(forms.Form):
    session = forms.TypedChoiceField(label=_("Session"), coerce=int)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [
            (s.pk, f"{s.title} · {timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}") for s in sessions]
