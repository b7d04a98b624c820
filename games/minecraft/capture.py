"""Comparing a team's build with the site as generated: blocks added and removed per category, and
the metrics a planner reads (green area, seats, lights, shaded area, path length)."""

from __future__ import annotations

import fnmatch
from collections import deque

import numpy as np

from . import palette as P

CATEGORY_INDEX = {name: i for i, name in enumerate(P.CATEGORIES)}
AIR_CATEGORY = -1
SHADE_CLEARANCE = 3  # a canopy at least this many blocks above the ground gives shade


class Categories:
    """Block id -> category, from (pattern, category) rules: exact ids beat patterns, longer
    patterns beat shorter ones; blocks no rule names are "other"."""

    def __init__(self, rules: list[tuple[str, str]]):
        self.exact = {p: c for p, c in rules if "*" not in p and "?" not in p}
        self.patterns = sorted(((p, c) for p, c in rules if p not in self.exact), key=lambda r: -len(r[0]))
        self._memo: dict[str, str] = {}

    def of(self, name: str) -> str:
        found = self._memo.get(name)
        if found is None:
            found = self.exact.get(name)
            if found is None:
                found = next((c for p, c in self.patterns if fnmatch.fnmatchcase(name, p)), "other")
            self._memo[name] = found
        return found

    def lookup(self, names: list[str] | None = None) -> np.ndarray:
        """Category index for every id of a registry's names (Sangkat's own blocks by default;
        a capture passes its own); air is -1."""
        names = P.BASE.names if names is None else names
        table = np.array([CATEGORY_INDEX[self.of(n)] for n in names], dtype=np.int8)
        table[0] = AIR_CATEGORY
        return table


DEFAULT_CATEGORIES = Categories(P.DEFAULT_CATEGORY_RULES)


def top_layer(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the highest non-air block, its block id) per column; -1 / 0 for empty columns."""
    solid = blocks != 0
    height = blocks.shape[0]
    top = height - 1 - np.argmax(solid[::-1], axis=0)
    top = np.where(solid.any(axis=0), top, -1)
    zz, xx = np.indices(top.shape)
    ids = np.where(top >= 0, blocks[np.maximum(top, 0), zz, xx], 0)
    return top, ids


def diff(baseline: np.ndarray, build: np.ndarray, categories: Categories, *,
         names: list[str] | None = None) -> dict:
    """Blocks added and removed per category (a replaced block counts as removed and added)."""
    table = categories.lookup(names)
    changed = baseline != build
    before, after = baseline[changed], build[changed]
    removed = np.bincount(table[before[before != 0]].astype(np.int64), minlength=len(P.CATEGORIES))
    added = np.bincount(table[after[after != 0]].astype(np.int64), minlength=len(P.CATEGORIES))
    return {name: {"added": int(added[i]), "removed": int(removed[i])} for i, name in enumerate(P.CATEGORIES)}


def _components(mask: np.ndarray) -> list[np.ndarray]:
    """4-connected components of a 2-D mask, as arrays of (z, x)."""
    seen = np.zeros_like(mask, dtype=bool)
    depth, width = mask.shape
    out = []
    for z, x in zip(*np.nonzero(mask), strict=True):
        if seen[z, x]:
            continue
        seen[z, x] = True
        queue, cells = deque([(z, x)]), []
        while queue:
            cz, cx = queue.popleft()
            cells.append((cz, cx))
            for nz, nx in ((cz + 1, cx), (cz - 1, cx), (cz, cx + 1), (cz, cx - 1)):
                if 0 <= nz < depth and 0 <= nx < width and mask[nz, nx] and not seen[nz, nx]:
                    seen[nz, nx] = True
                    queue.append((nz, nx))
        out.append(np.array(cells))
    return out


def path_length(mask: np.ndarray) -> float:
    """Length in metres of the paths in a mask: each connected strip is taken as a band of
    length L and width w, with area A = L·w and perimeter 2(L + w), so L is the larger root of
    t² − (P/2)t + A = 0. Exact for straight strips; a fair estimate for bends."""
    if mask.sum() > 200_000:  # a paved field, not paths: count its area
        return float(mask.sum())
    total = 0.0
    for cells in _components(mask):
        area = len(cells)
        sub = np.zeros((cells[:, 0].max() - cells[:, 0].min() + 3, cells[:, 1].max() - cells[:, 1].min() + 3), bool)
        sub[cells[:, 0] - cells[:, 0].min() + 1, cells[:, 1] - cells[:, 1].min() + 1] = True
        perimeter = int((sub[1:, :] != sub[:-1, :]).sum() + (sub[:, 1:] != sub[:, :-1]).sum())
        half = perimeter / 2
        total += (half + max(half * half - 4 * area, 0) ** 0.5) / 2
    return round(total, 1)


def metrics(blocks: np.ndarray, categories: Categories, *, ground: np.ndarray, base_y: int,
            width: int, depth: int, names: list[str] | None = None) -> dict:
    """Planner's figures for the site part of a plot ([y, z, x] ids of `names`; ground = surface
    y per column)."""
    blocks = blocks[:, :depth, :width]
    ground = ground[:depth, :width]
    table = categories.lookup(names)
    cat = table[blocks]
    top, top_ids = top_layer(blocks)
    top_cat = np.where(top >= 0, table[top_ids], AIR_CATEGORY)
    green = int((top_cat == CATEGORY_INDEX["greenery"]).sum())
    seats = int((cat == CATEGORY_INDEX["seating"]).sum())
    lights = int((cat == CATEGORY_INDEX["lighting"]).sum())
    ys = np.arange(blocks.shape[0])[:, None, None] + base_y
    high = ys >= (ground[None] + SHADE_CLEARANCE)
    canopy = ((cat == CATEGORY_INDEX["shade"]) | (cat == CATEGORY_INDEX["greenery"])) & high
    roofed = ((cat == CATEGORY_INDEX["buildings"]) & high).any(axis=0)
    shaded = int((canopy.any(axis=0) & ~roofed).sum())
    # Paths are the columns whose walking surface (ground level, or one above it) is a path block.
    zz, xx = np.indices(ground.shape)
    level = ground - base_y
    at_ground = cat[np.clip(level, 0, blocks.shape[0] - 1), zz, xx]
    above = cat[np.clip(level + 1, 0, blocks.shape[0] - 1), zz, xx]
    paths = (at_ground == CATEGORY_INDEX["paths"]) | (above == CATEGORY_INDEX["paths"])
    water = int((top_cat == CATEGORY_INDEX["water"]).sum())
    return {"green_area_m2": green, "seats": seats, "lights": lights, "shaded_area_m2": shaded,
            "path_length_m": path_length(paths), "water_area_m2": water}


METRIC_KEYS = ("green_area_m2", "seats", "lights", "shaded_area_m2", "path_length_m", "water_area_m2")


def compare(before: dict, after: dict) -> dict:
    return {k: round(after.get(k, 0) - before.get(k, 0), 1) for k in METRIC_KEYS}
