"""A made-up little park as a block volume, for the bridge's tests, benchmark and a first live demo.

Realistic mixed content, as a stamped site has: layered ground, gravel paths crossing, a paved
plaza, a pond, trees with trunks and leaf crowns, benches and lamp posts.
"""

from __future__ import annotations

import numpy as np

AIR, STONE, GRASS, DIRT, PLANKS, WATER, GRAVEL, LOG, LEAVES, FENCE, GLOWSTONE, STONE_BRICKS, STAIRS = (
    0, 1, 2, 3, 5, 9, 13, 17, 18, 85, 89, 98, 53)


def park(width: int = 64, height: int = 16, depth: int = 64, *, seed: int = 7) -> np.ndarray:
    """A uint16 volume [y, z, x]: ground in layers 0-3, people stand on layer 4."""
    if width < 8 or depth < 8 or height < 10:
        raise ValueError("a park needs at least 8 x 10 x 8 blocks")
    rng = np.random.default_rng(seed)
    v = np.zeros((height, depth, width), dtype=np.uint16)
    v[0] = STONE
    v[1:3] = DIRT
    v[3] = GRASS
    ground = 3
    # Two paths crossing, 3 wide, and a plaza where they meet.
    mid_x, mid_z = width // 2, depth // 2
    v[ground, :, mid_x - 1:mid_x + 2] = GRAVEL
    v[ground, mid_z - 1:mid_z + 2, :] = GRAVEL
    plaza = max(3, min(width, depth) // 8)
    v[ground, mid_z - plaza:mid_z + plaza + 1, mid_x - plaza:mid_x + plaza + 1] = STONE_BRICKS
    # A pond in one quarter.
    pz, px = depth // 4, width // 4
    radius = max(2, min(width, depth) // 10)
    zz, xx = np.ogrid[:depth, :width]
    v[ground - 1:ground + 1][:, (zz - pz) ** 2 + (xx - px) ** 2 <= radius**2] = WATER
    # Lamp posts along the paths, benches beside them.
    for z in range(4, depth - 4, 8):
        v[ground + 1:ground + 4, z, mid_x + 2] = FENCE
        v[ground + 4, z, mid_x + 2] = GLOWSTONE
        v[ground + 1, z + 2, mid_x - 2] = STAIRS
        v[ground + 1, z + 3, mid_x - 2] = STAIRS
    # Trees where the ground is grass, away from the paths.
    trees = max(4, width * depth // 200)
    for _ in range(trees):
        x, z = int(rng.integers(2, width - 2)), int(rng.integers(2, depth - 2))
        if v[ground, z, x] != GRASS or v[ground + 1, z, x] != AIR or abs(x - mid_x) < 4 or abs(z - mid_z) < 4:
            continue
        trunk = int(rng.integers(3, 6))
        top = min(height - 2, ground + trunk)
        crown = v[top - 1:top + 2, z - 2:z + 3, x - 2:x + 3]
        crown[crown == AIR] = LEAVES
        v[ground + 1:top + 1, z, x] = LOG
    # A wooden deck by the pond.
    v[ground, pz + radius + 1:pz + radius + 3, px - 2:px + 3] = PLANKS
    return v
