"""Issue 7, item 10: blocks per second stamped through the mcpi bridge into a live Minetest server.

A 64 x 16 x 64 park (layered ground, paths, plaza, pond, trees, benches, lamps: the mixed content
of a real site) is stamped with setBlocks cuboids (batched) and with one setBlock per block, on a
headless Minetest server with Sangkat's mod (started here, on free loopback ports, in a temporary
world). Both areas are generated first, so the numbers are stamping, not map generation. Each
figure is the best of a few runs; the server answers once per 20 ms step.
Alone: .venv/bin/python bench/bench_bridge.py   With the others: make bench (BENCH=bridge).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table  # noqa: E402
from games.minecraft.bridge import McpiConnection, snapshot, stamp  # noqa: E402
from games.minecraft.bridge.minetest_server import MinetestServer, free_port  # noqa: E402
from games.minecraft.bridge.sample import park  # noqa: E402

AREA = "bridge"
SIZE = (64, 16, 64)  # width (x), height (y), depth (z)
TARGET_SPEEDUP = 20


def run() -> list[Row]:
    width, height, depth = SIZE
    volume = park(width, height, depth)
    batched_at, single_at = (0, 0, 0), (width + 32, 0, 0)
    with tempfile.TemporaryDirectory(prefix="sangkat-bench-minetest-") as directory:
        server = MinetestServer(Path(directory), mcpi_port=free_port(), game_port=free_port(kind=2))
        server.start()
        try:
            conn = McpiConnection("127.0.0.1", server.mcpi_port, timeout=60)
            for x, y, z in (batched_at, single_at):  # generate both areas before timing anything
                snapshot(conn, (x, y, z), (x + width - 1, y + height - 1, z + depth - 1))
            batched = min((stamp(conn, batched_at, volume, batch=True) for _ in range(3)), key=lambda r: r.seconds)
            single = min((stamp(conn, single_at, volume, batch=False) for _ in range(2)), key=lambda r: r.seconds)
            started = time.perf_counter()
            rounds = 3
            for _ in range(rounds):
                read = snapshot(conn, batched_at, (width - 1, height - 1, depth - 1))
            read_seconds = (time.perf_counter() - started) / rounds
            if not (read == volume).all():
                raise RuntimeError("the stamped park did not read back identical")
            started = time.perf_counter()
            for i in range(50):
                conn.get_block(i % width, 3, 0)
            round_trip_ms = (time.perf_counter() - started) / 50 * 1000
            conn.close()
        finally:
            server.kill()
    speedup = single.seconds / batched.seconds
    size = f"{width}x{height}x{depth}"
    return [
        Row(AREA, f"stamp {size} park, batched ({batched.calls} setBlocks)",
            f"{batched.blocks_per_second:,.0f} blocks/s ({batched.seconds:.2f} s)"),
        Row(AREA, f"stamp {size} park, per block ({single.calls} setBlock)",
            f"{single.blocks_per_second:,.0f} blocks/s ({single.seconds:.2f} s)"),
        Row(AREA, "batched vs per block", f"{speedup:.1f}x", f">= {TARGET_SPEEDUP}x", speedup >= TARGET_SPEEDUP),
        Row(AREA, f"snapshot {size} (getBlocks)", f"{volume.size / read_seconds:,.0f} blocks/s ({read_seconds:.2f} s)"),
        Row(AREA, "getBlock round trip", f"{round_trip_ms:.1f} ms"),
    ]


if __name__ == "__main__":
    print_table(run())
