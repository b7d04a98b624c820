"""Pictures of sites and builds with Pillow: a top-down plan with legend and scale bar, an
isometric view, before/after side by side, with pins (comments left in the game) drawn on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from . import palette as P
from .capture import Categories, top_layer
from .volume import BASE_Y

MAP_X, MAP_Y = 12, 44  # where the map starts in a plan image (tests read pixels from it)
LEGEND_W = 190
BACKGROUND = (250, 250, 247)
INK = (30, 30, 30)
PIN = (220, 20, 60)
_FONTS = ("/usr/share/fonts/truetype/khmeros/KhmerOS.ttf", "/usr/share/fonts/truetype/khmeros/KhmerOSsys.ttf",
          "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass
class PinMark:
    x: int  # plot coordinates (blocks from the plot's north-west corner)
    z: int
    y: int
    number: int


@lru_cache(maxsize=8)
def font(size: int):
    for path in _FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def category_labels() -> dict[str, str]:
    return {"greenery": _("greenery"), "water": _("water"), "seating": _("seating"), "lighting": _("lighting"),
            "shade": _("shade"), "paths": _("paths"), "play": _("play"), "buildings": _("buildings"),
            "other": _("other")}


def colour_table(categories: Categories, names: list[str] | None = None) -> np.ndarray:
    names = P.BASE.names if names is None else names
    table = np.array([P.colour(n, categories.of(n)) for n in names], dtype=np.uint8)
    table[0] = BACKGROUND
    return table


def scale_for(width: int, depth: int) -> int:
    return int(max(1, min(4, 640 // max(width, depth, 1))))


def map_pixel(x: int, z: int, scale: int) -> tuple[int, int]:
    """The centre pixel of block column (x, z) in a plan image."""
    return MAP_X + x * scale + scale // 2, MAP_Y + z * scale + scale // 2


def _scale_bar(draw: ImageDraw.ImageDraw, x: int, y: int, scale: int, width_m: int) -> None:
    metres = next((m for m in (100, 50, 20, 10, 5) if m * 4 <= width_m), 5)
    length = metres * scale
    draw.rectangle((x, y, x + length, y + 5), fill=INK)
    draw.rectangle((x + length // 2, y + 1, x + length - 1, y + 4), fill=BACKGROUND)
    draw.text((x, y + 8), "0", fill=INK, font=font(12))
    draw.text((x + length - 10, y + 8), _("%(m)d m") % {"m": metres}, fill=INK, font=font(12))


def _legend(draw: ImageDraw.ImageDraw, x: int, y: int, categories_shown: list[str]) -> None:
    labels = category_labels()
    draw.text((x, y), _("Legend"), fill=INK, font=font(14))
    for i, name in enumerate(categories_shown):
        top = y + 24 + i * 20
        draw.rectangle((x, top, x + 14, top + 14), fill=P.CATEGORY_COLOURS[name], outline=INK)
        draw.text((x + 22, top - 2), labels[name], fill=INK, font=font(13))


def _pins(draw: ImageDraw.ImageDraw, pins: list[PinMark], to_pixel) -> None:
    for pin in pins:
        px, py = to_pixel(pin)
        draw.ellipse((px - 7, py - 7, px + 7, py + 7), fill=PIN, outline=(255, 255, 255), width=2)
        draw.text((px - 4, py - 8), str(pin.number), fill=(255, 255, 255), font=font(11))


def plan(blocks: np.ndarray, categories: Categories, *, title: str, width: int, depth: int,
         pins: list[PinMark] = (), scale: int | None = None, names: list[str] | None = None) -> Image.Image:
    """Top-down plan of the site part of a plot: each column in the colour of its highest block
    (ids of `names`, a capture's registry; Sangkat's own blocks by default)."""
    blocks = blocks[:, :depth, :width]
    scale = scale or scale_for(width, depth)
    _top, ids = top_layer(blocks)
    pixels = colour_table(categories, names)[ids]
    picture = Image.fromarray(pixels, "RGB").resize((width * scale, depth * scale), Image.Resampling.NEAREST)
    image = Image.new("RGB", (MAP_X + width * scale + 16 + LEGEND_W, max(MAP_Y + depth * scale + 44, 260)),
                      BACKGROUND)
    image.paste(picture, (MAP_X, MAP_Y))
    draw = ImageDraw.Draw(image)
    draw.text((MAP_X, 10), title, fill=INK, font=font(18))
    draw.rectangle((MAP_X - 1, MAP_Y - 1, MAP_X + width * scale, MAP_Y + depth * scale), outline=INK)
    table = categories.lookup(names)
    present = set(np.unique(table[np.unique(ids)]).tolist()) - {-1}
    _legend(draw, MAP_X + width * scale + 16, MAP_Y, [c for i, c in enumerate(P.CATEGORIES) if i in present])
    _scale_bar(draw, MAP_X, MAP_Y + depth * scale + 10, scale, width)
    draw.text((MAP_X + width * scale - 12, MAP_Y - 20), _("N ↑"), fill=INK, font=font(13))
    _pins(draw, list(pins), lambda p: map_pixel(p.x, p.z, scale))
    return image


def isometric(blocks: np.ndarray, categories: Categories, *, title: str, width: int, depth: int,
              pins: list[PinMark] = (), scale: int | None = None, names: list[str] | None = None) -> Image.Image:
    """An isometric view from the south-east: columns drawn back to front with a z-buffer."""
    blocks = blocks[:, :depth, :width]
    s = 2 if (scale or scale_for(width, depth)) >= 2 else 1
    top, ids = top_layer(blocks)
    colours = colour_table(categories, names)
    low = int(top[top >= 0].min()) if (top >= 0).any() else 0
    high = int(top.max()) if (top >= 0).any() else 0
    zz, xx = np.indices(top.shape)
    sel_cols = top >= 0
    xs, zs, tops, cids = xx[sel_cols], zz[sel_cols], top[sel_cols], ids[sel_cols]
    levels = tops - low + 1
    col = np.repeat(np.arange(xs.size), levels)
    offset = np.arange(col.size) - np.repeat(np.cumsum(levels) - levels, levels)
    lev = low + offset
    is_top = lev == tops[col]
    base = colours[cids[col]].astype(np.int16)
    shade = np.where(is_top, 0, 50 + ((xs[col] + lev) % 2) * 10)[:, None]
    rgb = np.clip(base - shade, 0, 255).astype(np.uint8)
    canvas_w = (width + depth) * s * 2 + 40
    canvas_h = (width + depth) * s + (high - low + 2) * s + 40
    sx = (xs[col] - zs[col] + depth) * s * 2 + 20
    sy = (xs[col] + zs[col]) * s - (lev - low) * s + (high - low + 1) * s + 20
    key = (xs[col] + zs[col]).astype(np.int64) * 1024 + (lev - low)
    image = np.full((canvas_h + 4 * s, canvas_w + 4 * s, 3), BACKGROUND, dtype=np.uint8)
    zbuf = np.full(image.shape[:2], -1, dtype=np.int64)
    for dy in range(2 * s if col.size else 0):  # nothing to draw in an empty plot
        for dx in range(2 * s):
            py, px = sy + dy, sx + dx
            flat = py * image.shape[1] + px
            order = np.lexsort((key, flat))
            flat_sorted = flat[order]
            last = np.r_[flat_sorted[1:] != flat_sorted[:-1], True]
            chosen = order[last]
            better = key[chosen] > zbuf.reshape(-1)[flat[chosen]]
            chosen = chosen[better]
            zbuf.reshape(-1)[flat[chosen]] = key[chosen]
            image.reshape(-1, 3)[flat[chosen]] = rgb[chosen]
    picture = Image.fromarray(image, "RGB")
    draw = ImageDraw.Draw(picture)
    draw.text((12, 8), title, fill=INK, font=font(18))

    def to_pixel(pin):
        level = pin.y - BASE_Y  # pins are in world y; volume layers start at BASE_Y
        return ((pin.x - pin.z + depth) * s * 2 + 20 + s,
                (pin.x + pin.z) * s - (level - low) * s + (high - low + 1) * s + 20 - 6)

    _pins(draw, list(pins), to_pixel)
    return picture


def side_by_side(before: Image.Image, after: Image.Image, *, left: str, right: str) -> Image.Image:
    gap = 16
    image = Image.new("RGB", (before.width + after.width + gap, max(before.height, after.height) + 30), BACKGROUND)
    image.paste(before, (0, 30))
    image.paste(after, (before.width + gap, 30))
    draw = ImageDraw.Draw(image)
    draw.text((MAP_X, 6), left, fill=INK, font=font(18))
    draw.text((before.width + gap + MAP_X, 6), right, fill=INK, font=font(18))
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()
