"""Block by Block: world generation for 128², 256² and 512² sites with 4 team plots, and import +
diff + metrics + renders of one 256² plot from an uploaded world zip. No database or server."""

from __future__ import annotations

import io
import random
import sys
import time
from pathlib import Path

from bench.common import Row, django_setup

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
AREA = "minecraft"
TEAMS = ["Mango", "Lotus", "Frangipani", "Palm"]
GENERATION_TARGET_S = {256: 10.0}
CAPTURE_TARGET_S = 5.0


def synthetic_site(size: int) -> dict:
    """A neighbourhood of `size` metres: a street grid, buildings, parks with trees, benches, lights."""
    rng = random.Random(size)
    features = []

    def feature(kind, geometry, **props):
        features.append({"type": "Feature", "properties": {"kind": kind, **props}, "geometry": geometry})

    def rect(x0, y0, x1, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    block = 64
    for k in range(0, size + 1, block):
        feature("road", {"type": "LineString", "coordinates": [[0, k], [size, k]]}, width=8, name=f"Street {k}")
        feature("road", {"type": "LineString", "coordinates": [[k, 0], [k, size]]}, width=8)
    for bx in range(0, size - block + 1, block):
        for by in range(0, size - block + 1, block):
            if rng.random() < 0.4:
                feature("grass", rect(bx + 8, by + 8, bx + block - 8, by + block - 8), name="Park")
                feature("path", {"type": "LineString", "coordinates": [[bx + 8, by + 32], [bx + block - 8, by + 32]]})
                for _ in range(8):
                    feature("tree", {"type": "Point", "coordinates": [bx + rng.randint(12, 52), by + rng.randint(12, 52)]})
                for _ in range(4):
                    feature("bench", {"type": "Point", "coordinates": [bx + rng.randint(12, 52), by + 34]})
                feature("light", {"type": "Point", "coordinates": [bx + 30, by + 30]})
            else:
                for i in range(2):
                    x0 = bx + 8 + i * 26
                    feature("building", rect(x0, by + 10, x0 + 22, by + 54), height=rng.randint(4, 20))
    return {"type": "FeatureCollection", "features": features}


def _generate(size: int):
    from games.minecraft import geo, volume, world

    started = time.perf_counter()
    plan = geo.parse(synthetic_site(size), crs="local")
    vol = volume.build(plan)
    data = world.write_world_zip(vol, level_name=f"Bench {size}", team_names=TEAMS)
    return time.perf_counter() - started, vol, data


def _capture(vol, data: bytes) -> float:
    from games.minecraft import capture, render, safezip
    from games.minecraft.anvil import read_area
    from games.minecraft.volume import BASE_Y, CAPTURE_HEIGHT, capture_window, plot_origin

    started = time.perf_counter()
    cats = capture.DEFAULT_CATEGORIES
    uploaded = safezip.open_world(io.BytesIO(data))
    x0, z0 = plot_origin(1, vol.width)
    blocks = read_area(uploaded.region, x0=x0, z0=z0, width=vol.blocks.shape[2], depth=vol.blocks.shape[1],
                       base_y=BASE_Y, height=CAPTURE_HEIGHT)
    baseline = capture_window(vol.blocks, CAPTURE_HEIGHT)
    capture.diff(baseline, blocks, cats)
    before = capture.metrics(baseline, cats, ground=vol.surface, base_y=BASE_Y, width=vol.width, depth=vol.depth)
    after = capture.metrics(blocks, cats, ground=vol.surface, base_y=BASE_Y, width=vol.width, depth=vol.depth)
    capture.compare(before, after)
    plan_after = render.plan(blocks, cats, title="after", width=vol.width, depth=vol.depth)
    plan_before = render.plan(baseline, cats, title="before", width=vol.width, depth=vol.depth)
    iso = render.isometric(blocks, cats, title="iso", width=vol.width, depth=vol.depth)
    both = render.side_by_side(plan_before, plan_after, left="Before", right="After")
    for image in (plan_after, iso, both):
        render.png(image)
    return time.perf_counter() - started


def run() -> list[Row]:
    django_setup()  # the bench database, like every other benchmark in the same run
    rows = []
    kept = None
    for size in (128, 256, 512):
        seconds, vol, data = min((_generate(size) for _ in range(2)), key=lambda r: r[0])
        target = GENERATION_TARGET_S.get(size)
        rows.append(Row(AREA, f"world {size}×{size} m, 4 plots ({len(data) / 1e6:.1f} MB zip)", f"{seconds:.2f} s",
                        f"< {target:.0f} s" if target else "", seconds < target if target else None))
        if size == 256:
            kept = (vol, data)
    seconds = min(_capture(*kept) for _ in range(2))
    rows.append(Row(AREA, "import + diff + metrics + 3 renders, 256×256 plot", f"{seconds:.2f} s",
                    f"< {CAPTURE_TARGET_S:.0f} s", seconds < CAPTURE_TARGET_S))
    return rows


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
