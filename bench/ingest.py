"""Benchmark: request-log ingestion at scale (default 20 million events in one Parquet file).

Compared in one run, each variant in its own process so its peak memory is its own:

  ours    python -m kpis ingest events FILE into a fresh store: validation, the five monthly KPIs
          per region and pooled, observations upserted with audit
  floor   the bare DuckDB queries computing the same figures from the same file the way ours does
          (the wide monthly aggregate and the narrow distinct-models query; no validation, no writes)
  naive   the same figures as one straightforward DuckDB query (DISTINCT inside the wide aggregate)
  pandas  pandas/pyarrow reading the file in batches (row groups), the same figures; exact p95
          needs every latency of a group, so latencies are kept per (month, region) group
  spark   ours with --engine spark: the same ingest (validation, figures, writes) with the rollup
          run by Spark in local mode on this machine's cores. Its time is the work after the Spark
          session is up; the session start (JVM launch) is reported beside it, and its peak memory
          is the Python process plus the JVM's (VmHWM). Left out when pyspark or Java is missing.

Each variant runs --repeat times, alternated (floor, naive, ours, pandas, then again), in a fresh
child process each time; the figures are medians. The time is the work only (each child times its
own reading and computing; interpreter start and imports are left out of every variant alike).

Usage: python bench/ingest.py [--quick] [--events 20000000] [--repeat 3] [--file PATH] [--skip-pandas]
                              [--skip-spark]
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, process_memory

FLOOR_WIDE_SQL = """
SELECT strftime(date_trunc('month', timestamp), '%Y-%m') AS month, region::VARCHAR AS region,
       GROUPING(region) = 1 AS pooled,
       quantile_cont(latency_ms, 0.95) AS p95,
       100.0 * count(*) FILTER (WHERE status = 'ok') / count(*) AS availability,
       count(*) / day(last_day(min(timestamp))) AS per_day,
       avg(cost_usd) AS cost
FROM read_parquet(?)
GROUP BY GROUPING SETS ((date_trunc('month', timestamp), region), (date_trunc('month', timestamp)))
"""
FLOOR_MODELS_SQL = """
WITH pairs AS (SELECT date_trunc('month', timestamp) AS m, region, model_id FROM read_parquet(?) GROUP BY ALL)
SELECT strftime(m, '%Y-%m') AS month, region::VARCHAR AS region, GROUPING(region) = 1 AS pooled,
       count(DISTINCT model_id) AS models
FROM pairs GROUP BY GROUPING SETS ((m, region), (m))
"""
NAIVE_SQL = """
SELECT strftime(date_trunc('month', timestamp), '%Y-%m') AS month, region::VARCHAR AS region,
       GROUPING(region) = 1 AS pooled,
       quantile_cont(latency_ms, 0.95) AS p95,
       100.0 * count(*) FILTER (WHERE status = 'ok') / count(*) AS availability,
       count(*) / day(last_day(min(timestamp))) AS per_day,
       avg(cost_usd) AS cost,
       count(DISTINCT model_id) AS models
FROM read_parquet(?)
GROUP BY GROUPING SETS ((date_trunc('month', timestamp), region), (date_trunc('month', timestamp)))
"""


def run_ours(path: str) -> dict:
    from kpis.catalog import load_catalog
    from kpis.roles import Actor
    from kpis.setup import initialise
    from kpis.store import Store
    from kpis.telemetry.ingest import ingest_events

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "ingest.duckdb")
        initialise(store, load_catalog())
        started = time.perf_counter()
        # a fresh store knows no regions yet: the log's four are added as reference data in the same write
        result = ingest_events(store, [path], actor=Actor("bench", "admin"), create_missing=True)
        seconds = time.perf_counter() - started
        with store.session() as session:
            values = {f"{k}|{p}|{r}": v for k, p, r, v in session.con.execute(
                "SELECT kpi_id, strftime(period, '%Y-%m'), coalesce(region, '*'), value FROM observations").fetchall()}
    return {"seconds": seconds, "rows": result.rows, "values": values}


def run_spark(path: str) -> dict:
    from kpis.catalog import load_catalog
    from kpis.roles import Actor
    from kpis.setup import initialise
    from kpis.store import Store
    from kpis.telemetry.ingest import ingest_events
    from kpis.telemetry.spark import SparkEngine

    started = time.perf_counter()
    engine = SparkEngine.get()
    startup = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "ingest.duckdb")
        initialise(store, load_catalog())
        started = time.perf_counter()
        result = ingest_events(store, [path], actor=Actor("bench", "admin"), create_missing=True, engine="spark")
        seconds = time.perf_counter() - started
        with store.session() as session:
            values = {f"{k}|{p}|{r}": v for k, p, r, v in session.con.execute(
                "SELECT kpi_id, strftime(period, '%Y-%m'), coalesce(region, '*'), value FROM observations").fetchall()}
    jvm = engine.spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    return {"seconds": seconds, "startup": startup, "rows": result.rows, "values": values,
            "jvm_peak_mb": process_memory(int(jvm))[1]}


def run_floor(path: str) -> dict:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    wide = con.execute(FLOOR_WIDE_SQL, [path]).fetchall()
    models = {(m, r, p): n for m, r, p, n in con.execute(FLOOR_MODELS_SQL, [path]).fetchall()}
    seconds = time.perf_counter() - started
    rows = [(*row, models[(row[0], row[1], row[2])]) for row in wide]
    return {"seconds": seconds, "values": _values(rows)}


def run_naive(path: str) -> dict:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    rows = con.execute(NAIVE_SQL, [path]).fetchall()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "values": _values(rows)}


def run_pandas(path: str) -> dict:
    import numpy as np
    import pyarrow.parquet as pq

    started = time.perf_counter()
    latencies: dict[tuple[str, str], list] = {}
    counts: dict[tuple[str, str], list] = {}  # [events, ok, cost_sum, cost_n, set(models)]
    file = pq.ParquetFile(path)
    for batch in file.iter_batches(batch_size=2_000_000):
        frame = batch.to_pandas()
        # the month as a vectorised datetime64[M] (no per-row strftime); named once per group below
        frame["month"] = frame["timestamp"].to_numpy().astype("datetime64[M]")
        for (month64, region), group in frame.groupby(["month", "region"], observed=True):
            month = str(month64)[:7]
            for key in ((month, str(region)), (month, "*")):
                latencies.setdefault(key, []).append(group["latency_ms"].to_numpy())
                entry = counts.setdefault(key, [0, 0, 0.0, 0, set()])
                entry[0] += len(group)
                entry[1] += int((group["status"] == "ok").sum())
                entry[2] += float(group["cost_usd"].sum())
                entry[3] += int(group["cost_usd"].notna().sum())
                entry[4].update(str(m) for m in group["model_id"].unique())
    rows = []
    for key, parts in latencies.items():
        month, region = key
        events, ok, cost_sum, cost_n, models = counts[key]
        days = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        rows.append((month, None if region == "*" else region, region == "*",
                     float(np.percentile(np.concatenate(parts), 95)), 100 * ok / events, events / days,
                     cost_sum / cost_n, len(models)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "values": _values(rows)}


def _values(rows) -> dict:
    names = ("api_latency_p95_ms", "availability_pct", "transactions_per_day", "cost_per_prediction_usd",
             "concurrent_models")
    return {f"{name}|{month}|{region if not pooled else '*'}": float(value)
            for month, region, pooled, *figures in rows for name, value in zip(names, figures)}


def _child(variant: str, path: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--variant", variant, "--file", path],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 million events, 1 round (CI)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--file", default=None, help="reuse (or create) the event file at this path")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--variant", choices=("ours", "floor", "naive", "pandas", "spark"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:  # child process: run one variant, report time, peak memory and figures
        outcome = {"ours": run_ours, "floor": run_floor, "naive": run_naive, "pandas": run_pandas,
                   "spark": run_spark}[args.variant](args.file)
        outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + outcome.get("jvm_peak_mb", 0)
        print(json.dumps(outcome))
        return
    args.events = args.events or (1_000_000 if args.quick else 20_000_000)
    repeat = args.repeat or (1 if args.quick else 3)
    path = args.file or str(Path(tempfile.gettempdir()) / f"kpis-events-{args.events}.parquet")
    if not os.path.exists(path):
        from kpis.telemetry.eventgen import write_events

        started = time.perf_counter()
        write_events(path, args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - started:.0f} s -> {path} "
              f"({os.path.getsize(path) / 2**20:,.0f} MiB)")
    print(f"machine: {machine()}; file {path}")
    from kpis.telemetry.spark import spark_available

    missing = None if args.skip_spark else spark_available()
    if missing:
        print(f"spark variant left out: {missing}")
    variants = (("floor", "naive", "ours") + (() if args.skip_pandas else ("pandas",))
                + (() if args.skip_spark or missing else ("spark",)))
    runs: dict[str, list[dict]] = {variant: [] for variant in variants}
    for _ in range(repeat):  # alternated: every round runs every variant once
        for variant in variants:
            runs[variant].append(_child(variant, path))
    results = {}
    for variant, outcomes in runs.items():
        results[variant] = dict(outcomes[-1], seconds=statistics.median(o["seconds"] for o in outcomes),
                                peak_mb=max(o["peak_mb"] for o in outcomes))
    print(f"medians of {repeat} alternated run(s)")
    events = results["ours"]["rows"]
    for variant, outcome in results.items():
        start = (f"  (+ {statistics.median(o['startup'] for o in runs[variant]):.1f} s Spark session start)"
                 if "startup" in outcome else "")
        print(f"  {variant:6s} {outcome['seconds']:8.1f} s  {events / outcome['seconds'] / 1e6:7.2f} M events/s  "
              f"peak {outcome['peak_mb']:,.0f} MiB{start}")
    print(f"ratio ours / floor  = {results['ours']['seconds'] / results['floor']['seconds']:.2f}x  (aim <= 1.3x)")
    print(f"ratio naive / ours  = {results['naive']['seconds'] / results['ours']['seconds']:.2f}x")
    if "pandas" in results:
        print(f"ratio pandas / ours = {results['pandas']['seconds'] / results['ours']['seconds']:.1f}x")
    ours, floor = results["ours"]["values"], results["floor"]["values"]
    agree = set(ours) == set(floor) and all(abs(ours[k] - floor[k]) <= 1e-9 * max(1, abs(floor[k])) for k in floor)
    naive = results["naive"]["values"]
    agree = agree and all(abs(naive[k] - floor[k]) <= 1e-9 * max(1, abs(floor[k])) for k in floor)
    print(f"ours, floor and naive agree on all {len(floor)} figures: {agree}")
    if "spark" in results:
        print(f"ratio spark / ours  = {results['spark']['seconds'] / results['ours']['seconds']:.1f}x "
              "(work only; add the session start for a one-off run)")
        other = results["spark"]["values"]
        close = set(other) == set(floor) and all(
            abs(other[k] - floor[k]) <= 1e-9 * max(1, abs(floor[k])) for k in floor)
        print(f"spark agrees with floor on all {len(floor)} figures (1e-9): {close}")
    if "pandas" in results:
        other = results["pandas"]["values"]
        close = all(abs(other[k] - floor[k]) <= 1e-6 * max(1, abs(floor[k])) for k in floor)
        print(f"pandas agrees: {close}")


if __name__ == "__main__":
    main()
