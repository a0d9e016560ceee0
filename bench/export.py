"""Benchmark: board exports on the demo store. Gathering the board data and building the PPTX, then
chart images: the warm, shared export browser vs the one-shot path (a browser started per call),
on the same charts, alternated chart by chart, medians.

What the image ratio includes: for the one-shot path, starting and stopping a browser for each
chart (what a program without a shared browser pays per image); for the warm path, the image
call only (the shared browser is started once, outside the timings, and restarted after each
one-shot call also outside them).

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

    figure_bytes(chosen[0])  # the shared browser starts here, outside the timings
    warm, oneshot = [], []
    for _ in range(repeat):
        for figure in chosen:  # alternate: the same chart through both paths, one after the other
            started = time.perf_counter()
            figure_bytes(figure, "png")
            warm.append(time.perf_counter() - started)
            stop_shared()
            started = time.perf_counter()
            oneshot_bytes(figure, "png")
            oneshot.append(time.perf_counter() - started)
            figure_bytes(chosen[0])  # restart the shared browser, untimed
    warm_s, oneshot_s = statistics.median(warm), statistics.median(oneshot)
    print(f"demo store, {year}-Q{quarter}; medians of {repeat} round(s)")
    print(f"  gather board data (all sections)     {gather_s * 1000:8.1f} ms")
    print(f"  board pack PPTX ({len(deck):,} bytes)  {deck_s * 1000:8.1f} ms")
    print(f"  chart PNG, warm shared browser       {warm_s * 1000:8.1f} ms  (median of {len(warm)}, {charts} charts)")
    print(f"  chart PNG, one-shot browser per call {oneshot_s * 1000:8.1f} ms  (median of {len(oneshot)})")
    print(f"ratio one-shot / warm = {oneshot_s / warm_s:.1f}x")


if __name__ == "__main__":
    main()
