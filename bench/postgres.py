"""Benchmark: the PostgreSQL store beside the DuckDB file, on the same data (copied with copy-store).

  scorecard   quarter_scorecard() for the organisation and for one region, one quarter (2026-Q2, reading
              Q1-Q2), on the store 1000x the demo (10 M observations; --quick: 10x), DuckDB file vs
              PostgreSQL, alternated, median of --repeat; each figure includes opening a read-only session
              (connect, schema-version check, the catalog's rules) and closing it, as a CLI command pays;
              "opening a session" times that part alone
  cli         whole `python -m kpis --db X scorecard --year 2026 --quarter 3 --format json` processes on
              the demo store, alternated: interpreter start, imports, connection, the scorecard
  throughput  landing-page reruns per second over all sessions with 1 and with 2 app processes on one
              PostgreSQL database (each process runs 2 AppTest sessions in threads, filters cycling over
              three scopes, as bench/pages.py), alternated rounds, median

The PostgreSQL server is started here (tests/pgserver.py: Debian's binaries, 127.0.0.1, fsync off
as in the tests: durability settings are the DBA's, not this program's) and holds the indexes
this program creates (observations by period and KPI, target versions by key).

Usage: python bench/postgres.py [--quick] [--scale 1000] [--repeat 5] [--seconds 10] [--keep DIR]
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
from common import machine, store_for, timed_together

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER = """
import os, sys, time, logging
sys.path.insert(0, {bench!r})
os.chdir({root!r})
import pages
pages._SCRIPTS = pages._share_script_cache()
pages._keep_runtime_between_runs()
logging.getLogger("streamlit").setLevel(logging.ERROR)
pages._app("dashboard").run()  # imports and the first (cold) render, before the common start
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.005)
rate, median = pages.throughput(2, float(sys.argv[2]))
print(rate, median)
"""


def _processes(url: str, count: int, seconds: float) -> float:
    """Total reruns/s of `count` app processes (2 sessions each) running at the same time."""
    env = {**os.environ, "KPIS_DB": url}
    start = time.time() + 25  # all processes past their imports and cold render before timing starts
    code = WORKER.format(bench=str(Path(__file__).resolve().parent), root=str(ROOT))
    runs = [subprocess.Popen([sys.executable, "-c", code, str(start), str(seconds)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    total = 0.0
    for run in runs:
        out, err = run.communicate(timeout=600)
        if run.returncode:
            last = err.strip().splitlines()[-1] if err.strip() else run.returncode
            raise SystemExit(f"an app process failed: {last}")
        total += float(out.split()[0])
    return total


def _cli(db: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", db, "scorecard", "--year", "2026", "--quarter",
                             "3", "--format", "json"], capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise SystemExit(result.stderr)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x store, 2 rounds, 3 s of throughput (CI)")
    parser.add_argument("--scale", type=int, default=None, help="store size as a multiple of the demo (10, 100, 1000)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the DuckDB stores in this directory")
    args = parser.parse_args()
    scale = args.scale or (10 if args.quick else 1000)
    repeat = args.repeat or (2 if args.quick else 5)
    seconds = args.seconds or (3.0 if args.quick else 10.0)

    from kpis.backup.copying import copy_store
    from kpis.catalog import load_catalog
    from kpis.scorecard import Scope, quarter_scorecard
    from kpis.store import Store
    from tests.pgserver import PgServer, find_bindir

    if find_bindir() is None:
        raise SystemExit("PostgreSQL server binaries are missing (apt-get install postgresql)")
    print(f"machine: {machine()}")
    catalog = load_catalog()
    workdir = tempfile.TemporaryDirectory()
    server = PgServer().start()
    try:
        print(f"PostgreSQL: {server.bindir.parent.name} on 127.0.0.1:{server.port}")
        big_file = store_for(scale, args.keep, Path(workdir.name))
        big_pg = server.create_database("big")
        started = time.perf_counter()
        report = copy_store(Store(big_file), Store(big_pg), catalog, verify=False)
        print(f"copy-store {scale}x file -> PostgreSQL: {report.rows:,} rows in {time.perf_counter() - started:.1f} s")
        from kpis.store import postgres

        con = postgres.connect(big_pg)
        con.raw.execute("ANALYZE")  # what autovacuum would have done by the time anyone reads it
        con.close()

        stores = {"DuckDB file": Store(big_file, read_only=True, catalog=catalog),
                  "PostgreSQL": Store(big_pg, read_only=True, catalog=catalog)}
        region = "R000" if scale > 1 else "Mexico"
        functions = {}
        for name, store in stores.items():
            def organisation(store=store):
                with store.session() as session:
                    return quarter_scorecard(session, catalog, 2026, 2, Scope(None, None), None)[1]

            def one_region(store=store):
                with store.session() as session:
                    return quarter_scorecard(session, catalog, 2026, 2, Scope(region, None), None)[1]

            def opening(store=store):
                with store.session():
                    return None

            functions[f"{name}: organisation"] = organisation
            functions[f"{name}: one region"] = one_region
            functions[f"{name}: opening a session"] = opening
        timings = timed_together(functions, repeat)
        same = [c.actual for c in timings["DuckDB file: organisation"][1]] == \
            [c.actual for c in timings["PostgreSQL: organisation"][1]]
        print(f"\nscorecard at {scale}x ({report.tables['observations']:,} observations), median of {repeat} "
              f"(results {'agree' if same else 'DIFFER'})")
        for name, (median, _) in timings.items():
            print(f"  {name:<34} {median * 1000:9.1f} ms")
        for what in ("organisation", "one region"):
            ratio = timings[f"PostgreSQL: {what}"][0] / timings[f"DuckDB file: {what}"][0]
            print(f"  ratio PostgreSQL / DuckDB, {what}: {ratio:.2f}x")
        if not same:
            raise SystemExit("the two stores gave different scorecards")

        demo_file = store_for(1, args.keep, Path(workdir.name))
        demo_pg = server.create_database("demo")
        copy_store(Store(demo_file), Store(demo_pg), catalog, verify=False)
        _cli(str(demo_file)), _cli(demo_pg)  # warm caches for both
        cli_times = {"DuckDB file": [], "PostgreSQL": []}
        for _ in range(max(repeat, 3)):
            cli_times["DuckDB file"].append(_cli(str(demo_file)))
            cli_times["PostgreSQL"].append(_cli(demo_pg))
        print(f"\nCLI `scorecard --format json` whole process on the demo, median of {max(repeat, 3)} alternated")
        for name, values in cli_times.items():
            print(f"  {name:<12} {statistics.median(values) * 1000:8.1f} ms")
        cli_ratio = statistics.median(cli_times["PostgreSQL"]) / statistics.median(cli_times["DuckDB file"])
        print(f"  ratio PostgreSQL / DuckDB: {cli_ratio:.2f}x")

        rates = {1: [], 2: []}
        for _ in range(2 if args.quick else 3):
            for count in (1, 2):
                rates[count].append(_processes(demo_pg, count, seconds))
        print(f"\nlanding-page reruns/s on PostgreSQL (demo), {seconds:.0f} s per run, median of {len(rates[1])} "
              "alternated runs; 2 sessions per process")
        for count, values in rates.items():
            print(f"  {count} app process(es): {statistics.median(values):6.1f} reruns/s  (runs: "
                  + ", ".join(f"{v:.1f}" for v in values) + ")")
        print(f"  ratio 2 processes / 1 process: {statistics.median(rates[2]) / statistics.median(rates[1]):.2f}x "
              f"(on {os.cpu_count()} cores)")
    finally:
        from kpis.store import keep_open

        keep_open(0)
        server.stop()


if __name__ == "__main__":
    main()
