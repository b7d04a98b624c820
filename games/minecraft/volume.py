"""A site plan as a block volume (numpy, [y, z, x], ids from the palette registry), built once and
copied to every team plot; plus the plot layout of a world."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from . import palette as P
from .geo import SitePlan

BASE_Y = 48  # the volume's lowest layer (bedrock); below it the world is empty
SURFACE_Y = 63  # ground level of flat terrain: people stand at y = 64
PLOT_GAP = 16  # metres of plain grass between two teams' plots
CAPTURE_HEIGHT = 128  # layers read back from a build (builds may rise above the site)
TREE_TRUNK_M = 4


@dataclass
class Sign:
    x: int
    y: int
    z: int
    front: list[str]
    back: list[str] = field(default_factory=list)


@dataclass
class SiteVolume:
    blocks: np.ndarray  # uint16 [height, depth, width], padded to whole chunks
    width: int  # the site's own size in metres (blocks)
    depth: int
    surface: np.ndarray  # int [depth, width]: the y of the ground block of each column
    signs: list[Sign]
    spawn: tuple[int, int, int]  # inside the plot
    team_sign: tuple[int, int, int] | None = None  # where each plot's sign names its team

    @property
    def height(self) -> int:
        return self.blocks.shape[0]


def plot_stride(width: int) -> int:
    """Plots start on chunk borders so that every team's copy is encoded once and reused."""
    return math.ceil((width + PLOT_GAP) / 16) * 16


def plot_origin(index: int, width: int) -> tuple[int, int]:
    return index * plot_stride(width), 0


def _ring_to_int(ring, scale=1.0):
    return [(x * scale, z * scale) for x, z in ring]


def _draw_mask(shape, features, *, fill=1) -> np.ndarray:
    """Rasterise features (1 pixel = 1 m) into a boolean mask with Pillow."""
    depth, width = shape
    image = Image.new("L", (width, depth), 0)
    draw = ImageDraw.Draw(image)
    for f in features:
        for part in f.parts:
            if f.geometry == "polygon":
                outer, holes = part[0], part[1:]
                draw.polygon(_ring_to_int(outer), fill=fill, outline=fill)
                for hole in holes:
                    draw.polygon(_ring_to_int(hole), fill=0)
            elif f.geometry == "line":
                width_px = max(1, round(f.width or 1))
                draw.line(_ring_to_int(part[0]), fill=fill, width=width_px, joint="curve")
            else:
                x, z = part[0][0]
                draw.point((x, z), fill=fill)
    return np.asarray(image) > 0


def _terrain(plan: SitePlan, heightmap: Image.Image | None, max_height: int, shape) -> np.ndarray:
    depth, width = shape
    offsets = np.zeros(shape, dtype=np.int32)
    if heightmap is not None and max_height > 0:
        grey = heightmap.convert("L").resize((plan.width, plan.depth), Image.Resampling.BILINEAR)
        values = np.asarray(grey, dtype=np.float32) / 255.0 * max_height
        offsets[: plan.depth, : plan.width] = np.rint(values).astype(np.int32)
    return SURFACE_Y + offsets


def build(plan: SitePlan, *, heightmap: Image.Image | None = None, max_height: int = 0) -> SiteVolume:
    """The site as blocks: ground, surfaces per kind, building shells, walls, trees, benches,
    lights and signs naming places."""
    width16 = math.ceil(plan.width / 16) * 16
    depth16 = math.ceil(plan.depth / 16) * 16
    shape = (depth16, width16)
    surface = _terrain(plan, heightmap, max_height, shape)
    tallest = max([f.height for f in plan.features if f.kind in {"building", "wall"}] + [TREE_TRUNK_M + 3])
    top = int(surface.max()) + tallest + 4
    height = math.ceil((top - BASE_Y + 1) / 16) * 16
    ids = {name: P.block_id(name) for name in P.BLOCKS}
    blocks = np.zeros((height, depth16, width16), dtype=np.uint16)
    ys = np.arange(height, dtype=np.int32)[:, None, None] + BASE_Y
    s = surface[None]
    blocks[ys < s] = ids[P.SUBSOIL]
    blocks[ys < s - 3] = ids[P.ROCK]
    blocks[0] = ids[P.FLOOR]
    zz, xx = np.indices(shape)
    level = surface - BASE_Y  # the ground layer index of each column
    top_kind = np.full(shape, ids[P.GROUND], dtype=np.uint16)
    by_kind = {}
    for f in plan.features:
        by_kind.setdefault(f.kind, []).append(f)
    # Painter's order: later kinds cover earlier ones.
    for kind in ("plaza", "grass", "road", "path", "water"):
        if kind in by_kind:
            top_kind[_draw_mask(shape, by_kind[kind])] = ids[P.KIND_SURFACE[kind]]
    blocks[level, zz, xx] = top_kind
    water = top_kind == ids["minecraft:water"]
    blocks[level - 1, zz, xx] = np.where(water, ids["minecraft:water"], blocks[level - 1, zz, xx])

    def column(mask, start, stop, block):
        """Fill layers [surface+start, surface+stop) of the masked columns with a block."""
        for dy in range(start, stop):
            layer = level + dy
            sel = mask & (layer < height)
            blocks[layer[sel], zz[sel], xx[sel]] = block

    for f in by_kind.get("building", []):
        footprint = _draw_mask(shape, [f])
        inner = footprint.copy()
        inner[1:, :] &= footprint[:-1, :]
        inner[:-1, :] &= footprint[1:, :]
        inner[:, 1:] &= footprint[:, :-1]
        inner[:, :-1] &= footprint[:, 1:]
        walls = footprint & ~inner
        column(footprint, 0, 1, ids[P.BUILDING_FLOOR])
        column(inner, 1, f.height + 1, 0)  # an empty inside
        column(walls, 1, f.height + 1, ids[P.BUILDING_WALL])
        column(footprint, f.height + 1, f.height + 2, ids[P.BUILDING_ROOF])
        # A door: two blocks open in the middle of the southern-most wall row.
        if walls.any():
            wz = int(zz[walls].max())
            wxs = xx[walls & (zz == wz)]
            door = (zz == wz) & (xx == int(np.median(wxs)))
            column(door, 1, 3, 0)
    for f in by_kind.get("wall", []):
        column(_draw_mask(shape, [f]), 1, 1 + max(1, f.height), ids[P.WALL])

    def points(kind):
        for f in by_kind.get(kind, []):
            for part in f.parts:
                x, z = (int(round(v)) for v in part[0][0])
                if 0 <= x < width16 and 0 <= z < depth16:
                    yield f, x, z

    def put(x, y, z, block):
        if 0 <= y - BASE_Y < height and 0 <= x < width16 and 0 <= z < depth16:
            blocks[y - BASE_Y, z, x] = block

    for _f, x, z in points("tree"):
        ground = int(surface[z, x])
        for dy in range(TREE_TRUNK_M + 2):
            for dz in range(-2, 3):
                for dx in range(-2, 3):
                    radius = 2 if dy < TREE_TRUNK_M + 1 else 1
                    if dy >= TREE_TRUNK_M - 1 and abs(dx) <= radius and abs(dz) <= radius \
                            and not (abs(dx) == 2 and abs(dz) == 2):
                        if 0 <= z + dz < depth16 and 0 <= x + dx < width16 and \
                                blocks[ground + 1 + dy - BASE_Y, z + dz, x + dx] == 0:
                            put(x + dx, ground + 1 + dy, z + dz, ids[P.TREE_LEAVES])
        for dy in range(TREE_TRUNK_M):
            put(x, ground + 1 + dy, z, ids[P.TREE_TRUNK])
    for _f, x, z in points("bench"):
        put(x, int(surface[z, x]) + 1, z, ids[P.BENCH])
    for _f, x, z in points("light"):
        ground = int(surface[z, x])
        put(x, ground + 1, z, ids[P.LIGHT_POST])
        put(x, ground + 2, z, ids[P.LIGHT_POST])
        put(x, ground + 3, z, ids[P.LIGHT])

    signs = []

    def place_sign(x, z, front, back):
        x, z = min(max(x, 0), width16 - 1), min(max(z, 0), depth16 - 1)
        column_blocks = blocks[:, z, x]
        y = BASE_Y + int(np.nonzero(column_blocks)[0].max()) + 1
        if y - BASE_Y < height:
            blocks[y - BASE_Y, z, x] = ids[P.SIGN]
            signs.append(Sign(x=x, y=y, z=z, front=_sign_lines(front), back=_sign_lines(back)))

    for f in plan.features:
        if not f.name:
            continue
        ring = f.parts[0][0]
        if f.kind == "building":
            # In front of the door side (south), so the sign stands outside the shell.
            cx = sum(p[0] for p in ring) / len(ring)
            z = max(p[1] for p in ring) + 1
        elif f.geometry == "point":
            cx, z = ring[0][0] + (1 if f.kind != "sign" else 0), ring[0][1]
        else:
            cx, z = ring[len(ring) // 2]
        place_sign(int(round(cx)), int(round(z)), f.name, f.name_km)
    spawn_x, spawn_z = plan.width // 2, plan.depth - 2
    spawn = (spawn_x, int(surface[spawn_z, spawn_x]) + 1, spawn_z)
    # The plot's north-west corner is margin (plain ground): its sign names the team.
    team_sign = (1, int(surface[1, 1]) + 1, 1)
    put(*team_sign, ids[P.SIGN])
    return SiteVolume(blocks=blocks, width=plan.width, depth=plan.depth, surface=surface, signs=signs, spawn=spawn,
                      team_sign=team_sign)


def _sign_lines(text: str) -> list[str]:
    """Up to four lines of at most 15 characters, broken at spaces."""
    lines, line = [], ""
    for word in (text or "").split():
        if line and len(line) + 1 + len(word) > 15:
            lines.append(line)
            line = word[:15]
        else:
            line = f"{line} {word}".strip()[:15]
    if line:
        lines.append(line)
    return (lines + ["", "", "", ""])[:4]


def capture_window(volume: np.ndarray, height: int = CAPTURE_HEIGHT) -> np.ndarray:
    """The baseline padded (with air) or cut to the capture height used to read builds back."""
    current = volume.shape[0]
    if current >= height:
        return volume[:height]
    pad = np.zeros((height - current, *volume.shape[1:]), dtype=volume.dtype)
    return np.concatenate([volume, pad])
