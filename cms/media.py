"""Restricted media: the files of the women-and-girls space and of co-design sessions.

They are stored under `private/` with random names and are never linked at their storage address:
a view first checks that the visitor may see the object, then `serve()` hands the file over. How it
is handed over is a setting (`SANGKAT_PRIVATE_MEDIA_SERVE`):

- `django` (the default, and development): Django streams the file itself (FileResponse).
- `x-accel`: nginx streams it; the response carries `X-Accel-Redirect: <SANGKAT_PRIVATE_MEDIA_INTERNAL_URL><name>`
  and nginx serves that prefix from an `internal` location (docs/deploy.md).
- `x-sendfile`: Apache (mod_xsendfile) and others; the response carries `X-Sendfile: <absolute path>`.

With media in an S3-compatible bucket the view answers with a redirect to a signed link that
expires after `SANGKAT_PRIVATE_MEDIA_URL_SECONDS`, signed even when the public media use a custom
domain or unsigned links, so a bucket that is public for other files still needs a policy that
keeps `private/` private (docs/deploy.md).
"""

import mimetypes
import posixpath
import uuid
from functools import lru_cache

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

PREFIX = "private/"
# Pictures a page shows inline; anything else is a download, and runs nothing if opened on its own.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@deconstructible
class PrivateUploadTo:
    """`upload_to` for restricted files: `private/<folder>/<random hex><suffix>`, whatever name the
    caller gave (names built from ids could be guessed, a sender's file name says who sent it)."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        suffix = posixpath.splitext(filename or "")[1].lower()[:10]
        return f"{PREFIX}{self.folder}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other):
        return isinstance(other, PrivateUploadTo) and other.folder == self.folder


def move_rows_to_private(model, field_name: str, folder: str) -> int:
    """For data migrations: move files stored before this module existed (public names built from
    ids) to private random names, row by row; a file already gone is left as it is."""
    moved = 0
    upload_to = PrivateUploadTo(folder)
    for row in model.objects.exclude(**{field_name: ""}).exclude(**{f"{field_name}__startswith": PREFIX}).iterator():
        field_file = getattr(row, field_name)
        storage, old = field_file.storage, field_file.name
        if not storage.exists(old):
            continue
        with storage.open(old, "rb") as handle:
            new = storage.save(upload_to(row, old), handle)
        model.objects.filter(pk=row.pk).update(**{field_name: new})
        storage.delete(old)
        moved += 1
    return moved


def is_private(name: str) -> bool:
    return (name or "").startswith(PREFIX)


def serve_public_media(request, path, document_root=None, show_indexes=False):
    """Development's /media/ (django.views.static.serve) without the restricted files."""
    from django.views.static import serve as serve_static

    if is_private(posixpath.normpath(path).lstrip("/") + "/"):
        raise Http404
    return serve_static(request, path, document_root=document_root, show_indexes=show_indexes)


def _is_bucket(storage) -> bool:
    return hasattr(storage, "bucket_name")


@lru_cache(maxsize=4)
def _signing_storage(seconds: int, bucket: str, endpoint: str | None, location: str):
    """A bucket storage that always signs its links, at the endpoint (never a CDN's domain).
    Kept per bucket settings: making one costs a boto3 session."""
    from storages.backends.s3 import S3Storage

    return S3Storage(bucket_name=bucket, endpoint_url=endpoint, location=location, custom_domain=None,
                     querystring_auth=True, querystring_expire=seconds)


def serve(request, field_file, *, download_name: str = "", as_attachment: bool = False) -> HttpResponse:
    """Hand over a file the calling view has already allowed; 404 if it is not there."""
    if not field_file:
        raise Http404
    name = field_file.name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = as_attachment or content_type not in INLINE_TYPES
    storage = field_file.storage
    mode = getattr(settings, "SANGKAT_PRIVATE_MEDIA_SERVE", "django")
    if _is_bucket(storage):
        seconds = int(getattr(settings, "SANGKAT_PRIVATE_MEDIA_URL_SECONDS", 60))
        params = {"ResponseContentType": content_type}
        if attachment:
            params["ResponseContentDisposition"] = content_disposition_header(
                True, download_name or posixpath.basename(name))
        signer = _signing_storage(seconds, storage.bucket_name, getattr(storage, "endpoint_url", None),
                                  getattr(storage, "location", ""))
        response = HttpResponseRedirect(signer.url(name, parameters=params))
    elif mode == "x-accel":
        response = HttpResponse(content_type=content_type)
        prefix = getattr(settings, "SANGKAT_PRIVATE_MEDIA_INTERNAL_URL", "/_private_media/")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = storage.path(name)
    else:
        try:
            handle = field_file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    if attachment and not _is_bucket(storage):
        response["Content-Disposition"] = content_disposition_header(
            True, download_name or posixpath.basename(name))
    # Only the visitor's own browser keeps it, and not for long: a removed member loses it soon.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Referrer-Policy"] = "no-referrer"
    return response
