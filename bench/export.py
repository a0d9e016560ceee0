"""Benchmark: board exports. A full board pack (PPTX), then 12 chart images through the warm,
shared export browser vs the one-shot path (a browser started per call), in one run.

Usage: python bench/export.py [--charts 12]   (builds the demo store in a temp dir)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kpis.boardpack import chart_ids, gather, render_chart
from kpis.catalog import load_catalog
from kpis.deck import build_deck
from kpis.images import figure_bytes, oneshot_bytes
from kpis.setup import initialise
from kpis.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charts", type=int, default=12)
    args = parser.parse_args()
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        initialise(store, catalog, demo=True)
        started = time.perf_counter()
        with store.session() as session:
            data = gather(session, catalog, 2026, 2)
        gather_s = time.perf_counter() - started
    started = time.perf_counter()
    deck = build_deck(data, program="Banco Demo")
    deck_s = time.perf_counter() - started
    figures = [render_chart(chart_id, data, catalog) for chart_id in chart_ids(catalog)[: args.charts]]

    figure_bytes(figures[0])  # start the shared browser once (its start-up is reported separately)
    warm = []
    for figure in figures:
        started = time.perf_counter()
        figure_bytes(figure, "png")
        warm.append(time.perf_counter() - started)
    oneshot = []
    for figure in figures[:3]:  # a fresh browser per call is slow; three calls show it
        started = time.perf_counter()
        oneshot_bytes(figure, "png")
        oneshot.append(time.perf_counter() - started)
    warm_s, oneshot_s = statistics.median(warm), statistics.median(oneshot)
    print(f"gather board data (all sections, one quarter): {gather_s * 1000:8.1f} ms")
    print(f"board pack PPTX ({len(deck):,} bytes):            {deck_s * 1000:8.1f} ms")
    print(f"{len(figures)} chart PNGs (1600x900 @2x), warm browser: {sum(warm):8.2f} s total, "
          f"median {warm_s * 1000:.0f} ms per chart")
    print(f"one-shot path (browser per call), median of 3: {oneshot_s * 1000:8.0f} ms per chart")
    print(f"ratio one-shot / warm = {oneshot_s / warm_s:.1f}x")


if __name__ == "__main__":
    main()
