"""Verifying an Open Badge: a baked picture, an assertion (JSON or its URL) or a reference typed on
the verify page, checked against our own database only (no URL of another site is fetched)."""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cms.phones import normalize_phone
from games.models import BadgeAward
from games.openbadges import (
    ISSUER_DISPLAY_NAME,
    _base,
    assertion,
    assertion_url,
    badge_class,
    iso_utc,
)
from games.services import hash_identity

MAX_CHANGED_SHOWN = 8  # field names of an uploaded copy listed on the verify page (they are the uploader's)


class Status:
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    TAMPERED = "tampered"
    UNKNOWN = "unknown"

    LABELS = {
        VALID: _("Valid"),
        REVOKED: _("Revoked"),
        EXPIRED: _("Expired"),
        TAMPERED: _("Changed after it was issued"),
        UNKNOWN: _("Not a Sangkat badge"),
    }


MESSAGES = {
    Status.VALID: _("Sangkat issued this badge and it is valid."),
    Status.REVOKED: _("Sangkat issued this badge but has revoked it."),
    Status.EXPIRED: _("Sangkat issued this badge but it has expired."),
    Status.TAMPERED: _("This copy does not match the badge Sangkat issued: someone changed it, or it is an "
                       "old copy from before Sangkat renewed or updated the badge. Do not trust this copy. "
                       "The details below are the ones Sangkat holds now."),
    Status.UNKNOWN: _("Sangkat can only verify the badges it issued, and this is not one of them."),
}


@dataclass
class Verification:
    status: str
    message: str = ""
    assertion_id: str = ""
    badge_slug: str = ""
    badge_name: str = ""
    issuer_name: str = ""
    issued_on: datetime | None = None
    expires: datetime | None = None
    recipient_type: str = ""
    recipient_identity: str = ""
    salt: str = ""
    revocation_reason: str = ""
    changed: tuple[str, ...] = ()

    @property
    def label(self):
        return Status.LABELS[self.status]

    @property
    def issued_by_us(self) -> bool:
        return self.status != Status.UNKNOWN

    @property
    def changed_fields(self) -> str:
        """The parts of an uploaded copy that differ from what Sangkat holds, for the page."""
        shown = [name if len(name) <= 40 else name[:39] + "…" for name in self.changed[:MAX_CHANGED_SHOWN]]
        if len(self.changed) > MAX_CHANGED_SHOWN:
            shown.append("…")
        fields = ", ".join(shown)
        return ngettext("This part of the copy differs: %(fields)s",
                        "These parts of the copy differ: %(fields)s", len(self.changed)) % {"fields": fields}


_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def _parse_uuid(text: str) -> uuid.UUID | None:
    if not _UUID_RE.fullmatch(text):
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def uid_from_reference(reference: str) -> uuid.UUID | None:
    """The uuid of one of our assertions from its URL or bare uuid; None for anything else.

    Only text is inspected: nothing is fetched."""
    reference = (reference or "").strip()
    if len(reference) > 2000:
        return None
    bare = _parse_uuid(reference)
    if bare:
        return bare
    try:
        given = urlsplit(reference)
        ours = urlsplit(_base())
    except ValueError:
        return None
    if (given.scheme.lower(), given.netloc.lower()) != (ours.scheme.lower(), ours.netloc.lower()):
        return None
    if given.query or given.fragment:
        return None
    prefix = ours.path.rstrip("/") + "/assertions/"
    if not given.path.startswith(prefix):
        return None
    return _parse_uuid(given.path[len(prefix):].rstrip("/"))


def _unknown(message=None) -> Verification:
    return Verification(status=Status.UNKNOWN, message=message or MESSAGES[Status.UNKNOWN])


def _moment(value):
    """A date in a baked copy as our hosted JSON writes it (same instant, same text), else as is."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return iso_utc(moment)


# A copy baked before a revocation does not say it was revoked: the status says it instead.
_ADDED_BY_REVOCATION = ("revoked", "revocationReason")


def _changed(baked: dict, award: BadgeAward) -> tuple[str, ...]:
    """The top-level fields of a baked assertion that differ from the one we host, sorted.

    Every field counts, including ones we never write (evidence, verify.url, image, narrative...):
    a verifier reads the copy she was given, so anything added or changed in it makes it not valid.
    An embedded badge object must be the hosted BadgeClass exactly."""
    hosted = assertion(award)
    changed = []
    for key in sorted(baked.keys() | hosted.keys()):
        if key in _ADDED_BY_REVOCATION and key not in baked:
            continue
        if key not in baked or key not in hosted:
            changed.append(key)
            continue
        mine, theirs = hosted[key], baked[key]
        if key in ("issuedOn", "expires"):
            theirs = _moment(theirs)
        elif key == "recipient" and isinstance(theirs, dict) and isinstance(theirs.get("identity"), str):
            theirs = dict(theirs, identity=theirs["identity"].lower())
            mine = dict(mine, identity=mine["identity"].lower())
        elif key == "badge" and isinstance(theirs, dict):
            mine = badge_class(award.badge)
        if _canonical(theirs) != _canonical(mine):
            changed.append(key)
    return tuple(changed)


def _canonical(value) -> str:
    """JSON text that tells true from 1 and 1.0 from 1 (Python's == does not). The copy was parsed
    with loads_bounded, so it is shallow enough to dump."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def verify(assertion_or_url: dict | str) -> Verification:
    """Check a baked assertion (dict), an assertion URL or a bare uuid against what we issued."""
    baked = assertion_or_url if isinstance(assertion_or_url, dict) else None
    reference = baked.get("id", "") if baked is not None else assertion_or_url
    if not isinstance(reference, str):
        return _unknown()
    uid = uid_from_reference(reference)
    if baked is not None and uid is not None and _parse_uuid(reference.strip()):
        uid = None  # a baked assertion names itself by its full URL, never a bare uuid
    if uid is None:
        return _unknown()
    award = BadgeAward.objects.select_related("badge").filter(uid=uid).first()
    if award is None:
        return _unknown(_("Sangkat has no record of this badge. Sangkat can only verify the badges it issued."))

    changed = _changed(baked, award) if baked is not None else ()
    if changed:
        status = Status.TAMPERED
    elif award.revoked_at:
        status = Status.REVOKED
    elif award.expires_at and award.expires_at <= timezone.now():
        status = Status.EXPIRED
    else:
        status = Status.VALID
    return Verification(
        status=status, message=MESSAGES[status], assertion_id=assertion_url(award),
        badge_slug=award.badge.slug, badge_name=award.badge.name, issuer_name=ISSUER_DISPLAY_NAME,
        issued_on=award.issued_at, expires=award.expires_at, recipient_type=award.recipient_type,
        recipient_identity=award.recipient_hash, salt=award.salt,
        revocation_reason=award.revocation_reason if award.revoked_at else "", changed=changed,
    )


def check_recipient(result: Verification, identity: str) -> bool | None:
    """Whether a typed phone number or email is the one the badge was issued to.

    None when there is nothing to compare (no identity typed, or not a badge we can vouch for)."""
    identity = (identity or "").strip()
    if not identity or result.status in (Status.UNKNOWN, Status.TAMPERED) or not result.salt:
        return None
    if result.recipient_type == "email":
        candidate = identity.lower() if "@" in identity else None
    elif result.recipient_type == "telephone":
        candidate = normalize_phone(identity) if "@" not in identity else None
    else:
        candidate = identity
    if not candidate:
        return False
    return hash_identity(candidate, result.salt).lower() == result.recipient_identity.lower()
