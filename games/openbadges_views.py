"""Open Badges 2.0 views: the hosted JSON-LD documents and pictures (no language prefix, public,
cacheable, readable from any origin) and the public page where anyone checks a badge.

A revoked assertion answers 410 Gone with the assertion JSON (revoked: true and the reason) as its
body, as the Open Badges 2.0 hosted verification section recommends; the revocation list names it
too."""

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from games import badge_art, badge_verify, openbadges
from games.models import BadgeAward, BadgeDefinition

SHORT = 60
MEDIUM = 300
LONG = 3600
LD_JSON = "application/ld+json"


def _public(response, seconds: int):
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=seconds)
    return response


def _json(data: dict, *, seconds: int, status: int = 200):
    response = JsonResponse(data, status=status, content_type=LD_JSON, json_dumps_params={"indent": 2})
    return _public(response, seconds)


@require_safe
def issuer(request):
    return _json(openbadges.issuer_profile(), seconds=MEDIUM)


@require_safe
def badge_class(request, slug):
    definition = get_object_or_404(BadgeDefinition, slug=slug)
    return _json(openbadges.badge_class(definition), seconds=MEDIUM)


@require_safe
def badge_image(request, slug):
    definition = get_object_or_404(BadgeDefinition.objects.select_related("image"), slug=slug)
    # ?lang=km: the picture a Khmer page shows (name and level in Khmer); anything else is English.
    language = "km" if request.GET.get("lang") == "km" else "en"
    return _public(HttpResponse(badge_art.badge_png(definition, language), content_type="image/png"), LONG)


def _award(uid):
    return get_object_or_404(BadgeAward.objects.select_related("badge"), uid=uid)


@require_safe
def assertion(request, uid):
    award = _award(uid)
    return _json(openbadges.assertion(award), seconds=SHORT, status=410 if award.revoked_at else 200)


@require_safe
def baked(request, uid):
    award = _award(uid)
    if award.revoked_at:
        message = gettext("This badge was revoked: %(reason)s") % {"reason": award.revocation_reason}
        return _public(HttpResponse(message, status=410, content_type="text/plain; charset=utf-8"), SHORT)
    data = openbadges.bake(badge_art.badge_png(award.badge), openbadges.assertion(award))
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{award.badge.slug}.png"'
    return _public(response, SHORT)


@require_safe
def revocations(request):
    return _json(openbadges.revocation_list(), seconds=SHORT)


# --- the verification page ---------------------------------------------------------------------


class _CappedUploadHandler(FileUploadHandler):
    """Stops reading an upload once it is bigger than any baked badge can be."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > openbadges.MAX_BAKED_BYTES:
            self.request.openbadges_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class VerifyForm(forms.Form):
    badge = forms.FileField(label=_("Badge picture (PNG)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png"}))
    url = forms.CharField(label=_("or the badge's verification link"), required=False, max_length=2000,
                          help_text=_("The link starts with %(url)s/openbadges/assertions/"))
    recipient = forms.CharField(label=_("Recipient's email or private badge link (optional)"), required=False,
                                max_length=254,
                                help_text=_("To check who the badge was given to. It is not stored."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["url"].help_text = self.fields["url"].help_text % {"url": settings.SANGKAT_PUBLIC_URL}

    def clean_badge(self):
        upload = self.cleaned_data.get("badge")
        if not upload:
            return None
        if upload.size is not None and upload.size > openbadges.MAX_BAKED_BYTES:
            raise forms.ValidationError(openbadges.TOO_LARGE)
        data = upload.read(openbadges.MAX_BAKED_BYTES + 1)
        try:
            return openbadges.unbake(data)
        except openbadges.BakedBadgeError as error:
            raise forms.ValidationError(error.message) from error

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        baked, url = cleaned.get("badge"), (cleaned.get("url") or "").strip()
        if baked is None and not url:
            raise forms.ValidationError(_("Upload a badge picture or paste its verification link."))
        cleaned["subject"] = baked if baked is not None else url
        return cleaned


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    # Uploads are capped while they are read, so the handler goes in before anything reads
    # request.POST; the CSRF check then runs inside (csrf_protect) rather than in the middleware.
    if request.method == "POST":
        request.upload_handlers.insert(0, _CappedUploadHandler(request))
    return _verify(request)


@csrf_protect
def _verify(request):
    result = recipient_match = None
    too_large = False
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        too_large = declared > openbadges.MAX_BAKED_BYTES + 64 * 1024
        if too_large:
            form = VerifyForm()
        else:
            form = VerifyForm(request.POST, request.FILES)
            too_large = getattr(request, "openbadges_too_large", False)
            if too_large:
                form = VerifyForm(initial={"url": request.POST.get("url", ""),
                                           "recipient": request.POST.get("recipient", "")})
    elif "url" in request.GET:
        form = VerifyForm(request.GET)
    else:
        form = VerifyForm()

    upload_error = openbadges.TOO_LARGE if too_large else None
    if form.is_bound and form.is_valid():
        result = badge_verify.verify(form.cleaned_data["subject"])
        recipient_match = badge_verify.check_recipient(result, form.cleaned_data.get("recipient", ""))
    invalid = upload_error is not None or (form.is_bound and not form.is_valid())
    context = {
        "form": form,
        "upload_error": upload_error,
        "result": result,
        "recipient_checked": bool(form.is_bound and form.is_valid() and form.cleaned_data.get("recipient")),
        "recipient_match": recipient_match,
    }
    response = render(request, "games/openbadges/verify.html", context, status=400 if invalid else 200)
    patch_cache_control(response, private=True, no_store=True)
    return response
