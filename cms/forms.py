"""Forms for sign-up, login, profile and staff help, with messages in the user's language."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.users.forms import UserCreationForm, UserEditForm

from cms.models import AgeBand, Gender, Language
from cms.phones import normalize_phone

User = get_user_model()


class PhoneField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        phone = normalize_phone(value)
        if phone is None:
            raise forms.ValidationError(_("This is not a phone number we recognise. Example: 012 345 678"))
        return phone


def password_rules() -> str:
    """The rules AUTH_PASSWORD_VALIDATORS enforce, said before the first try rather than after."""
    min_length = next((
        validator.min_length for validator in password_validation.get_default_password_validators()
        if isinstance(validator, password_validation.MinimumLengthValidator)
    ), 8)
    return ngettext(
        "At least %(count)d character, not only numbers, not a common password like “password123”, "
        "and not like your username.",
        "At least %(count)d characters, not only numbers, not a common password like “password123”, "
        "and not like your username.",
        min_length,
    ) % {"count": min_length}


def center_label(center) -> str:
    """A center as a choice: on a phone a closed list shows only the start of a name, and names
    start alike ("Smart Neighborhood Center – ..."), so the neighborhood comes first."""
    neighborhood = center.local_neighborhood
    return f"{neighborhood} · {center.local_name}" if neighborhood else center.local_name


def _center_choices(field: forms.ModelChoiceField) -> None:
    # The centers of the user model's home_center relation (labs.Center), as the model form made them.
    field.queryset = field.queryset.order_by("neighborhood", "name")
    field.label_from_instance = center_label
    field.required = False


def check_new_password(form: forms.Form, user) -> None:
    """Both password fields agree and the password passes Django's validators for this user."""
    p1, p2 = form.cleaned_data.get("password1"), form.cleaned_data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", _("The two passwords are not the same."))
    elif p1:
        try:
            password_validation.validate_password(p1, user)
        except forms.ValidationError as error:
            form.add_error("password1", error)


class SignUpForm(forms.ModelForm):
    # Several accounts may share a phone (siblings, a mother and her daughter): no uniqueness
    # check, and so the form never tells anyone that a number is already in use.
    phone = PhoneField(
        label=_("Phone number (optional)"), required=False, max_length=30,
        help_text=_("If no one else uses this number for Sangkat, you can log in with it instead "
                    "of your username."),
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ["username", "nickname", "display_name", "phone", "age_band", "gender", "home_center", "preferred_language"]
        labels = {
            "username": _("Username"),
            "nickname": _("Nickname others will see"),
            "display_name": _("Your full name (optional)"),
            "age_band": _("Your age"),
            "gender": _("Gender (optional)"),
            "home_center": _("Your neighborhood center"),
            "preferred_language": _("Language"),
        }
        help_texts = {
            "username": _("Letters, numbers and . _ - only. You use it to log in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age_band"].required = True
        self.fields["age_band"].choices = [("", _("Choose…"))] + list(AgeBand.choices)
        self.fields["gender"].choices = list(Gender.choices)
        _center_choices(self.fields["home_center"])
        self.fields["preferred_language"].choices = list(Language.choices)
        # The language of the page she signs up from is the likeliest one she reads.
        page_language = (get_language() or "").split("-")[0]
        if page_language in Language.values:
            self.fields["preferred_language"].initial = page_language
        self.fields["password1"].help_text = password_rules()
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken. Please choose another one."))
        if normalize_phone(username):
            raise forms.ValidationError(_("A username cannot be a phone number. Put your number in the phone field."))
        return username

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, User(username=cleaned.get("username", ""), nickname=cleaned.get("nickname", "")))
        return cleaned


def lockout_message(request=None) -> str:
    """Why a login is refused: too many wrong passwords for this account, or from this address."""
    from axes.helpers import get_cool_off

    minutes = max(1, round(get_cool_off().total_seconds() / 60))
    if getattr(request, "sangkat_address_locked", False):
        return ngettext(
            "Too many wrong passwords from this network. To keep everyone's accounts safe, logging "
            "in from here is paused for %(minutes)d minute. Try again later, or ask the staff at "
            "your center for help.",
            "Too many wrong passwords from this network. To keep everyone's accounts safe, logging "
            "in from here is paused for %(minutes)d minutes. Try again later, or ask the staff at "
            "your center for help.",
            minutes,
        ) % {"minutes": minutes}
    return ngettext(
        "Too many wrong passwords for this account. To keep it safe, logging in is paused for "
        "%(minutes)d minute. Try again later, or ask the staff at your center for a new password.",
        "Too many wrong passwords for this account. To keep it safe, logging in is paused for "
        "%(minutes)d minutes. Try again later, or ask the staff at your center for a new password.",
        minutes,
    ) % {"minutes": minutes}


def shared_phone_message() -> str:
    return _("Several accounts use this phone number, so it cannot be used to log in. "
             "Please log in with your username instead. If you have forgotten it, ask the staff "
             "at your center.")


class LockoutMessageMixin:
    """Say why the login is refused: django-axes has paused logins for this account or address,
    or the phone number typed is shared by several accounts (the right password was typed for
    one of them, see `cms.auth.UsernameOrPhoneBackend`) and the username is needed."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(lockout_message(self.request), code="locked_out") from None
            if getattr(self.request, "sangkat_shared_phone", False):
                raise forms.ValidationError(shared_phone_message(), code="shared_phone") from None
            raise


class AdminLoginForm(LockoutMessageMixin, WagtailLoginForm):
    pass


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Username or phone number"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _("That username or phone number and password do not match. Please try again."),
        "inactive": _("This account is switched off. Please ask the staff at your center."),
    }


class ProfileForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone number (optional)"), required=False, max_length=30)

    class Meta:
        model = User
        fields = ["nickname", "display_name", "phone", "age_band", "gender", "home_center", "preferred_language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["age_band"].required = True
        _center_choices(self.fields["home_center"])


class NewPasswordForm(forms.Form):
    password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_rules()

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, self.user)
        return cleaned


_SANGKAT_ADMIN_FIELDS = [
    "phone", "display_name", "nickname", "home_center", "preferred_language",
    "age_band", "guardian_consent", "gender", "must_change_password",
]


class WagtailUserCreationForm(UserCreationForm):
    phone = PhoneField(label=_("Phone number"), required=False, max_length=30)

    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(_SANGKAT_ADMIN_FIELDS)


class WagtailUserEditForm(UserEditForm):
    phone = PhoneField(label=_("Phone number"), required=False, max_length=30)

    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(_SANGKAT_ADMIN_FIELDS)
