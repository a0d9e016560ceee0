"""What every command that writes a store does first: create or upgrade its schema, sync the KPI catalog and,
for `init --demo` on an empty store, load the demo program."""

from __future__ import annotations

import argparse

from kpis.catalog import Catalog
from kpis.cli.output import current_actor
from kpis.setup import initialise
from kpis.store import Store

__all__ = ["cmd_init", "ready"]


def ready(args: argparse.Namespace, store: Store, catalog: Catalog) -> bool:
    """The store brought up to date for writing; True when the demo program was loaded."""
    return initialise(store, catalog, demo=getattr(args, "demo", False), actor=current_actor(),
                      rebuild=args.command == "init")


def cmd_init(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    loaded = ready(args, store, catalog)
    print(f"{store.location}: schema ready" + ("; demo program loaded." if loaded else "."))
    return 0
