"""Writes for session reports: counts from attendance, cleaned photos, filing (re-exported by labs.services)."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.images import ImageRefused, check_image, reencode_image
from cms.models import AgeBand, Gender
from labs import signals
from labs.models import (
    Attendance,
    ReportPhoto,
    Session,
    SessionReport,
)
from labs.rules import SessionError, require_run_session, session_for_update
from labs.selectors import mark_all_key, mark_all_keys  # noqa: F401  (services.mark_all_keys still works)

PHOTO_MAX_SIDE = 1600
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTOS_PER_REPORT = 6


# --- reports -------------------------------------------------------------------------------------

def attendance_counts(session: Session) -> dict:
    """Counts by age band and gender, computed from attendance (never typed)."""
    from django.db.models import Count

    rows = Attendance.objects.filter(session=session).values("age_band", "gender").annotate(n=Count("pk"))
    by_age = {band: 0 for band in [*AgeBand.values, ""]}
    by_gender = {gender: 0 for gender in Gender.values}
    total = 0
    for row in rows:
        by_age[row["age_band"] if row["age_band"] in by_age else ""] += row["n"]
        by_gender[row["gender"] if row["gender"] in by_gender else ""] += row["n"]
        total += row["n"]
    return {"total": total, "age_band": by_age, "gender": by_gender}


@dataclass
class CleanPhoto:
    name: str
    content: bytes
    width: int
    height: int


def clean_photo(upload: UploadedFile) -> CleanPhoto:
    """Check that the upload is really an image, resize it, and drop its metadata (EXIF, GPS)."""
    from PIL import Image

    try:
        check_image(upload, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG", "PNG", "WEBP", "GIF", "MPO"))
        with Image.open(upload) as image:
            content, (width, height) = reencode_image(image, max_side=PHOTO_MAX_SIDE, format="JPEG")
    except ImageRefused as refused:
        message = {
            "too_big": _("%(name)s is too big (8 MB at most)."),
            "format": _("%(name)s is not a photo we can use (JPEG, PNG or WebP)."),
        }.get(refused.reason, _("%(name)s is not an image."))
        raise SessionError(message % {"name": upload.name}, field="photos") from None
    except (OSError, ValueError, Image.DecompressionBombError):
        raise SessionError(_("%(name)s is not an image.") % {"name": upload.name}, field="photos") from None
    return CleanPhoto(name=f"{uuid.uuid4().hex}.jpg", content=content, width=width, height=height)


def file_report(*, by, session: Session, notes: str, follow_ups: str, photos: list[UploadedFile] = (),
                now: datetime | None = None) -> SessionReport:
    """File the report of a session that has started. Photos are all checked before anything is saved."""
    now = now or timezone.now()
    require_run_session(user=by, session=session)
    if session.is_cancelled:
        raise SessionError(_("This session was cancelled: there is nothing to report."))
    if session.starts_at > now:
        raise SessionError(_("The report can be filed once the session has started."))
    if len(photos) > PHOTOS_PER_REPORT:
        raise SessionError(_("Add at most %(n)s photos.") % {"n": PHOTOS_PER_REPORT}, field="photos")
    cleaned = [clean_photo(upload) for upload in photos]  # all validated before any write
    return _save_report(by=by, session=session, notes=notes, follow_ups=follow_ups, cleaned=cleaned)


@transaction.atomic
def _save_report(*, by, session, notes, follow_ups, cleaned: list[CleanPhoto]) -> SessionReport:
    session = session_for_update(session.pk)
    report = SessionReport.objects.filter(session=session).first()
    first_filing = report is None
    report = report or SessionReport(session=session, filed_by=by)
    report.notes = (notes or "").strip()
    report.follow_ups = (follow_ups or "").strip()
    report.counts = attendance_counts(session)
    report.full_clean()
    report.save()
    for photo in cleaned:
        row = ReportPhoto(report=report, width=photo.width, height=photo.height)
        row.image.save(photo.name, ContentFile(photo.content), save=False)
        row.save()
    if first_filing:
        runners = {by.pk: by}
        for person in list(session.ambassadors.all()) + list(session.facilitators.all()):
            runners[person.pk] = person
        if session.lead:
            runners[session.lead.pk] = session.lead
        for person in runners.values():
            signals.session_facilitated.send(sender=SessionReport, user=person, session=session)
    return report
