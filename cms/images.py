"""The one check of an uploaded picture and the one re-encoder (report photos, proposal photos,
Block by Block heightmaps): the content decides, never the name or the browser's content type."""

import io

from PIL import Image, ImageOps


class ImageRefused(ValueError):
    """`reason`: "too_big" (bytes), "not_image" (Pillow cannot read it), "format" (not one allowed,
    or more pixels than allowed). Each app words its own message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_image(upload, *, max_bytes: int, formats, max_pixels: int | None = None) -> str:
    """The Pillow format of an upload that is a whole picture of an allowed format; the upload is
    rewound for whoever reads it next."""
    if upload.size and upload.size > max_bytes:
        raise ImageRefused("too_big")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            found, pixels = image.format, image.width * image.height
            image.verify()
    except Exception:  # whatever a hostile file makes Pillow raise (bombs included)
        raise ImageRefused("not_image") from None
    finally:
        upload.seek(0)
    if found not in formats or (max_pixels is not None and pixels > max_pixels):
        raise ImageRefused("format")
    return found


def reencode_image(image, *, max_side: int, format: str) -> tuple[bytes, tuple[int, int]]:
    """An opened Pillow image as new `format` bytes: turned upright, at most `max_side` a side, pixels only.

    Re-encoding the pixels without `exif=` is what drops the metadata (EXIF, the camera's GPS position).
    """
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant
    if format == "JPEG":
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    options = {"JPEG": {"quality": 82, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 82}}
    image.save(out, format=format, **options.get(format, {}))
    return out.getvalue(), image.size
