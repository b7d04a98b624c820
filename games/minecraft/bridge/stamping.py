"""Volumes over the bridge: stamping a block volume into a live world, and snapshotting one back.

Volumes are numpy arrays indexed [y, z, x] of legacy Minecraft block ids, the layout the rest of
games/minecraft uses; the block at volume[j, k, i] lives at origin + (i, j, k).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .connection import BridgeCommandFailed, McpiConnection, patience

# One setBlocks or getBlocks stays at most this big: the Minetest mod refuses more than 4 Mi blocks
# in one call, and a getBlocks reply of a million ids is already a ~3 MB line.
MAX_BLOCKS_PER_CALL = 1_000_000


@dataclass(frozen=True)
class StampReport:
    calls: int  # setBlock/setBlocks commands sent
    blocks: int  # blocks those commands wrote
    seconds: float  # from the first command until the server had applied the last

    @property
    def blocks_per_second(self) -> float:
        return self.blocks / self.seconds if self.seconds > 0 else float("inf")


def cuboids(keys: np.ndarray, skip: np.ndarray | None = None, *, max_blocks: int = MAX_BLOCKS_PER_CALL,
            ) -> Iterator[tuple[int, int, int, int, int, int, int]]:
    """Cover `keys` [y, z, x] with disjoint boxes of equal key: (y0, z0, x0, y1, z1, x1, key), inclusive.

    Runs of one key along x; runs with the same x extent and key in consecutive z rows become
    rectangles; rectangles with the same extent and key in consecutive layers become boxes. All
    in numpy (a 64x16x64 site takes milliseconds), not the fewest boxes but few: ground layers
    become one box each, a tree a handful. `skip` marks blocks never to write (no box covers
    them). Boxes larger than `max_blocks` are cut into slabs.
    """
    ny, nz, nx = keys.shape
    k = np.asarray(keys, dtype=np.int64)
    if skip is not None:
        k = np.where(skip, -1, k)
    change = np.ones(k.shape, dtype=bool)
    change[:, :, 1:] = k[:, :, 1:] != k[:, :, :-1]
    ys, zs, xs = np.nonzero(change)  # run starts, in row order
    row = ys * nz + zs
    same_row_next = np.zeros(len(xs), dtype=bool)
    same_row_next[:-1] = row[1:] == row[:-1]
    xe = np.where(same_row_next, np.append(xs[1:], 0) - 1, nx - 1)
    key = k[ys, zs, xs]
    keep = key >= 0
    ys, zs, xs, xe, key = ys[keep], zs[keep], xs[keep], xe[keep], key[keep]

    # Runs -> rectangles: same (y, x0, x1, key), z one more than the previous run's.
    order = np.lexsort((zs, key, xe, xs, ys))
    ys, zs, xs, xe, key = ys[order], zs[order], xs[order], xe[order], key[order]
    joins = np.zeros(len(ys), dtype=bool)
    joins[1:] = (ys[1:] == ys[:-1]) & (xs[1:] == xs[:-1]) & (xe[1:] == xe[:-1]) & (key[1:] == key[:-1]) & (zs[1:] == zs[:-1] + 1)
    first = ~joins
    last = np.append(first[1:], True)
    ry, rz0, rz1, rx0, rx1, rkey = ys[first], zs[first], zs[last], xs[first], xe[first], key[first]

    # Rectangles -> boxes: same (z0, z1, x0, x1, key), y one more than the previous rectangle's.
    order = np.lexsort((ry, rkey, rx1, rx0, rz1, rz0))
    ry, rz0, rz1, rx0, rx1, rkey = ry[order], rz0[order], rz1[order], rx0[order], rx1[order], rkey[order]
    joins = np.zeros(len(ry), dtype=bool)
    joins[1:] = ((rz0[1:] == rz0[:-1]) & (rz1[1:] == rz1[:-1]) & (rx0[1:] == rx0[:-1]) & (rx1[1:] == rx1[:-1])
                 & (rkey[1:] == rkey[:-1]) & (ry[1:] == ry[:-1] + 1))
    first = ~joins
    last = np.append(first[1:], True)
    boxes = zip(ry[first].tolist(), rz0[first].tolist(), rx0[first].tolist(), ry[last].tolist(),
                rz1[first].tolist(), rx1[first].tolist(), rkey[first].tolist(), strict=True)
    for box in boxes:
        yield from _within(box, max_blocks)


def _within(box: tuple[int, ...], max_blocks: int) -> Iterator[tuple[int, int, int, int, int, int, int]]:
    """`box` as it is, or cut into layers, rows or pieces of rows of at most `max_blocks`."""
    y0, z0, x0, y1, z1, x1, key = box
    width, depth, height = x1 - x0 + 1, z1 - z0 + 1, y1 - y0 + 1
    if width * depth * height <= max_blocks:
        yield box
    elif width * depth <= max_blocks:
        layers = max_blocks // (width * depth)
        for y in range(y0, y1 + 1, layers):
            yield y, z0, x0, min(y1, y + layers - 1), z1, x1, key
    elif width <= max_blocks:
        rows = max_blocks // width
        for y in range(y0, y1 + 1):
            for z in range(z0, z1 + 1, rows):
                yield y, z, x0, y, min(z1, z + rows - 1), x1, key
    else:
        for y in range(y0, y1 + 1):
            for z in range(z0, z1 + 1):
                for x in range(x0, x1 + 1, max_blocks):
                    yield y, z, x, y, z, min(x1, x + max_blocks - 1), key


def stamp(conn: McpiConnection, origin: tuple[int, int, int], volume: np.ndarray, data: np.ndarray | None = None,
          batch: bool = True, *, skip_air: bool = False) -> StampReport:
    """Write `volume` ([y, z, x] block ids, optional `data` values alike) with its corner at `origin`.

    batch=True sends setBlocks cuboids (see `cuboids`); batch=False one setBlock per block, which is
    what a naive mcpi script does and what the benchmark compares against. skip_air=True leaves air
    blocks out: use it when the area is known to be air already (a fresh or cleared world).
    Returns once the server has applied every write; raises BridgeUnavailable if it refused any.
    """
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError("volume must be a 3-D array indexed [y, z, x]")
    values = np.zeros(volume.shape, dtype=np.int64) if data is None else np.asarray(data, dtype=np.int64)
    if values.shape != volume.shape:
        raise ValueError("data must have the volume's shape")
    keys = volume.astype(np.int64) * 16 + (values & 15)
    skip = volume == 0 if skip_air else None
    ox, oy, oz = (int(v) for v in origin)
    calls = blocks = 0
    started = time.perf_counter()
    if batch:
        # Largest boxes first: pycraft writes a box under 50 blocks with minetest.set_node, which
        # silently does nothing in a map block that does not exist yet, and larger ones through a
        # VoxelManip, which creates the map blocks it covers. The boxes are disjoint, so the order
        # changes nothing else.
        boxes = sorted(cuboids(keys, skip), key=lambda b: (b[3] - b[0] + 1) * (b[4] - b[1] + 1) * (b[5] - b[2] + 1),
                       reverse=True)
        for y0, z0, x0, y1, z1, x1, key in boxes:
            conn.set_blocks(ox + x0, oy + y0, oz + z0, ox + x1, oy + y1, oz + z1, key >> 4, key & 15)
            calls += 1
            blocks += (y1 - y0 + 1) * (z1 - z0 + 1) * (x1 - x0 + 1)
    else:
        positions = np.argwhere(~skip) if skip is not None else np.argwhere(np.ones(volume.shape, dtype=bool))
        for y, z, x in positions.tolist():
            key = int(keys[y, z, x])
            conn.set_block(ox + x, oy + y, oz + z, key >> 4, key & 15)
        calls = blocks = len(positions)
    refused = conn.sync(ox, oy, oz, timeout=patience(blocks, conn.timeout))
    seconds = time.perf_counter() - started
    if refused:
        raise BridgeCommandFailed(f"The game server at {conn.where} refused {refused} of {calls} writes.")
    return StampReport(calls=calls, blocks=blocks, seconds=seconds)


def snapshot(conn: McpiConnection, corner1: tuple[int, int, int], corner2: tuple[int, int, int]) -> np.ndarray:
    """The blocks between two corners (inclusive) as a uint16 array [y, z, x] of legacy ids.

    Read in slabs of whole layers so that no single reply grows past MAX_BLOCKS_PER_CALL, and
    reordered from the server's y, x, z.
    """
    (xa, ya, za), (xb, yb, zb) = corner1, corner2
    x0, x1 = sorted((int(xa), int(xb)))
    y0, y1 = sorted((int(ya), int(yb)))
    z0, z1 = sorted((int(za), int(zb)))
    nx, ny, nz = x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1
    if nx * nz > MAX_BLOCKS_PER_CALL:
        raise ValueError(f"one layer of {nx} x {nz} blocks is more than one call may read")
    layers = max(1, MAX_BLOCKS_PER_CALL // (nx * nz))
    result = np.empty((ny, nz, nx), dtype=np.uint16)
    for bottom in range(y0, y1 + 1, layers):
        top = min(y1, bottom + layers - 1)
        ids = np.asarray(conn.get_blocks(x0, bottom, z0, x1, top, z1), dtype=np.uint16)
        result[bottom - y0:top - y0 + 1] = ids.reshape(top - bottom + 1, nx, nz).transpose(0, 2, 1)
    return result
