"""Benchmark: whole `python -m kpis` processes (scorecard, value, readiness) vs a bare Python + DuckDB process
reading the same data from the same file, alternated, medians (wall clock, process start to exit).

  ours  python -m kpis --db FILE scorecard --year Y --quarter Q --format json
        python -m kpis --db FILE value --format json
        python -m kpis --db FILE readiness --year Y --quarter Q --format json
        (interpreter start, imports, catalog load, read-only open, the report or valuation, the JSON on stdout)
  bare  python -c "import duckdb; ..." opening FILE read-only and fetching the rows the command reads:
        scorecard  sql/quarter_values.sql for the quarters (from the period roll-up, as ours reads them)
        value      the value streams, investments, scenarios and exchange rates
        readiness  sql/quarter_values.sql and the checklist ticks
        the least any Python program that reads that answer from the file pays (it computes nothing)

Both sides are whole processes (start to exit), so interpreter start-up and imports are in both. The
timings run with bytecode caches written (PYTHONDONTWRITEBYTECODE removed from the children's environment),
as an installed program has them.

Usage: python bench/cli.py [--quick] [--scale 1] [--repeat 15] [--keep DIR]
"""

from __future__ import annotations

import argparse
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
GOAL = 1.5
BARE = """
import sys, datetime, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
quarters = {"start": datetime.date(2026, 4, 1), "end": datetime.date(2026, 9, 30), "region": None,
            "department": None, "kpi": None, "rolled": True}
kind = sys.argv[3]
if kind in ("scorecard", "readiness"):
    print(len(con.execute(open(sys.argv[2]).read(), quarters).fetchall()))
if kind == "readiness":
    print(len(con.execute("SELECT * FROM checklist_ticks").fetchall()))
if kind == "value":
    for table in ("value_streams", "investments", "value_scenarios", "fx_rates"):
        print(len(con.execute(f"SELECT * FROM {table}").fetchall()))
"""
COMMANDS = {
    "scorecard": ["scorecard", "--year", "2026", "--quarter", "3", "--format", "json"],
    "value": ["value", "--format", "json"],
    "readiness": ["readiness", "--year", "2026", "--quarter", "3", "--format", "json"],
}
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 rounds (CI)")
    parser.add_argument("--scale", type=int, choices=(1, 10, 100, 1000), default=1)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the stores in this directory")
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 15)
    print(f"machine: {machine()}")
    workdir = tempfile.TemporaryDirectory()
    path = store_for(args.scale, args.keep, Path(workdir.name))
    sql = str(ROOT / "src" / "kpis" / "store" / "sql" / "quarter_values.sql")
    variants = {}
    for name, words in COMMANDS.items():
        variants[f"ours {name}"] = [sys.executable, "-m", "kpis", "--db", str(path), *words]
        variants[f"bare {name}"] = [sys.executable, "-c", BARE, str(path), sql, name]
    for command in variants.values():
        _run(command)  # warm the file cache and write bytecode for every variant
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, command in variants.items():
            times[name].append(_run(command))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"{args.scale}x the demo, medians of {repeat} alternated runs (each round runs all six once)")
    worst = 0.0
    for name in COMMANDS:
        ours, bare = medians[f"ours {name}"], medians[f"bare {name}"]
        worst = max(worst, ours / bare)
        print(f"  {name:<10} ours {ours:7.1f} ms   bare {bare:7.1f} ms   ratio {ours / bare:.2f}x")
    print(f"worst ratio ours / bare = {worst:.2f}x  (goal: <= {GOAL}x)")


if __name__ == "__main__":
    main()
