"""Benchmark: board exports on the demo store. Gathering the board data and building the PPTX, then
chart images: the warm, shared export browser vs the one-shot path (a browser started per call),
on the same charts, alternated chart by chart, medians.

Three figures per chart, in this order each round: the **first image** after the shared browser was
stopped (its start is timed: what the first export after a server start costs, nothing warmed before it in
that browser), then the same chart again through the now **warm** shared browser (the image call only),
then the **one-shot** path (starting and stopping a browser for that chart: what a program without a
shared browser pays per image). The ratio one-shot / warm compares the second and third figures.

Usage: python bench/export.py [--quick] [--charts 6] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, timed_together

from kpis.catalog import load_catalog
from kpis.export.boardpack import chart_ids, gather, render_chart
from kpis.export.deck import build_deck
from kpis.export.images import figure_bytes, oneshot_bytes, stop_shared
from kpis.setup import initialise
from kpis.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 charts, 1 round (CI)")
    parser.add_argument("--charts", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    charts = args.charts or (2 if args.quick else 6)
    repeat = args.repeat or (1 if args.quick else 3)
    print(f"machine: {machine()}")
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        initialise(store, catalog, demo=True)
        with store.session() as session:
            year, quarter = session.rows("data_quarters")[0]["year"], session.rows("data_quarters")[0]["quarter"]
            figures = timed_together({
                "gather": lambda: gather(session, catalog, year, quarter),
            }, repeat)
    gather_s, data = figures["gather"]
    deck_s, deck = timed_together({"deck": lambda: build_deck(data, program="Banco Demo")}, repeat)["deck"]
    chosen = [render_chart(chart_id, data, catalog) for chart_id in chart_ids(catalog)[:charts]]

    first, warm, oneshot = [], [], []
    for _ in range(repeat):
        for figure in chosen:  # alternate: the same chart through the three paths, one after the other
            stop_shared()
            started = time.perf_counter()
            figure_bytes(figure, "png")  # starts the shared browser: timed
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            figure_bytes(figure, "png")
            warm.append(time.perf_counter() - started)
            stop_shared()
            started = time.perf_counter()
            oneshot_bytes(figure, "png")
            oneshot.append(time.perf_counter() - started)
    stop_shared()
    first_s, warm_s, oneshot_s = statistics.median(first), statistics.median(warm), statistics.median(oneshot)
    print(f"demo store, {year}-Q{quarter}; medians of {repeat} round(s)")
    print(f"  gather board data (all sections)     {gather_s * 1000:8.1f} ms")
    print(f"  board pack PPTX ({len(deck):,} bytes)  {deck_s * 1000:8.1f} ms")
    print(f"  chart PNG, first after a browser start {first_s * 1000:6.1f} ms  (median of {len(first)})")
    print(f"  chart PNG, warm shared browser       {warm_s * 1000:8.1f} ms  (median of {len(warm)}, {charts} charts)")
    print(f"  chart PNG, one-shot browser per call {oneshot_s * 1000:8.1f} ms  (median of {len(oneshot)})")
    print(f"ratio one-shot / warm = {oneshot_s / warm_s:.1f}x")


if __name__ == "__main__":
    main()
