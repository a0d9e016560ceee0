"""Benchmark: the long tail of server reruns, with and without gc.freeze (kpis_app.boot.settle_memory).

Each round starts a new Python process that runs the whole app (app.py, then the dashboard, through Streamlit's
AppTest, as a served process runs it) on the store, warms it with one run, then makes --reruns reruns the way a
person does: a pause of --pause seconds between them, each moving the quarter or the region (eight
combinations, so after the first pass the report caches hit and what remains is the page's own work and the
garbage collector). Rounds alternate freeze on / off (KPIS_GC_FREEZE=0); the figures pool every round's
reruns: median, 95th percentile (nearest rank) and the slowest.

What a rerun includes: app.py (setup, sidebar, navigation) and the dashboard page, in this process. What it
leaves out: the websocket and the browser (bench/browser.py measures those).

Usage: python bench/tail.py [--quick] [--scale 1000] [--rounds 4] [--reruns 60] [--pause 0.3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, store_for

ROOT = Path(__file__).resolve().parents[1]
GOAL_P95_MS = 150
CHOICES = [(quarter, region) for region in (None, "Mexico") for quarter in (1, 2, 3, 4)]


def child(path: str, reruns: int, pause: float) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["KPIS_DB"] = path
    os.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params.update({"year": "2026", "quarter": "3", "lang": "en"})
    at.run()
    timings = []
    for run in range(reruns):
        quarter, region = CHOICES[run % len(CHOICES)]
        at.query_params["quarter"] = str(quarter)
        if region:
            at.query_params["region"] = region
        else:
            at.query_params.pop("region", None)
        time.sleep(pause)
        started = time.perf_counter()
        at.run()
        timings.append((time.perf_counter() - started) * 1000)
        if at.exception:
            raise SystemExit(at.exception[0].message)
    print(json.dumps(timings))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1x, 1 round of 10 reruns each way (CI)")
    parser.add_argument("--scale", type=int, choices=(1, 10, 100, 1000), default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reruns", type=int, default=60)
    parser.add_argument("--pause", type=float, default=0.3)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the stores in this directory")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.reruns, args.pause)
        return
    scale, rounds, reruns = (1, 1, 10) if args.quick else (args.scale, args.rounds, args.reruns)
    print(f"machine: {machine()}")
    print(f"budget: p95 of reruns <= {GOAL_P95_MS} ms")
    workdir = tempfile.TemporaryDirectory()
    path = store_for(scale, args.keep, Path(workdir.name))
    pooled: dict[str, list[float]] = {"freeze on": [], "freeze off": []}
    for _ in range(rounds):
        for mode in pooled:  # alternated round by round
            env = {**os.environ, "KPIS_GC_FREEZE": "1" if mode == "freeze on" else "0"}
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # users have bytecode cached
            out = subprocess.run([sys.executable, __file__, "--child", str(path), "--reruns", str(reruns),
                                  "--pause", str(args.pause)], env=env, check=True, capture_output=True,
                                 text=True).stdout
            pooled[mode] += json.loads(out.strip().splitlines()[-1])
    print(f"\n{scale}x the demo, {rounds} rounds x {reruns} reruns, {args.pause} s apart (ms):")
    for mode, values in pooled.items():
        print(f"  {mode:<11} median {statistics.median(values):6.0f}   p95 {p95(values):6.0f}   "
              f"slowest {max(values):6.0f}   goal p95 <= {GOAL_P95_MS}")


if __name__ == "__main__":
    main()
