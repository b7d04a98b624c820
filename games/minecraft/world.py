"""A whole Java Edition world save (zip) from a site volume: one copy of the site per team, side by
side, each chunk encoded once and reused for every plot."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable

import numpy as np

from . import anvil
from .volume import BASE_Y, SiteVolume, plot_origin


def folder_name(title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", title).strip("-")[:40]
    return f"Sangkat-{slug or 'world'}"


def write_world_zip(volume: SiteVolume, *, level_name: str, team_names: list[str],
                    progress: Callable[[float], None] | None = None, icon_png: bytes | None = None) -> bytes:
    """The world as a zip holding one folder (`Sangkat-<name>/level.dat`, `region/r.X.Z.mca`)."""
    blocks = volume.blocks
    height, depth16, width16 = blocks.shape
    chunk_columns = [(cx, cz) for cz in range(depth16 // 16) for cx in range(width16 // 16)]
    # Encode each chunk column of the site once; every team's plot reuses the same sections.
    encoded = {}
    for n, (cx, cz) in enumerate(chunk_columns):
        column = np.ascontiguousarray(blocks[:, cz * 16:(cz + 1) * 16, cx * 16:(cx + 1) * 16])
        encoded[cx, cz] = anvil.encode_sections(column, BASE_Y)
        if progress and n % 64 == 0:
            progress(0.3 * n / len(chunk_columns))
    regions: dict[tuple[int, int], dict] = {}
    total = len(team_names) * len(chunk_columns)
    for team_index, team_name in enumerate(team_names):
        ox, oz = plot_origin(team_index, volume.width)
        entities: dict[tuple[int, int], list] = {}
        for sign in volume.signs:
            entities.setdefault((sign.x // 16, sign.z // 16), []).append(
                anvil.sign_entity(ox + sign.x, sign.y, oz + sign.z, sign.front, sign.back))
        if volume.team_sign:
            tx, ty, tz = volume.team_sign
            entities.setdefault((tx // 16, tz // 16), []).append(
                anvil.sign_entity(ox + tx, ty, oz + tz, ["Team", team_name[:15], "", ""], []))
        for n, (cx, cz) in enumerate(chunk_columns):
            wcx, wcz = ox // 16 + cx, oz // 16 + cz
            nbt = anvil.chunk_nbt(wcx, wcz, encoded[cx, cz], entities.get((cx, cz), []))
            regions.setdefault((wcx >> 5, wcz >> 5), {})[wcx & 31, wcz & 31] = zlib.compress(anvil.nbt_bytes(nbt), 6)
            if progress and n % 64 == 0:
                progress(0.3 + 0.6 * (team_index * len(chunk_columns) + n) / total)
    folder = folder_name(level_name)
    sx, sy, sz = volume.spawn
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{folder}/level.dat", anvil.level_dat(name=level_name, spawn=(sx, sy, sz)))
        if icon_png:
            archive.writestr(f"{folder}/icon.png", icon_png)
        for (rx, rz), chunks in sorted(regions.items()):
            # Chunks are zlib-compressed already: store them as they are.
            archive.writestr(f"{folder}/region/r.{rx}.{rz}.mca", anvil.region_bytes(chunks),
                             compress_type=zipfile.ZIP_STORED)
    if progress:
        progress(1.0)
    return buffer.getvalue()
