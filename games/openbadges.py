"""Open Badges 2.0 (hosted verification): Sangkat's issuer profile, badge classes, assertions, the
revocation list and baking (issuing). Pictures: games.badge_art; verifying: games.badge_verify.

Pure logic: views in games.openbadges_views turn these into HTTP responses. Verification only
ever looks at our own database: URLs of other sites are never fetched (no outbound requests).
"""

import io
import json
import struct
import warnings
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, PngImagePlugin

from cms.jsonchecks import UntrustedJSONError, loads_bounded
from games.models import BadgeAward, BadgeDefinition

CONTEXT = "https://w3id.org/openbadges/v2"
ISSUER_NAME = "Sangkat — Sihanoukville Smart Neighborhood Centers"
# What a page says: the same name in the reader's language (the hosted JSON keeps ISSUER_NAME).
ISSUER_DISPLAY_NAME = gettext_lazy("Sangkat — Sihanoukville Smart Neighborhood Centers")
ISSUER_EMAIL = ""  # optional in OB 2.0; set here if the city wants one published

MAX_BAKED_BYTES = 2 * 1024 * 1024
MAX_BAKED_SIDE = 4000
MAX_BAKED_PIXELS = MAX_BAKED_SIDE * MAX_BAKED_SIDE
MAX_BAKED_TEXT = 256 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKE_KEYWORD = "openbadges"


# --- URLs --------------------------------------------------------------------------------------


def _base() -> str:
    return settings.SANGKAT_PUBLIC_URL.rstrip("/") + "/openbadges"


def issuer_url() -> str:
    return f"{_base()}/issuer"


def revocation_list_url() -> str:
    return f"{_base()}/revocations"


def badge_class_url(definition: BadgeDefinition) -> str:
    return f"{_base()}/badges/{definition.slug}"


def badge_image_url(definition: BadgeDefinition) -> str:
    return f"{_base()}/badges/{definition.slug}/image.png"


def assertion_url(award: BadgeAward) -> str:
    return f"{_base()}/assertions/{award.uid}"


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- JSON-LD documents -------------------------------------------------------------------------


def issuer_profile() -> dict:
    profile = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": ISSUER_NAME,
        "url": settings.SANGKAT_PUBLIC_URL.rstrip("/") + "/",
        "revocationList": revocation_list_url(),
    }
    if ISSUER_EMAIL:
        profile["email"] = ISSUER_EMAIL
    return profile


def badge_class(definition: BadgeDefinition) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(definition),
        "name": definition.name_en,
        "description": definition.description_en,
        "image": badge_image_url(definition),
        "criteria": {"narrative": definition.criteria_en or definition.description_en},
        "issuer": issuer_url(),
    }


def assertion(award: BadgeAward) -> dict:
    data = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {
            "type": award.recipient_type,
            "hashed": True,
            "salt": award.salt,
            "identity": award.recipient_hash,
        },
        "badge": badge_class_url(award.badge),
        "issuedOn": iso_utc(award.issued_at),
        "verification": {"type": "hosted"},
    }
    if award.expires_at:
        data["expires"] = iso_utc(award.expires_at)
    if award.revoked_at:
        data["revoked"] = True
        data["revocationReason"] = award.revocation_reason
    return data


def revocation_list() -> dict:
    revoked = (BadgeAward.objects.filter(revoked_at__isnull=False)
               .order_by("revoked_at", "pk").values_list("uid", "revocation_reason"))
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": revocation_list_url(),
        "issuer": issuer_url(),
        "revokedAssertions": [
            {"id": f"{_base()}/assertions/{uid}", "revocationReason": reason} for uid, reason in revoked
        ],
    }


# --- baking ------------------------------------------------------------------------------------


class BakedBadgeError(ValueError):
    """A file that is not a readable baked badge. `message` is shown to the person as is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


NOT_PNG = _("This file is not a PNG picture. Upload the badge picture (.png) you downloaded.")
TOO_LARGE = _("This picture is too large to be a badge. Badge pictures are under 2 MB and 4000×4000 pixels.")
NO_BADGE_DATA = _("This picture has no badge inside it. Download the badge again from the trophy page, "
                  "or paste its verification link instead.")
MALFORMED = _("The badge data inside this picture is damaged, so it cannot be checked.")


def bake(png_bytes: bytes, assertion_json: dict) -> bytes:
    """The PNG with the assertion in one iTXt chunk named "openbadges" (any earlier one is dropped)."""
    with Image.open(io.BytesIO(png_bytes)) as image:
        image.load()
        info = PngImagePlugin.PngInfo()
        info.add_itxt(BAKE_KEYWORD, json.dumps(assertion_json, ensure_ascii=False, separators=(",", ":")))
        out = io.BytesIO()
        image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _chunks(data: bytes):
    """(type, body) of each PNG chunk after the signature, checking lengths and CRCs."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 8 + length
        if end + 4 > len(data):
            raise BakedBadgeError(NOT_PNG)
        body = data[pos + 8:end]
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise BakedBadgeError(NOT_PNG)
        yield kind, body
        if kind == b"IEND":
            return
        pos = end + 4


def _badge_text(kind: bytes, body: bytes) -> str | None:
    """The text of an "openbadges" tEXt/iTXt chunk, or None for any other chunk."""
    if kind not in (b"iTXt", b"tEXt"):
        return None
    keyword, sep, rest = body.partition(b"\x00")
    if not sep or keyword != BAKE_KEYWORD.encode():
        return None
    if kind == b"tEXt":
        return rest.decode("latin-1")
    if len(rest) < 2:
        raise BakedBadgeError(MALFORMED)
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _sep, rest = rest.partition(b"\x00")
    _translated, _sep, text = rest.partition(b"\x00")
    if compressed:
        if method != 0:
            raise BakedBadgeError(MALFORMED)
        try:
            inflater = zlib.decompressobj()
            text = inflater.decompress(text, MAX_BAKED_TEXT + 1)
        except zlib.error as error:
            raise BakedBadgeError(MALFORMED) from error
        if len(text) > MAX_BAKED_TEXT or inflater.unconsumed_tail:
            raise BakedBadgeError(MALFORMED)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BakedBadgeError(MALFORMED) from error


def unbake(data: bytes) -> dict | str:
    """The assertion baked into a PNG: a dict (the JSON) or a string (an assertion URL).

    Raises BakedBadgeError with a message for people when the file is not a small PNG with
    exactly one "openbadges" chunk holding readable data."""
    if len(data) > MAX_BAKED_BYTES:
        raise BakedBadgeError(TOO_LARGE)
    if not data.startswith(PNG_SIGNATURE):
        raise BakedBadgeError(NOT_PNG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                width, height = image.size
                if width > MAX_BAKED_SIDE or height > MAX_BAKED_SIDE or width * height > MAX_BAKED_PIXELS:
                    raise BakedBadgeError(TOO_LARGE)
                image.verify()  # chunk CRCs up to IEND; pixels are never decoded
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BakedBadgeError(TOO_LARGE) from error
    except BakedBadgeError:
        raise
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as error:
        raise BakedBadgeError(NOT_PNG) from error

    texts = [text for kind, body in _chunks(data) if (text := _badge_text(kind, body)) is not None]
    if not texts:
        raise BakedBadgeError(NO_BADGE_DATA)
    if len(texts) > 1:  # the baking spec allows one; two could disagree
        raise BakedBadgeError(MALFORMED)
    text = texts[0].strip()
    if not text:
        raise BakedBadgeError(NO_BADGE_DATA)
    if text.startswith("{"):
        try:  # bounded: a deeply nested copy was a RecursionError (500) before
            value = loads_bounded(text, max_bytes=MAX_BAKED_TEXT)
        except UntrustedJSONError as error:
            raise BakedBadgeError(MALFORMED) from error
        if not isinstance(value, dict):
            raise BakedBadgeError(MALFORMED)
        return value
    if len(text) > 2000 or any(c.isspace() for c in text):
        raise BakedBadgeError(MALFORMED)
    return text
