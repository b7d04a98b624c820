"""The admin form that adds an H5P activity from an uploaded `.h5p` or from the address of one."""

from pathlib import Path

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from courses.h5p import services
from courses.h5p.validation import PackageRejected, max_bytes, validate_package


class H5PPackageForm(WagtailAdminModelForm):
    package_file = forms.FileField(
        label=gettext_lazy("H5P file"), required=False,
        help_text=gettext_lazy("A .h5p file exported from H5P, Lumi or h5p.org, with its libraries inside."),
        widget=forms.ClearableFileInput(attrs={"accept": ".h5p,application/zip"}),
    )
    package_url = forms.URLField(
        label=gettext_lazy("or the address of a .h5p file"), required=False, assume_scheme="https",
        help_text=gettext_lazy("Sangkat downloads it and checks it like an upload."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._validated = None
        self._source = None
        self._downloaded: Path | None = None
        if self.instance.pk:
            # An installed package is never replaced in place (lessons use it): upload a new one.
            self.fields.pop("package_file", None)
            self.fields.pop("package_url", None)
        elif "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Leave empty to use the title inside the package.")

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        upload, url = data.get("package_file"), data.get("package_url")
        if bool(upload) == bool(url):
            raise forms.ValidationError(_("Choose a .h5p file, or give the address of one (not both)."))
        if upload:
            if upload.size > max_bytes():
                self.add_error("package_file", _("The file is bigger than %(limit)s.") % {"limit": filesizeformat(max_bytes())})
                return data
            source = upload
            field = "package_file"
        else:
            from courses.httpclient import DownloadError, download

            try:
                self._downloaded = download(
                    url, max_bytes=max_bytes(), allowed_content_types=services.H5P_CONTENT_TYPES
                )
            except DownloadError as error:
                self.add_error("package_url", str(getattr(error, "message", error)))
                return data
            source = str(self._downloaded)
            field = "package_url"
        try:
            self._validated = validate_package(source)
        except PackageRejected as rejected:
            self.discard_download()
            self.add_error(field, rejected.message)
            return data
        self._source = source
        return data

    def discard_download(self) -> None:
        if self._downloaded is not None:
            Path(self._downloaded).unlink(missing_ok=True)
            self._downloaded = None

    def save(self, commit=True):
        if self.instance.pk:
            return super().save(commit=commit)
        try:
            self.instance = services.install_package(
                source=self._source, validated=self._validated,
                uploaded_by=self.for_user, title=self.cleaned_data.get("title") or "",
            )
        finally:
            self.discard_download()
        return self.instance
