"""The admin form that adds a SCORM package from an uploaded zip, checked at once."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from courses.h5p.forms import settle_package_fields
from courses.h5p.validation import max_bytes
from courses.scorm import services
from courses.scorm.validation import PackageRejected, validate_package


class ScormPackageForm(WagtailAdminModelForm):
    """The zip is checked here, before anything is stored; a background task installs it."""

    package_file = forms.FileField(
        label=gettext_lazy("SCORM package (.zip)"), required=False,
        help_text=gettext_lazy("A SCORM 1.2 or SCORM 2004 zip with imsmanifest.xml at its top, "
                               "as exported by the authoring tool."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._validated = None
        settle_package_fields(self, "package_file")

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        upload = data.get("package_file")
        if not upload:
            self.add_error("package_file", _("Choose a SCORM package (.zip)."))
            return data
        if upload.size > max_bytes():
            self.add_error("package_file", _("The file is bigger than %(limit)s.") % {"limit": filesizeformat(max_bytes())})
            return data
        try:
            self._validated = validate_package(upload)
        except PackageRejected as rejected:
            self.add_error("package_file", rejected.message)
        return data

    def save(self, commit=True):
        if self.instance.pk:
            package = super().save(commit=False)
            if commit:
                package.save(update_fields=["title"])
            return package
        upload = self.cleaned_data["package_file"]
        upload.seek(0)
        self.instance = services.add_package(
            upload=upload, uploaded_by=self.for_user, validated=self._validated,
            title=self.cleaned_data.get("title") or (self._validated.title if self._validated else ""),
        )
        return self.instance
