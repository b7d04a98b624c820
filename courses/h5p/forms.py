"""The admin form that adds an H5P activity from an uploaded `.h5p` or from the address of one."""

from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from courses.h5p import services
from courses.h5p.validation import PackageRejected, max_bytes, validate_package


def settle_package_fields(form, *upload_fields: str) -> None:
    """An uploaded package's admin form (H5P, SCORM): an installed package is never replaced in
    place (lessons use it), so its upload fields go and its title is required once it is ready; a
    new one may leave the title empty to take the one inside the package."""
    if form.instance.pk:
        for name in upload_fields:
            form.fields.pop(name, None)
        if "title" in form.fields:
            form.fields["title"].required = form.instance.is_ready
    elif "title" in form.fields:
        form.fields["title"].required = False
        form.fields["title"].help_text = _("Leave empty to use the title inside the package.")


class H5PPackageForm(WagtailAdminModelForm):
    """An upload is checked here, at once; a package at an address is downloaded and checked by the
    background task that installs either (see services.add_package)."""

    package_file = forms.FileField(
        label=gettext_lazy("H5P file"), required=False,
        help_text=gettext_lazy("A .h5p file exported from H5P, Lumi or h5p.org, with its libraries inside."),
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p,application/zip"}),
    )
    package_url = forms.URLField(
        label=gettext_lazy("or the address of a .h5p file"), required=False, assume_scheme="https",
        help_text=gettext_lazy("Sangkat downloads it in the background and checks it like an upload."),
        validators=[URLValidator(
            schemes=["http", "https"], code="scheme",  # not "invalid": the field would swap in its own message
            message=gettext_lazy("Only http:// and https:// addresses can be used."),
        )],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._package_title = ""
        settle_package_fields(self, "package_file", "package_url")

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        upload, url = data.get("package_file"), data.get("package_url")
        if "package_url" in self.errors:
            return data
        if bool(upload) == bool(url):
            raise forms.ValidationError(_("Choose a .h5p file, or give the address of one (not both)."))
        if url and "@" in urlsplit(url).netloc:
            # Never stored nor sent (the download refuses it too): say so at once.
            self.add_error("package_url", _("Addresses with a user name or password cannot be used."))
            return data
        if upload:
            if upload.size > max_bytes():
                self.add_error("package_file", _("The file is bigger than %(limit)s.") % {"limit": filesizeformat(max_bytes())})
                return data
            try:
                self._package_title = validate_package(upload).title
            except PackageRejected as rejected:
                self.add_error("package_file", rejected.message)
        return data

    def save(self, commit=True):
        if self.instance.pk:
            # Only the title is edited here; the install task may be changing the rest of the row.
            package = super().save(commit=False)
            if commit:
                package.save(update_fields=["title"])
            return package
        self.instance = services.add_package(
            upload=self.cleaned_data.get("package_file"), url=self.cleaned_data.get("package_url") or "",
            title=self.cleaned_data.get("title") or self._package_title, uploaded_by=self.for_user,
        )
        return self.instance
