"""`make bench`: run every bench/bench_*.py (or those named in BENCH=a,b) and print one table."""

import importlib
import os
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, ensure_database, print_table  # noqa: E402


def main() -> int:
    only = {name.strip() for name in os.environ.get("BENCH", "").split(",") if name.strip()}
    modules = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if only:
        modules = [m for m in modules if m.removeprefix("bench_") in only]
    ensure_database()
    rows: list[Row] = []
    failed = False
    for name in modules:
        print(f"running {name} ...", flush=True)
        try:
            rows.extend(importlib.import_module(f"bench.{name}").run())
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            rows.append(Row(name.removeprefix("bench_"), "(failed, see above)", "-", ok=False))
            failed = True
    print_table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
