"""Benchmark: the whole `python -m kpis scorecard` process vs a bare Python + DuckDB process reading
the same file, alternated, medians (wall clock, process start to exit).

  ours  python -m kpis --db FILE scorecard --year Y --quarter Q --format json
        (interpreter start, imports, catalog load, read-only open, the scorecard query, targets,
        status evaluation, the JSON on stdout)
  bare  python -c "import duckdb; ..." opening FILE read-only and fetching sql/quarter_values.sql for
        the same quarters (from the period roll-up, as ours reads them): the least any Python program
        reading that answer from the file pays

The ratio leaves out nothing on either side: both are whole processes, so interpreter start-up
and imports are in both figures.

Usage: python bench/cli.py [--quick] [--scale 1] [--repeat 15] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, store_for

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import sys, datetime, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
sql = open(sys.argv[2]).read()
rows = con.execute(sql, {"start": datetime.date(2026, 4, 1), "end": datetime.date(2026, 9, 30),
                         "region": None, "department": None, "kpi": None, "rolled": True}).fetchall()
print(len(rows))
"""


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
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
    ours = [sys.executable, "-m", "kpis", "--db", str(path), "scorecard", "--year", "2026", "--quarter", "3",
            "--format", "json"]
    bare = [sys.executable, "-c", BARE, str(path), str(ROOT / "src" / "kpis" / "store" / "sql" / "quarter_values.sql")]
    _run(ours), _run(bare)  # warm the file cache for both
    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(repeat):
        times["ours"].append(_run(ours))
        times["bare"].append(_run(bare))
    ours_s, bare_s = statistics.median(times["ours"]), statistics.median(times["bare"])
    print(f"{args.scale}x the demo, 2026-Q3, medians of {repeat} alternated runs")
    print(f"  ours  python -m kpis scorecard --format json  {ours_s * 1000:8.1f} ms")
    print(f"  bare  python + duckdb, the query only         {bare_s * 1000:8.1f} ms")
    print(f"ratio ours / bare = {ours_s / bare_s:.2f}x  (aim: <= 2x)")


if __name__ == "__main__":
    main()
