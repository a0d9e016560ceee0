"""The scorecard command: a quarter's report as a table, JSON or CSV (SPEC section 8)."""

from __future__ import annotations

import argparse
import csv
import sys

from kpis.catalog import Catalog
from kpis.cli.output import heading, print_json, print_table, reporting_currency
from kpis.escaping import one_line, spreadsheet_text
from kpis.reference.names import require_names
from kpis.report import build_report, scope_facts
from kpis.scorecard import Scope
from kpis.store import Store

__all__ = ["cmd_scorecard"]


def cmd_scorecard(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    with store.session() as session:
        session.memo = {}  # a reading command sees one state of the store: each read runs once
        require_names(session, region=args.region, department=args.department)
        report = build_report(session, catalog, args.year, args.quarter, Scope(args.region, args.department),
                              currency=reporting_currency(args.currency), as_of=args.as_of,
                              facts=scope_facts(session))
    records = report.records(args.lang)
    if args.format == "json":
        print_json(records)
    elif args.format == "csv":  # flat: the check-in object becomes checkin_note, checkin_owner, ...
        flat = [{**{k: v for k, v in r.items() if k != "checkin"},
                 **{f"checkin_{k}": (r["checkin"] or {}).get(k) for k in ("note", "owner", "confidence", "by", "at")}}
                for r in records]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else spreadsheet_text(v) for k, v in r.items()} for r in flat)
    else:
        print(one_line(heading(report, args.lang)))
        print(one_line(report.verdict_text(args.lang)) + "\n")
        print_table(report, args.lang)
    return 0
