"""Benchmark: the scorecard path vs the bare DuckDB query vs a straightforward pandas version.

On a store 1000x the demo (bench/common.py's builder: 40 regions x 500 departments x every
catalog KPI x 24 months, about 10 million observations), times side by side in one run,
interleaved, medians:

  ours    quarter_scorecard(): aggregation SQL + targets in force + status evaluation -> cells
          (the organisation's per-period totals read from period_rollup, kept on every write)
  bare    the aggregation query alone (sql/quarter_values.sql), fetched, nothing else, reading
          period_rollup as ours does
  scan    the same query made to read the observations themselves ($rolled false): what every
          read cost before the roll-up, and what a competent SQL version without one does
  pandas over the raw rows   the same rules in pandas on the observations already in a DataFrame (loading
          excluded): like for like with scan, which also reads every raw row
  pandas over the roll-up    the same rules in pandas on period_rollup already in a DataFrame (loading
          excluded): like for like with bare, which reads the same roll-up rows

Opening a session is timed separately and included in none of them. Ratios are printed for the like-for-like
pairs (pandas raw / scan, pandas roll-up / bare) as well as against ours. What the roll-up costs is paid
on writes: timed after the reads, on a copy of the store (so the benchmark's store is not changed):
a full rebuild of both roll-ups, period_rollup and department_rollup (a new or upgraded store, `python -m
kpis init`), and one observation upserted through the library (its transaction, audit row and both
roll-ups' rows of its one (KPI, period) pair).

Usage: python bench/scorecard.py [--quick] [--scale 1000] [--repeat 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, store_for, timed_together

import kpis.store as kpis_sql
from kpis.catalog import load_catalog
from kpis.periods import quarter_end, quarter_start
from kpis.scorecard import Scope, quarter_scorecard
from kpis.store import Store

YEAR, QUARTER = 2026, 2
FIRST, LAST = (2026, 1), (2026, 2)  # the scorecard reads the quarter and the one before


def bare(session, rolled: bool = True) -> list[tuple]:
    """The floor: the aggregation query executed and fetched as plain tuples, nothing else."""
    return session.con.execute(
        (Path(kpis_sql.__file__).parent / "sql" / "quarter_values.sql").read_text(),
        {"start": quarter_start(*FIRST), "end": quarter_end(*LAST), "region": None, "department": None, "kpi": None,
         "rolled": rolled},
    ).fetchall()


def pandas_version(frame: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """The same rules as sql/quarter_values.sql, written the way an analyst would in pandas, on raw rows."""
    start, end = pd.Timestamp(quarter_start(*FIRST)), pd.Timestamp(quarter_end(*LAST))
    rows = frame[(frame["period"] >= start) & (frame["period"] <= end)].copy()
    rows["depth"] = rows["region"].notna().astype(int) + 2 * rows["department"].notna().astype(int)
    by_depth = rows.groupby(["kpi_id", "period", "depth"], as_index=False)["value"].agg(["sum", "mean", "max", "min"])
    return _per_quarter(by_depth, rules)


def pandas_rollup_version(rollup: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """The same rules in pandas on period_rollup's rows (per KPI, period, region and "names a department"):
    sums, counts, maxima and minima combined per depth, then as pandas_version."""
    start, end = pd.Timestamp(quarter_start(*FIRST)), pd.Timestamp(quarter_end(*LAST))
    rows = rollup[(rollup["period"] >= start) & (rollup["period"] <= end)].copy()
    rows["depth"] = rows["region"].notna().astype(int) + 2 * rows["has_department"].astype(int)
    by_depth = rows.groupby(["kpi_id", "period", "depth"], as_index=False).agg(
        sum=("v_sum", "sum"), n=("n", "sum"), max=("v_max", "max"), min=("v_min", "min"))
    by_depth["mean"] = by_depth["sum"] / by_depth["n"]
    return _per_quarter(by_depth, rules)


def _per_quarter(by_depth: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Per (KPI, period): the shallowest depth's value by the across-scope rule; per quarter, the over-time rule."""
    keep = by_depth["depth"] == by_depth.groupby(["kpi_id", "period"])["depth"].transform("min")
    per_period = by_depth[keep].merge(rules, on="kpi_id")
    per_period["value"] = np.select(
        [per_period["across_scope"] == name for name in ("sum", "mean", "max")],
        [per_period["sum"], per_period["mean"], per_period["max"]], per_period["min"])
    per_period["year"] = per_period["period"].dt.year
    per_period["quarter"] = per_period["period"].dt.quarter
    results = []
    for (kpi_id, year, quarter), group in per_period.groupby(["kpi_id", "year", "quarter"]):
        rule = group["over_time"].iloc[0]
        if rule == "last":
            value = group.sort_values("period")["value"].iloc[-1]
        elif rule == "p95":
            value = group["value"].quantile(0.95)
        else:
            value = getattr(group["value"], rule)()
        results.append((kpi_id, year, quarter, value))
    return pd.DataFrame(results, columns=["kpi_id", "year", "quarter", "actual"])


def write_costs(path: Path, repeat: int) -> tuple[float, float, float]:
    """Median seconds of a full roll-up rebuild, of one observation upserted through the library (a new
    value each time, so each upsert changes the store) and of the roll-up's part of it (its one pair
    rebuilt alone), on a copy of the store at `path`."""
    import shutil

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        shutil.copy(path, copy)
        store, values = Store(copy), iter(range(10**6))

        def rebuild() -> None:
            with store.write_session() as session:
                session.refresh_rollup()

        def upsert() -> None:
            row = pd.DataFrame([{"kpi_id": "new_users", "period": pd.Timestamp(quarter_end(*LAST)).date(),
                                 "region": None, "department": None, "value": float(next(values)), "source": "bench"}])
            with store.write_session() as session:
                session.upsert_observations(row, actor="bench", channel="bench")

        def pair() -> None:
            with store.write_session() as session:
                session.refresh_rollup("SELECT kpi_id, period FROM observations WHERE kpi_id = ? AND period = ? "
                                       "AND region IS NULL AND department IS NULL",
                                       ["new_users", quarter_end(*LAST)])

        figures = timed_together({"rebuild": rebuild, "upsert": upsert, "pair": pair}, repeat)
    return figures["rebuild"][0], figures["upsert"][0], figures["pair"][0]


def open_and_close(store: Store) -> None:
    with store.session():
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x the demo, 2 rounds (CI)")
    parser.add_argument("--scale", type=int, choices=(1, 10, 100, 1000), default=None)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the stores in this directory")
    args = parser.parse_args()
    scale = args.scale or (10 if args.quick else 1000)
    repeat = args.repeat or (2 if args.quick else 5)

    print(f"machine: {machine()}")
    workdir = tempfile.TemporaryDirectory()
    path = store_for(scale, args.keep, Path(workdir.name))
    catalog = load_catalog()
    store = Store(path)
    with store.session() as session:
        count = session.scalar("SELECT count(*) FROM observations")
        frame = session.con.execute("SELECT kpi_id, period, region, department, value FROM observations").df()
        rules = session.con.execute("SELECT kpi_id, over_time, across_scope FROM kpis").df()
        frame["period"] = pd.to_datetime(frame["period"])
        rollup = session.con.execute("SELECT kpi_id, period, region, has_department, v_sum::DOUBLE AS v_sum, n, "
                                     "v_max, v_min FROM period_rollup").df()
        rollup["period"] = pd.to_datetime(rollup["period"])
        print(f"observations: {count:,}; scorecard {YEAR}-Q{QUARTER} (reads {FIRST[0]}-Q{FIRST[1]}..), "
              f"median of {repeat}")

        figures = timed_together({
            "ours": lambda: quarter_scorecard(session, catalog, YEAR, QUARTER, Scope()),
            "bare": lambda: bare(session),
            "scan": lambda: bare(session, rolled=False),
            "pandas": lambda: pandas_version(frame, rules),
            "pandas_rollup": lambda: pandas_rollup_version(rollup, rules),
            "region": lambda: quarter_scorecard(session, catalog, YEAR, QUARTER,
                                               Scope(region="R001" if scale > 1 else "Mexico")),
        }, repeat)
    (ours_s, (_, cells)), (bare_s, bare_rows) = figures["ours"], figures["bare"]
    scan_s, scan_rows = figures["scan"]
    bare_frame = pd.DataFrame([row[:4] for row in bare_rows], columns=["kpi_id", "year", "quarter", "actual"])
    (pandas_s, pandas_frame), (region_s, _) = figures["pandas"], figures["region"]
    pandas_rollup_s, pandas_rollup_frame = figures["pandas_rollup"]
    opened_s = timed_together({"open": lambda: open_and_close(store)}, repeat)["open"][0]

    merged = bare_frame.merge(pandas_frame, on=["kpi_id", "year", "quarter"], suffixes=("_sql", "_pandas"))
    agree = np.allclose(merged["actual_sql"], merged["actual_pandas"]) and len(merged) == len(bare_frame)
    merged = bare_frame.merge(pandas_rollup_frame, on=["kpi_id", "year", "quarter"], suffixes=("_sql", "_pandas"))
    agree = agree and np.allclose(merged["actual_sql"], merged["actual_pandas"]) and len(merged) == len(bare_frame)
    ours_values = {c.kpi.id: c.actual for c in cells}
    # compared on the catalog's own KPIs; roi_pct comes from the value ledger, not observations
    q_rows = bare_frame[(bare_frame["year"] == YEAR) & (bare_frame["quarter"] == QUARTER)
                        & bare_frame["kpi_id"].isin(set(ours_values) - {"roi_pct"})]
    agree = agree and all(np.isclose(ours_values[r.kpi_id], r.actual) for r in q_rows.itertuples())
    agree = agree and scan_rows == bare_rows  # the roll-up gives the very same digits
    rebuild_s, upsert_s, pair_s = write_costs(path, repeat)

    print(f"  ours   (scorecard path)     {ours_s * 1000:8.1f} ms")
    print(f"  bare   (DuckDB query only)  {bare_s * 1000:8.1f} ms")
    print(f"  scan   (query, no roll-up)  {scan_s * 1000:8.1f} ms")
    print(f"  pandas over the raw rows    {pandas_s * 1000:8.1f} ms  ({len(frame):,} rows in memory)")
    print(f"  pandas over the roll-up     {pandas_rollup_s * 1000:8.1f} ms  ({len(rollup):,} rows in memory)")
    print(f"  ours, one region scope      {region_s * 1000:8.1f} ms")
    print(f"  opening a session           {opened_s * 1000:8.1f} ms (not in the figures above)")
    print(f"ours - bare         = {(ours_s - bare_s) * 1000:.1f} ms  (targets in force, ROI ledger, forecasts, "
          "status: the same at any size)")
    print(f"ratio scan / ours   = {scan_s / ours_s:.1f}x  (what the roll-up saves a read)")
    print(f"like for like: pandas raw / scan = {pandas_s / scan_s:.1f}x; pandas roll-up / bare = "
          f"{pandas_rollup_s / bare_s:.1f}x; pandas roll-up / ours = {pandas_rollup_s / ours_s:.2f}x "
          "(ours also reads targets, the ledger, forecasts and judges status)")
    print("paid on writes instead (a copy of the store):")
    print(f"  rebuilding both roll-ups in full          {rebuild_s * 1000:8.1f} ms")
    print(f"  upserting one observation (roll-ups kept) {upsert_s * 1000:8.1f} ms")
    print(f"    of which the roll-ups (its pair rebuilt) {pair_s * 1000:8.1f} ms")
    print(f"results agree (ours, bare, scan and both pandas versions): {agree}")


if __name__ == "__main__":
    main()
