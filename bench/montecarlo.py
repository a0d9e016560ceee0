"""Benchmark: the seeded Monte Carlo of cumulative value (vectorised numpy) vs a plain Python loop.

Usage: python bench/montecarlo.py [--quick] [--draws 10000] [--horizon 10] [--repeat 5]
(interleaved: each round runs both variants, one after the other; medians)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from kpis.demo import DEMO_INVESTMENTS, DEMO_STREAMS
from kpis.value.projection import STREAMS, ProgramLedger, Scenario, simulate


def demo_ledger() -> ProgramLedger:
    streams = {s: {y: a for y, a in enumerate(amounts, start=1)} for s, (amounts, _) in DEMO_STREAMS.items()}
    growth = {s: rate for s, (_, rate) in DEMO_STREAMS.items()}
    return ProgramLedger("demo", streams, growth, {y: dict(c) for y, c in DEMO_INVESTMENTS.items()})


def python_loop(ledger: ProgramLedger, horizon: int, draws: int, sigma: float) -> list[float]:
    """The same model one draw and one year at a time; returns the median final cumulative value."""
    rng = random.Random(7)
    finals = []
    for _ in range(draws):
        total = 0.0
        for stream in STREAMS:
            by_year = ledger.streams[stream]
            level = by_year[max(by_year)]
            total += sum(by_year.values())
            for _ in range(horizon - ledger.last_year):
                level *= 1 + (ledger.growth[stream] - 1) * rng.lognormvariate(0.0, sigma)
                total += level
        finals.append(total)
    return [statistics.median(finals)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 draws, 2 rounds (CI)")
    parser.add_argument("--draws", type=int, default=None)
    parser.add_argument("--horizon", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    args.draws = args.draws or (2_000 if args.quick else 10_000)
    args.repeat = args.repeat or (2 if args.quick else 5)
    print(f"machine: {machine()}")
    ledger = demo_ledger()
    timings: dict[str, list[float]] = {"numpy": [], "python": []}
    results = {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        results["numpy"] = simulate([ledger], horizon=args.horizon, scenario=Scenario(), draws=args.draws)
        timings["numpy"].append(time.perf_counter() - started)
        started = time.perf_counter()
        results["python"] = python_loop(ledger, args.horizon, args.draws, 0.25)
        timings["python"].append(time.perf_counter() - started)
    numpy_s, python_s = (statistics.median(timings[k]) for k in ("numpy", "python"))
    print(f"Monte Carlo: {args.draws:,} draws x {args.horizon} program years x {len(STREAMS)} streams, "
          f"median of {args.repeat}")
    print(f"  vectorised (kpis.value.projection.simulate)  {numpy_s * 1000:8.1f} ms")
    print(f"  plain Python loop, same model      {python_s * 1000:8.1f} ms")
    print(f"ratio python / vectorised = {python_s / numpy_s:.1f}x")
    p50 = results["numpy"].p50[-1]
    print(f"median final cumulative value: vectorised {p50 / 1e6:,.0f}M, loop {results['python'][0] / 1e6:,.0f}M "
          f"(same model, different random streams)")


if __name__ == "__main__":
    main()
