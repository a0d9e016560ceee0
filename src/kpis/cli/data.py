"""Commands that write data: import (an exchange file, all rows or none) and checkin."""

from __future__ import annotations

import argparse

from kpis.catalog import Catalog
from kpis.cli.output import current_actor
from kpis.cli.writing import ready
from kpis.editing.checkins import add_checkin
from kpis.editing.imports import import_file
from kpis.i18n import t
from kpis.packs import full_catalog, load_growth_pack
from kpis.roles import Actor
from kpis.store import Store

__all__ = ["cmd_checkin", "cmd_import"]


def cmd_checkin(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    done = add_checkin(store, catalog, actor=Actor(current_actor(), "admin"), kpi_id=args.kpi_id, year=args.year,
                       quarter=args.quarter, note=args.note, owner=args.owner, confidence=args.confidence,
                       region=args.region, department=args.department)
    where = " · ".join([f"{done.year}-Q{done.quarter}", done.region or t("filter.all_regions", args.lang),
                        done.department or t("filter.all_departments", args.lang)])
    print(t("cli.checkin_done", args.lang, kpi=catalog.get(done.kpi_id).name(args.lang), where=where,
            confidence=t(f"confidence.{done.confidence}", args.lang)))
    return 0


def cmd_import(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    actor = Actor(current_actor(), "admin")  # whoever can run the CLI can already write the file
    everything = full_catalog(catalog, load_growth_pack())  # growth-pack KPIs can be imported too
    result = import_file(store, args.kind, args.file, everything, actor=actor, dry_run=args.dry_run,
                         create_missing=args.create_missing)
    lang = args.lang
    for kind, names in result.added.items():
        print(t("cli.would_add" if result.dry_run else "cli.added", lang, kind=t(f"reference.{kind}", lang),
                names=", ".join(names)))
    kind = t(f"kind.{result.kind}", lang).lower()
    if result.dry_run:
        print(t("cli.dry_run", lang, file=args.file.name, rows=result.rows, kind=kind))
    else:
        print(t("cli.imported", lang, file=args.file.name, rows=result.rows, kind=kind, written=result.written,
                unchanged=result.rows - result.written))
    return 0
