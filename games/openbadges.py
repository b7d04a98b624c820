"""Open Badges 2.0 (hosted verification): Sangkat's issuer profile, badge classes, assertions, the
revocation list, badge pictures, baking and verifying baked badges.

Pure logic: views in games.openbadges_views turn these into HTTP responses. Verification only
ever looks at our own database: URLs of other sites are never fetched (no outbound requests).
"""

import functools
import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import uuid
import warnings
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps, PngImagePlugin

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
MAX_CHANGED_SHOWN = 8  # field names of an uploaded copy listed on the verify page (they are the uploader's)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKE_KEYWORD = "openbadges"
IMAGE_SIZE = 400
DEFAULT_COLOR = "#1f6f5c"


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


# --- the badge picture -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _font_path(bold: bool) -> str | None:
    name = "DejaVuSans-Bold" if bold else "DejaVuSans"
    for candidate in (f"/usr/share/fonts/truetype/dejavu/{name}.ttf", f"/usr/share/fonts/TTF/{name}.ttf",
                      f"/usr/share/fonts/dejavu/{name}.ttf"):
        try:
            with open(candidate, "rb"):
                return candidate
        except OSError:
            continue
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run([fc_match, "-f", "%{file}", name], capture_output=True, text=True,
                                   timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found.lower().endswith((".ttf", ".otf")):
            return found
    return None


def _khmer_font_path() -> str | None:
    for candidate in ("/usr/share/fonts/truetype/khmeros/KhmerOS.ttf",
                      "/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf",
                      "/usr/share/fonts/truetype/noto/NotoSansKhmer-Bold.ttf"):
        try:
            with open(candidate, "rb"):
                return candidate
        except OSError:
            continue
    return None


def _font(size: int, bold: bool = False, language: str = "en"):
    path = (_khmer_font_path() if language == "km" else None) or _font_path(bold)
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _color(definition: BadgeDefinition) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb(definition.color or DEFAULT_COLOR)[:3]
    except ValueError:
        return ImageColor.getrgb(DEFAULT_COLOR)[:3]


def _shade(rgb, factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def _art(definition: BadgeDefinition, side: int) -> Image.Image | None:
    image = definition.image if definition.image_id else None
    if image is None or not getattr(image, "file", None):
        return None
    try:
        with image.file.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            art = Image.open(handle)
            if art.width * art.height > 50_000_000:
                return None
            art.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    art = ImageOps.exif_transpose(art).convert("RGBA")
    return ImageOps.fit(art, (side, side), method=Image.Resampling.LANCZOS)


def _emblem(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int, rgb) -> None:
    """A simple star in a ring, when a badge has no art of its own."""
    import math

    cx, cy = centre
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=rgb, width=5)
    points = []
    for i in range(10):
        r = radius * (0.8 if i % 2 == 0 else 0.36)
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy - r * math.sin(angle)))
    draw.polygon(points, fill=rgb)


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        attempt = f"{line} {word}".strip()
        if draw.textlength(attempt, font=font) <= width or not line:
            line = attempt
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def _image_version(definition: BadgeDefinition) -> str:
    image = definition.image if definition.image_id else None
    parts = [definition.name_en, definition.name_km, definition.color, str(definition.level), str(definition.image_id or ""),
             getattr(getattr(image, "file", None), "name", "") or "", str(getattr(image, "file_hash", "") or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def badge_png(definition: BadgeDefinition, language: str = "en") -> bytes:
    """The badge picture: a 400×400 medal in the badge's colour with its art, name and level.

    In English (the image of the hosted badge class) or in Khmer for Khmer pages, when a Khmer font
    is installed to draw it."""
    if language != "km" or _khmer_font_path() is None:
        language = "en"
    key = f"openbadges:png:{language}:{definition.slug}:{definition.pk}:{_image_version(definition)}"
    cached = cache.get(key)
    if cached:
        return cached
    data = _draw(definition, language)
    cache.set(key, data, 60 * 60 * 24)
    return data


def _draw(definition: BadgeDefinition, language: str = "en") -> bytes:
    size = IMAGE_SIZE
    rgb = _color(definition)
    dark = _shade(rgb, 0.7)
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((4, 4, size - 5, size - 5), fill=dark)
    draw.ellipse((16, 16, size - 17, size - 17), fill=rgb)
    draw.ellipse((28, 28, size - 29, size - 29), outline=(255, 255, 255, 200), width=3)

    # The art, in a white disc in the upper half.
    centre, radius = (size // 2, 138), 78
    draw.ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
                 fill=(255, 255, 255, 255))
    art = _art(definition, 2 * radius - 16)
    if art is not None:
        mask = Image.new("L", art.size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, art.width - 1, art.height - 1), fill=255)
        alpha = Image.composite(art.getchannel("A"), mask, mask) if art.mode == "RGBA" else mask
        canvas.paste(art, (centre[0] - art.width // 2, centre[1] - art.height // 2), alpha)
    else:
        _emblem(draw, centre, radius - 16, rgb)

    # The name, wrapped, then the level on a ribbon.
    name_font = _font(26, bold=True, language=language)
    name = (definition.name_km or definition.name_en) if language == "km" else definition.name_en
    lines = _wrap(draw, name, name_font, 260, 2)
    y = 232 if len(lines) > 1 else 248
    for line in lines:
        draw.text((size // 2, y), line, font=name_font, fill=(255, 255, 255), anchor="mt")
        y += 32
    ribbon_top = 312
    draw.rounded_rectangle((112, ribbon_top, size - 112, ribbon_top + 36), radius=18, fill=(255, 255, 255))
    with translation.override(language):
        level = f"{gettext('Level')} {definition.level}"
    draw.text((size // 2, ribbon_top + 18), level, font=_font(20, bold=True, language=language),
              fill=dark, anchor="mm")

    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


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


# --- verifying ---------------------------------------------------------------------------------


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
    from cms.phones import normalize_phone
    from games.services import hash_identity

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
