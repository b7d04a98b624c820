"""Photos and attachments of proposals: checked, cleaned, and photo renditions."""

from django.utils.translation import gettext_lazy as _

from cms.images import ImageRefused, check_image, reencode_image
from labs.participation.models import ProposalFile
from labs.participation.services.checks import (
    MAX_ATTACHMENT_BYTES,
    MAX_IMAGE_BYTES,
    ParticipationError,
)

IMAGE_MAX_SIDE = 2048
# The widths a proposal photo is served at besides its original (`?size=` on participation:file).
RENDITION_WIDTHS = (800, 1600)
_IMAGE_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
_FORMAT_OF_SUFFIX = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def _validate_image(f) -> str:
    """Check the upload is a photo by its content; answer the file suffix its format calls for."""
    try:
        return _IMAGE_SUFFIX[check_image(f, max_bytes=MAX_IMAGE_BYTES, formats=_IMAGE_SUFFIX)]
    except ImageRefused as refused:
        if refused.reason == "too_big":
            raise ParticipationError(_("Image “%(name)s” is too big (at most 5 MB).") % {"name": f.name}) from None
        raise ParticipationError(_("“%(name)s” is not a photo (JPEG, PNG, GIF or WebP).") % {"name": f.name}) from None


def clean_image(f, suffix: str):
    """The photo to store, in the format it came in: no metadata (EXIF, GPS), at most IMAGE_MAX_SIDE a side.
    GIFs (no location metadata; maybe animated) are kept as sent. `f` has passed _validate_image."""
    from django.core.files.base import ContentFile
    from PIL import Image

    f.seek(0)
    if suffix not in _FORMAT_OF_SUFFIX:
        return f
    with Image.open(f) as image:
        content, _size = reencode_image(image, max_side=IMAGE_MAX_SIDE, format=_FORMAT_OF_SUFFIX[suffix])
    f.seek(0)
    return ContentFile(content)


def photo_rendition(pf: ProposalFile, width: int):
    """The photo `pf` at most `width` px wide, as a JPEG made once with Pillow and kept in storage next
    to the original (`private/participation/<random>.w800.jpg`); the original itself when it is
    already that narrow, is a GIF (maybe animated) or cannot be read. The caller has already checked
    that the visitor may see `pf`; the rendition goes out through the same view, never on its own."""
    from django.core.files.base import ContentFile
    from django.db.models.fields.files import FieldFile
    from PIL import Image

    original = pf.file
    if width not in RENDITION_WIDTHS or pf.kind != ProposalFile.Kind.IMAGE or not original:
        raise ValueError(width)
    stem, suffix = original.name.rsplit(".", 1) if "." in original.name else (original.name, "")
    if suffix.lower() not in ("jpg", "jpeg", "png", "webp"):
        return original
    name = f"{stem}.w{width}.jpg"
    storage = original.storage
    rendition = FieldFile(pf, original.field, name)
    if storage.exists(name):
        return rendition
    try:
        with original.open("rb") as handle, Image.open(handle) as image:
            if image.width <= width:
                return original
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            # `width` wide whatever the shape: a portrait photo keeps its height in proportion
            longest = max(width, -(-image.height * width // image.width))
            content, _size = reencode_image(image, max_side=longest, format="JPEG")
    except (OSError, ValueError, Image.DecompressionBombError):
        return original
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # another request made it at the same moment: keep theirs
        storage.delete(saved)
    return rendition


def _validate_attachment(f) -> str:
    if f.size > MAX_ATTACHMENT_BYTES:
        raise ParticipationError(_("File “%(name)s” is too big (at most 10 MB).") % {"name": f.name}) from None
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return ".pdf"
    try:
        return _validate_image(f)
    except ParticipationError:
        raise ParticipationError(_("“%(name)s” must be a PDF or a photo.") % {"name": f.name}) from None
