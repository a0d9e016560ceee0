"""Commands that look after a whole store: backup, restore and copy-store."""

from __future__ import annotations

import argparse

from kpis.backup.copying import copy_store
from kpis.backup.files import backup_store, restore_store
from kpis.catalog import Catalog
from kpis.store import Store

__all__ = ["cmd_backup", "cmd_copy_store", "cmd_restore"]


def cmd_backup(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    counts = backup_store(store, args.directory)
    print(f"{store.location} -> {args.directory}: {sum(counts.values()):,} rows in {len(counts)} tables.")
    return 0


def cmd_restore(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    counts = restore_store(store, args.directory)
    print(f"{args.directory} -> {store.location}: {sum(counts.values()):,} rows in {len(counts)} tables restored.")
    return 0


def cmd_copy_store(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    target = Store(args.to, busy_timeout=store.busy_timeout)
    report = copy_store(store, target, catalog)
    print(f"{store.location} -> {target.location}: {report.rows:,} rows in {len(report.tables)} tables copied; "
          f"row counts and {report.quarters_checked} quarterly scorecards checked equal.")
    return 0
