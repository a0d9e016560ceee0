"""Commands over request logs: ingest (into the store), rollup (to a file) and demo-events."""

from __future__ import annotations

import argparse
import sys

from kpis.catalog import Catalog
from kpis.cli.output import current_actor
from kpis.cli.writing import ready
from kpis.roles import Actor
from kpis.store import Store
from kpis.telemetry.eventgen import write_events
from kpis.telemetry.ingest import ingest_events, rollup_to_file

__all__ = ["cmd_demo_events", "cmd_ingest", "cmd_rollup"]


def cmd_ingest(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    actor = Actor(current_actor(), "admin")
    result = ingest_events(store, args.paths, actor=actor, progress=sys.stderr.isatty(),
                           create_missing=args.create_missing, engine=args.engine, spark_master=args.spark_master)
    if result.added:
        print(f"added new region(s): {', '.join(result.added)}")
    for path in result.skipped:
        print(f"{path}: already ingested, unchanged (skipped)")
    if result.files:
        print(f"{len(result.files)} file(s), {result.rows:,} events -> months {', '.join(result.months)}; "
              f"{result.observations} observation(s) written.")
    return 0


def cmd_rollup(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    events, months, written = rollup_to_file(args.paths, args.out, engine=args.engine, spark_master=args.spark_master)
    print(f"{args.out}: {written} observation(s) for months {', '.join(months)} from {events:,} events "
          f"({args.engine}); load it with: python -m kpis import observations {args.out}")
    return 0


def cmd_demo_events(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    written = write_events(args.out, args.events, args.seed)
    print(f"{args.out}: {written:,} events")
    return 0
