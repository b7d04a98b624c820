"""The admin form that adds a cmi5 course from an uploaded zip (cmi5.xml and the AUs' files)."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm

from courses.cmi5 import services
from courses.cmi5.validation import PackageRejected, validate_package
from courses.h5p.validation import max_bytes


class Cmi5CourseForm(WagtailAdminModelForm):
    """The upload is checked here, at once (a refusal stores nothing); the install runs in the background."""

    course_file = forms.FileField(
        label=gettext_lazy("cmi5 course (zip)"), required=False,
        help_text=gettext_lazy("A zip with cmi5.xml at its top level and every AU's files inside it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("course_file", None)
        elif "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Leave empty to use the title in cmi5.xml.")

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        upload = data.get("course_file")
        if not upload:
            self.add_error("course_file", _("Choose the zip of a cmi5 course."))
        elif upload.size > max_bytes():
            self.add_error("course_file", _("The file is bigger than %(limit)s.") % {"limit": filesizeformat(max_bytes())})
        else:
            try:
                validate_package(upload)
            except PackageRejected as rejected:
                self.add_error("course_file", rejected.message)
        return data

    def save(self, commit=True):
        if self.instance.pk:
            course = super().save(commit=False)
            if commit:
                course.save(update_fields=["title"])
            return course
        self.instance = services.add_course(
            upload=self.cleaned_data["course_file"], title=self.cleaned_data.get("title") or "",
            uploaded_by=self.for_user, language=get_language() or "en")
        return self.instance
