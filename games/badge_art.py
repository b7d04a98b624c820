"""The picture of a badge (Open Badges' image): drawn with Pillow from the badge's colour, art and
name, in English or Khmer, cached per version. Issuing: games.openbadges; verifying: games.badge_verify."""

import functools
import hashlib
import io
import shutil
import subprocess
import warnings

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from games.models import BadgeDefinition

IMAGE_SIZE = 400
DEFAULT_COLOR = "#1f6f5c"


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
