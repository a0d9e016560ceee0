"""Commands that print the value, maturity and readiness figures of a quarter's report."""

from __future__ import annotations

import argparse

from kpis.catalog import Catalog
from kpis.cli.output import print_json, print_rows
from kpis.errors import KpiError
from kpis.formatting import format_money, format_number, format_percent
from kpis.i18n import t
from kpis.maturity.levels import DIMENSIONS
from kpis.maturity.readiness import maturity_for, maturity_record, readiness_record, unit_scope
from kpis.maturity.verdict import how_decided
from kpis.reference.names import label, require_names, spanish_names
from kpis.report import build_report, scope_facts
from kpis.store import Store
from kpis.value.projection import STREAMS
from kpis.value.valuation import value_headline, value_record, value_summary

__all__ = ["cmd_maturity", "cmd_readiness", "cmd_value"]


def cmd_value(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    with store.session() as session:
        session.memo = {}  # a reading command sees one state of the store: each read runs once
        require_names(session, program=args.program)
        summary = value_summary(session, catalog, program=args.program, horizon=args.horizon,
                                scenario=args.scenario, currency=args.currency, discount_rate=args.discount_rate)
    record = value_record(summary)
    if args.format == "json":
        print_json(record)
        return 0
    lang = args.lang
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    print(f"{t('value.heading', lang)}: {', '.join(summary.programs)} · {t('value.scenario', lang)} "
          f"{summary.scenario.name} · {summary.currency}\n")
    headers = [t("value.year", lang), *[t(f"stream.{s}", lang) for s in STREAMS], t("value.value", lang),
               t("value.investment", lang), t("value.cumulative_value", lang), t("value.cumulative_investment", lang)]
    lines = [[f"{row.year}{'*' if row.projected else ''}", *[money(row.streams[s]) for s in STREAMS],
              money(row.value), money(row.investment), money(row.cumulative_value),
              money(row.cumulative_investment)] for row in summary.years]
    print_rows(headers, lines, left=(0,))
    print(f"\n* {t('value.projected', lang)}")
    for name, text in value_headline(summary, lang):
        print(f"{name}: {text}")
    return 0


def cmd_maturity(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    with store.session() as session:
        found = maturity_for(session, args.year, args.quarter, args.unit)
        spanish = spanish_names(session)
    if args.unit and not found:
        raise KpiError.keyed("error.no_maturity_unit", unit=args.unit, quarter=f"{args.year}-Q{args.quarter}")
    records = [maturity_record(m, args.lang) for m in found]
    if args.format == "json":
        print_json(records)
        return 0
    lang = args.lang
    dims = [d for d in DIMENSIONS if any(d in r["scores"] for r in records)]
    headers = [t("export.unit", lang), *[t(f"dim.{d}", lang) for d in dims],
               t("maturity.level", lang), t("maturity.mean_level", lang), t("maturity.weakest", lang)]
    lines = [[label("region", r["unit"], lang, spanish),
              *[format_number(r["scores"][d], lang, 1) if d in r["scores"] else "—" for d in dims],
              f"{r['level'] or '—'} {r['level_name'] or ''}".strip(),
              f"{r['mean_level']} {r['mean_level_name']}", ", ".join(t(f"dim.{d}", lang) for d in r["weakest"])]
             for r in records]
    print(f"{t('maturity.heading', lang)}: {args.year}-Q{args.quarter}\n")
    print_rows(headers, lines, left=(0, len(dims) + 1, len(dims) + 2, len(dims) + 3))
    return 0


def cmd_readiness(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    with store.session() as session:
        session.memo = {}  # a reading command sees one state of the store: each read runs once
        report = build_report(session, catalog, args.year, args.quarter, unit_scope(session, args.unit),
                              facts=scope_facts(session))
    record = readiness_record(args.unit, args.year, args.quarter, list(report.checklists), report.gate, args.lang)
    record["verdict_text"] = report.verdict_text(args.lang)
    if args.format == "json":
        print_json(record)
        return 0
    lang = args.lang
    print(f"{t('readiness.heading', lang)}: {label('region', args.unit, lang, report.names)} · {report.when(lang)}")
    print(record["verdict_text"] + "\n")
    for item in report.gate.items:  # each prerequisite in words: the data's figure and what it needs, or who ticked it
        mark = "✔" if item.met else "○" if item.met is None else "✖"
        print(f"  {mark} {item.item.label(lang)} — {how_decided(item, catalog, lang)}")
    for checklist in record["checklists"]:
        print(f"{checklist['name']}: {checklist['done']}/{checklist['total']} "
              f"({format_percent(checklist['pct'], lang)})")
    return 0
