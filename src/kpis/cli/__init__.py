"""Command line: python -m kpis [--db PATH] COMMAND ... (SPEC section 8)."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import math
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only light modules at the top: each command imports what it needs (a scorecard never loads
# pandas, plotly or the exchange readers), so the process starts fast.
from kpis.errors import KpiError, ValidationError
from kpis.escaping import one_line, spreadsheet_text
from kpis.i18n import t
from kpis.kinds import IMPORT_KINDS, is_keyword_dsn, redact
from kpis.kinds import ORGANISATION_UNIT as ORGANISATION
from kpis.periods import parse_quarter
from kpis.value.fx import CURRENCIES

if TYPE_CHECKING:
    from kpis.catalog import Catalog
    from kpis.store import Store

__all__ = ["default_db_path", "main"]

EXIT_ERROR = 1
EXIT_INVALID = 2
MAX_HORIZON = 50  # program years a projection may span
READ_ONLY = ("scorecard", "value", "maturity", "readiness", "export")


def default_db_path() -> Path | str:
    """`KPIS_DB` if set, else data/kpis.duckdb under the current directory; a postgresql:// URL
    stays a string."""
    try:
        return _db_target(os.environ.get("KPIS_DB") or "data/kpis.duckdb")
    except argparse.ArgumentTypeError as exc:  # KPIS_DB set to a connection string: one line, no password
        raise KpiError(f"KPIS_DB: {exc}") from None


def _db_target(value: str) -> Path | str:
    """--db / KPIS_DB: a DuckDB file path, or a postgresql://user@host:port/dbname URL. A keyword connection
    string ('host=db password=...') is refused, never taken as a file name (with the password in it)."""
    if is_keyword_dsn(value):
        raise argparse.ArgumentTypeError(
            f"'{redact(value)}' is a connection string; give a postgresql://user@host:port/dbname URL instead")
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


def current_actor() -> str:
    """Who the CLI writes as: `KPIS_USER`, else the login name."""
    try:
        return os.environ.get("KPIS_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def parse_as_of(text: str) -> datetime:
    """ISO date (end of that day) or date-time."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max)
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO date or date-time") from None


def _quarter(text: str) -> int:
    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _default_lang() -> str:
    """`KPIS_LANG` (en or es) if set, else English: the language of tables and messages."""
    lang = os.environ.get("KPIS_LANG", "en").strip().lower()[:2]
    return lang if lang in ("en", "es") else "en"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kpis", description="AI Scaling KPI Dashboard command line.")
    parser.add_argument("--db", type=_db_target, default=None, metavar="PATH|URL",
                        help="DuckDB file, or a postgresql://user@host:port/dbname URL "
                             "(default: $KPIS_DB or data/kpis.duckdb)")
    parser.add_argument("--catalog", type=Path, default=None, help="KPI catalog TOML (default: the shipped catalog)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create or upgrade the schema (idempotent)")
    init.add_argument("--demo", action="store_true", help="load the demo program if the store is empty")

    imp = commands.add_parser("import", help="import a CSV, XLSX or Parquet exchange file, all rows or none")
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    imp.add_argument("--create-missing", action="store_true",
                     help="add unknown region, department or program names as new reference data (same write)")

    score = commands.add_parser("scorecard", help="the quarterly scorecard")
    score.add_argument("--year", type=_year, required=True)
    score.add_argument("--quarter", type=_quarter, required=True, help="Q1-Q4 or 1-4")
    score.add_argument("--region", default=None)
    score.add_argument("--department", default=None)
    score.add_argument("--as-of", type=parse_as_of, default=None, help="targets in force at this ISO date or date-time")
    score.add_argument("--format", choices=("table", "csv", "json"), default="table")
    score.add_argument("--currency", default=None, help="money KPIs in this currency (default: the store's)")
    checkin = commands.add_parser("checkin", help="record a check-in on a KPI for a quarter (note, owner, confidence)")
    checkin.add_argument("kpi_id")
    checkin.add_argument("--year", type=_year, required=True)
    checkin.add_argument("--quarter", type=_quarter, required=True, help="Q1-Q4 or 1-4")
    checkin.add_argument("--region", default=None)
    checkin.add_argument("--department", default=None)
    checkin.add_argument("--note", required=True, help="what happened, next step")
    checkin.add_argument("--owner", default=None)
    checkin.add_argument("--confidence", choices=("high", "medium", "low"), default="medium")

    sub = commands.add_parser("subscribe", help="email someone the quarterly digest and/or alerts")
    sub.add_argument("email")
    sub.add_argument("--kind", choices=("digest", "alerts", "both"), default="both")
    sub.add_argument("--region", default=None)
    sub.add_argument("--department", default=None)
    unsub = commands.add_parser("unsubscribe", help="stop emailing someone")
    unsub.add_argument("email")
    digest = commands.add_parser("digest", help="the quarterly digest to every digest subscriber")
    digest.add_argument("--year", type=_year, default=None, help="default: the latest quarter with data")
    digest.add_argument("--quarter", type=_quarter, default=None)
    _delivery_options(digest)
    digest.add_argument("--resend", action="store_true",
                        help="send again to subscribers who already have this quarter's digest")
    alerts = commands.add_parser("alerts", help="new status changes and forecast misses to every alert subscriber")
    _delivery_options(alerts)

    maturity = commands.add_parser("maturity", help="CoE maturity level per unit")
    maturity.add_argument("--year", type=_year, required=True)
    maturity.add_argument("--quarter", type=_quarter, required=True)
    maturity.add_argument("--unit", default=None)
    maturity.add_argument("--format", choices=("table", "json"), default="table")

    readiness = commands.add_parser("readiness", help="the readiness-to-scale gate and success checklists")
    readiness.add_argument("--year", type=_year, required=True)
    readiness.add_argument("--quarter", type=_quarter, required=True)
    readiness.add_argument("--unit", default=ORGANISATION, help=f"default: {ORGANISATION}")
    readiness.add_argument("--format", choices=("table", "json"), default="table")

    export = commands.add_parser("export", help="charts (PNG/SVG/PDF), tables (CSV/XLSX) and the board deck (PPTX)")
    export.add_argument("what", nargs="?", choices=("deck", "chart", "table"))
    export.add_argument("item", nargs="?", help="CHART_ID or TABLE_ID (see --list)")
    export.add_argument("--list", action="store_true", help="list the chart and table ids")
    export.add_argument("--year", type=_year, default=None, help="default: the latest quarter with data")
    export.add_argument("--quarter", type=_quarter, default=None)
    export.add_argument("--region", default=None)
    export.add_argument("--department", default=None)
    export.add_argument("--format", default=None, help="png|svg|pdf for charts, csv|xlsx for tables")
    export.add_argument("--sections", default=None, help="deck sections, comma-separated (see --list)")
    export.add_argument("--pdf", action="store_true", help="also write a PDF of the deck (needs LibreOffice)")
    export.add_argument("--currency", default=None, help="reporting currency for money figures (MXN, USD, BRL, COP)")
    export.add_argument("--out", type=Path, default=None)

    ingest = commands.add_parser("ingest", help="platform KPIs from request logs")
    ingest.add_argument("kind", choices=("events",))
    ingest.add_argument("paths", nargs="+", help="Parquet or CSV files, globs or directories")
    ingest.add_argument("--create-missing", action="store_true",
                        help="add unknown region names from the logs as new reference data (same write)")
    _engine_options(ingest)

    rollup = commands.add_parser("rollup", help="monthly platform KPIs from request logs to a Parquet file (no store)")
    rollup.add_argument("kind", choices=("events",))
    rollup.add_argument("paths", nargs="+",
                        help="Parquet or CSV files, globs or directories (with --engine spark also URIs: s3a://..., hdfs://...)")
    _engine_options(rollup)
    rollup.add_argument("--out", type=Path, required=True, help="the monthly KPIs as an observations file (.parquet)")

    generate = commands.add_parser("demo-events", help="write a realistic synthetic request log")
    generate.add_argument("--events", type=_bounded(1, 2_000_000_000, "a number of events"), required=True)
    generate.add_argument("--out", type=Path, required=True, help=".parquet (or .csv for small files)")
    generate.add_argument("--seed", type=_bounded(0, 2**32 - 1, "a seed"), default=2026)

    backup = commands.add_parser("backup", help="export the whole database to a new directory")
    backup.add_argument("directory", type=Path)
    restore = commands.add_parser("restore", help="restore a backup directory into a new --db file or an empty "
                                  "PostgreSQL database")
    restore.add_argument("directory", type=Path)
    copy = commands.add_parser("copy-store", help="copy the whole store (audit history included) to a new file or an "
                               "empty PostgreSQL database, and check the copy")
    copy.add_argument("--to", dest="to", type=_db_target, required=True, metavar="PATH|URL",
                      help="a new DuckDB file, or postgresql://user@host:port/dbname (an empty database)")

    value = commands.add_parser("value", help="cumulative value, net ROI, payback")
    value.add_argument("--program", default=None, help="one program (default: all programs together)")
    value.add_argument("--horizon", type=_bounded(1, MAX_HORIZON, "a number of program years"), default=None,
                       help="program years to show (default: the last recorded year); later years are projected")
    value.add_argument("--scenario", default="base", help="a saved scenario name (default: base)")
    value.add_argument("--currency", default=None, help="reporting currency (default: the store's, e.g. MXN)")
    value.add_argument("--discount-rate", type=_rate, default=0.10, help="for NPV, 0 to 1 (default 0.10)")
    value.add_argument("--format", choices=("table", "json"), default="table")
    for command in commands.choices.values():  # every command speaks both languages
        command.add_argument("--lang", choices=("en", "es"), default=_default_lang(),
                             help="language of tables and messages (default: $KPIS_LANG or en)")
    return parser


def _bounded(low: int, high: int, what: str):
    """An argparse type: a whole number from `low` to `high`, else a one-line error naming `what`."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what} from {low:,} to {high:,}")
        return number

    return parse


def _year(text: str) -> int:
    """--year: a whole year within the dates every input accepts (2000 to ten years from today)."""
    from kpis.records import EARLIEST_DATE, latest_date

    return _bounded(EARLIEST_DATE.year, latest_date().year, "a year")(text)


def _rate(text: str) -> float:
    """--discount-rate: a finite number from 0 to 1 (0.10 = 10%)."""
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and 0 <= rate <= 1):
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a rate from 0 to 1 (0.10 = 10%)")
    return rate


def _json_value(value: Any) -> Any:
    """JSON-ready: dates as ISO text, NaN and infinities as null (the output is always valid JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    print(json.dumps(_json_value(data), ensure_ascii=False, indent=2, allow_nan=False))


def _print_table(report: Any, lang: str) -> None:
    from kpis.formatting import format_attainment, format_change, format_value
    from kpis.report import status_word, target_text
    from kpis.status import STATUS_ICONS

    headers = [t("table.kpi", lang), t("card.actual", lang), t("card.target", lang),
               t("card.attainment", lang), t("table.status", lang), t("card.change", lang)]
    lines = []
    for cell in report.cells:
        kpi = cell.kpi
        lines.append([
            kpi.name(lang), format_value(cell.actual, kpi, lang),
            target_text(cell, lang),
            format_attainment(cell.attainment), f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}",
            format_change(report.grid.change(cell), kpi, lang),
        ])
    _print_rows(headers, lines, left=(0, 4))


def _print_rows(headers: list[str], lines: list[list[str]], left: tuple[int, ...]) -> None:
    """An aligned plain-text table: columns in `left` flush left, the rest (numbers) flush right."""
    # what reaches a terminal is plain text: a name holding an escape sequence never moves the cursor
    headers, lines = [one_line(h) for h in headers], [[one_line(c) for c in row] for row in lines]
    widths = [max(len(str(row[i])) for row in [headers, *lines]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *lines]:
        print("  ".join(str(cell).ljust(w) if i in left else str(cell).rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())


def _reporting(currency: str | None) -> str | None:
    """The `--currency` asked for (checked), or None: money then stays in the currency it was recorded in,
    each amount with its own unambiguous code (MXN 4.5M, US$0.05)."""
    if currency is None:
        return None
    if currency.upper() not in CURRENCIES:
        raise ValidationError.keyed("error.unknown_currency", currency=currency, known=", ".join(CURRENCIES))
    return currency.upper()


def cmd_scorecard(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.reference.names import require_names
    from kpis.report import build_report
    from kpis.scorecard import Scope

    with store.session() as session:
        require_names(session, region=args.region, department=args.department)
        report = build_report(session, catalog, args.year, args.quarter, Scope(args.region, args.department),
                              currency=_reporting(args.currency), as_of=args.as_of)
    records = report.records(args.lang)
    if args.format == "json":
        _print_json(records)
    elif args.format == "csv":  # flat: the check-in object becomes checkin_note, checkin_owner, ...
        flat = [{**{k: v for k, v in r.items() if k != "checkin"},
                 **{f"checkin_{k}": (r["checkin"] or {}).get(k) for k in ("note", "owner", "confidence", "by", "at")}}
                for r in records]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else spreadsheet_text(v) for k, v in r.items()} for r in flat)
    else:
        print(one_line(_heading(report, args.lang)))
        print(one_line(report.verdict_text(args.lang)) + "\n")
        _print_table(report, args.lang)
    return 0


def _heading(report: Any, lang: str) -> str:
    """'Quarterly scaling dashboard: 2026-Q4 (quarter to date) · All regions · All departments · data to
    Nov 30, 2026 · MXN': the report's labels, as on the page."""
    from kpis.formatting import format_day
    from kpis.reference.names import scope_label

    parts = [report.when(lang), scope_label(report.scope.region, report.scope.department, lang, report.names)]
    if report.data_to is not None:
        parts.append(t("export.as_of", lang, date=format_day(report.cutoff, lang)))
    parts.append(report.currency)
    return f"{t('dash.heading', lang)}: {' · '.join(parts)}"


def cmd_checkin(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.editing.checkins import add_checkin
    from kpis.roles import Actor

    done = add_checkin(store, catalog, actor=Actor(current_actor(), "admin"), kpi_id=args.kpi_id, year=args.year,
                       quarter=args.quarter, note=args.note, owner=args.owner, confidence=args.confidence,
                       region=args.region, department=args.department)
    where = " · ".join([f"{done.year}-Q{done.quarter}", done.region or t("filter.all_regions", args.lang),
                        done.department or t("filter.all_departments", args.lang)])
    print(t("cli.checkin_done", args.lang, kpi=catalog.get(done.kpi_id).name(args.lang), where=where,
            confidence=t(f"confidence.{done.confidence}", args.lang)))
    return 0


def cmd_subscribe(args: argparse.Namespace, store: Store) -> int:
    from kpis.notify import subscribe, unsubscribe
    from kpis.roles import Actor

    actor = Actor(current_actor(), "admin")  # whoever can run the CLI can already write the file
    if args.command == "unsubscribe":
        removed = unsubscribe(store, actor, args.email)
        print(t("cli.unsubscribed" if removed else "cli.not_subscribed", args.lang, email=args.email.strip().lower()))
        return 0
    done = subscribe(store, actor, args.email, args.kind, args.region, args.department, args.lang)
    print(t("cli.subscribed", args.lang, email=done.email, kind=t(f"kind.{done.kind}", args.lang),
            scope=" · ".join([done.region or t("filter.all_regions", args.lang),
                              done.department or t("filter.all_departments", args.lang)]),
            lang=done.lang))
    return 0


def cmd_notify(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.notify import run_alerts, run_digest

    if args.command == "digest":
        outcome = run_digest(store, catalog, year=args.year, quarter=args.quarter, send=args.send, out=args.out,
                             resend=args.resend)
    else:
        outcome = run_alerts(store, catalog, send=args.send, out=args.out)
    year, quarter = outcome.quarter
    what = t(f"cli.{args.command}_word", args.lang)
    for path in outcome.written:
        print(t("cli.written", args.lang, path=path))
    if args.send:
        print(t("cli.sent", args.lang, what=what, quarter=f"{year}-Q{quarter}", n=len(outcome.sent),
                emails=", ".join(outcome.sent) or "—"))
    if outcome.skipped:
        print(t("cli.nothing_new" if args.command == "alerts" else "cli.digest_already", args.lang,
                n=len(outcome.skipped)))
    for email, error in outcome.failed.items():
        print(t("cli.delivery_failed", args.lang, email=email, error=error), file=sys.stderr)
    return EXIT_ERROR if outcome.failed else 0


def cmd_import(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.editing.imports import import_file
    from kpis.packs import full_catalog, load_growth_pack
    from kpis.roles import Actor

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


def cmd_value(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.formatting import format_money
    from kpis.reference.names import require_names
    from kpis.value.projection import STREAMS
    from kpis.value.valuation import value_headline, value_record, value_summary

    with store.session() as session:
        require_names(session, program=args.program)
        summary = value_summary(session, catalog, program=args.program, horizon=args.horizon,
                                scenario=args.scenario, currency=args.currency, discount_rate=args.discount_rate)
    record = value_record(summary)
    if args.format == "json":
        _print_json(record)
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
    _print_rows(headers, lines, left=(0,))
    print(f"\n* {t('value.projected', lang)}")
    for label, text in value_headline(summary, lang):
        print(f"{label}: {text}")
    return 0


def cmd_maturity(args: argparse.Namespace, store: Store) -> int:
    from kpis.maturity.levels import DIMENSIONS
    from kpis.maturity.readiness import maturity_for, maturity_record

    with store.session() as session:
        found = maturity_for(session, args.year, args.quarter, args.unit)
    if args.unit and not found:
        raise KpiError.keyed("error.no_maturity_unit", unit=args.unit, quarter=f"{args.year}-Q{args.quarter}")
    records = [maturity_record(m, args.lang) for m in found]
    if args.format == "json":
        _print_json(records)
        return 0
    lang = args.lang
    dims = [d for d in DIMENSIONS if any(d in r["scores"] for r in records)]
    headers = ["Unit" if lang == "en" else "Unidad", *[t(f"dim.{d}", lang) for d in dims],
               t("maturity.level", lang), t("maturity.mean_level", lang), t("maturity.weakest", lang)]
    lines = [[r["unit"], *[f"{r['scores'][d]:.1f}" if d in r["scores"] else "—" for d in dims],
              f"{r['level'] or '—'} {r['level_name'] or ''}".strip(),
              f"{r['mean_level']} {r['mean_level_name']}", ", ".join(t(f"dim.{d}", lang) for d in r["weakest"])]
             for r in records]
    print(f"{t('maturity.heading', lang)}: {args.year}-Q{args.quarter}\n")
    _print_rows(headers, lines, left=(0, len(dims) + 1, len(dims) + 2, len(dims) + 3))
    return 0


def cmd_readiness(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.maturity.readiness import readiness_record, unit_scope
    from kpis.report import build_report

    with store.session() as session:
        report = build_report(session, catalog, args.year, args.quarter, unit_scope(session, args.unit))
    record = readiness_record(args.unit, args.year, args.quarter, list(report.checklists), report.gate, args.lang)
    record["verdict_text"] = report.verdict_text(args.lang)
    if args.format == "json":
        _print_json(record)
        return 0
    lang = args.lang
    print(f"{t('readiness.heading', lang)}: {args.unit} · {report.when(lang)}")
    print(record["verdict_text"] + "\n")
    for item in record["prerequisites"]:
        mark = "✔" if item["met"] else "○" if item["met"] is None else "✖"
        figure = "" if item["actual"] is None else f" ({item['actual']:,.1f})"
        print(f"  {mark} {item['label']}{figure} [{item['source']}]")
    for checklist in record["checklists"]:
        print(f"{checklist['name']}: {checklist['done']}/{checklist['total']} ({checklist['pct']:.0f}%)")
    return 0


def cmd_export(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    # imported here: plotly, kaleido and python-pptx are heavy, and only exports need them
    from kpis.export.boardpack import chart_ids, gather, render_chart, render_table, table_ids
    from kpis.export.deck import build_deck, deck_to_pdf
    from kpis.export.images import figure_bytes
    from kpis.export.tables import to_csv_bytes, to_xlsx_bytes
    from kpis.reference.names import require_names
    from kpis.report import report_quarter
    from kpis.scorecard import Scope

    if args.list or args.what is None:
        print("charts: " + ", ".join(chart_ids(catalog)))
        print("tables: " + ", ".join(table_ids()))
        print("deck sections: summary, scorecard, trends, maturity, readiness, value, innovation, regions, appendix")
        return 0
    if args.out is None:
        raise KpiError.keyed("error.out_required")
    if args.what in ("chart", "table") and not args.item:
        raise KpiError.keyed("error.name_item", what=args.what)
    with store.session() as session:
        require_names(session, region=args.region, department=args.department)
        currency = _reporting(args.currency)
        if not session.rows("data_quarters"):
            raise KpiError.keyed("error.nothing_to_export")
        year, quarter = report_quarter(session, args.year, args.quarter)
        data = gather(session, catalog, year, quarter, Scope(args.region, args.department), args.lang, currency)
        program = session.get_setting("program_name", "AI program")
    if args.what == "deck":
        sections = args.sections.split(",") if args.sections else None
        content = build_deck(data, sections, program)
        args.out.write_bytes(content)
        print(f"{args.out}: board pack {data.report.when('en')}, {len(content):,} bytes")
        if args.pdf:
            pdf = deck_to_pdf(content)
            if pdf is None:
                raise KpiError.keyed("error.pdf_needs_libreoffice")
            args.out.with_suffix(".pdf").write_bytes(pdf)
            print(f"{args.out.with_suffix('.pdf')}: PDF copy")
    elif args.what == "chart":
        content = figure_bytes(render_chart(args.item, data, catalog), args.format or "png")
        args.out.write_bytes(content)
        print(f"{args.out}: {args.item} as {args.format or 'png'}")
    else:
        frame = render_table(args.item, data)
        fmt = args.format or "csv"
        if fmt not in ("csv", "xlsx"):
            raise KpiError.keyed("error.table_format", fmt=fmt)
        args.out.write_bytes(to_csv_bytes(frame) if fmt == "csv" else to_xlsx_bytes(frame, args.item))
        print(f"{args.out}: {args.item} ({len(frame)} rows) as {fmt}")
    return 0


def cmd_ingest(args: argparse.Namespace, store: Store) -> int:
    from kpis.roles import Actor
    from kpis.telemetry.ingest import ingest_events

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


def cmd_rollup(args: argparse.Namespace) -> int:
    from kpis.telemetry.ingest import rollup_to_file

    events, months, written = rollup_to_file(args.paths, args.out, engine=args.engine, spark_master=args.spark_master)
    print(f"{args.out}: {written} observation(s) for months {', '.join(months)} from {events:,} events "
          f"({args.engine}); load it with: python -m kpis import observations {args.out}")
    return 0


def cmd_demo_events(args: argparse.Namespace) -> int:
    from kpis.telemetry.eventgen import write_events

    written = write_events(args.out, args.events, args.seed)
    print(f"{args.out}: {written:,} events")
    return 0


def cmd_backup(args: argparse.Namespace, store: Store) -> int:
    from kpis.backup.files import backup_store

    counts = backup_store(store, args.directory)
    print(f"{store.location} -> {args.directory}: {sum(counts.values()):,} rows in {len(counts)} tables.")
    return 0


def cmd_restore(args: argparse.Namespace, store: Store) -> int:
    from kpis.backup.files import restore_store

    counts = restore_store(store, args.directory)
    print(f"{args.directory} -> {store.location}: {sum(counts.values()):,} rows in {len(counts)} tables restored.")
    return 0


def cmd_copy_store(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    from kpis.backup.copying import copy_store
    from kpis.store import Store

    target = Store(args.to, busy_timeout=store.busy_timeout)
    report = copy_store(store, target, catalog)
    print(f"{store.location} -> {target.location}: {report.rows:,} rows in {len(report.tables)} tables copied; "
          f"row counts and {report.quarters_checked} quarterly scorecards checked equal.")
    return 0


def _delivery_options(command: argparse.ArgumentParser) -> None:
    how = command.add_mutually_exclusive_group(required=True)
    how.add_argument("--send", action="store_true", help="send over SMTP (KPIS_SMTP_URL, KPIS_MAIL_FROM)")
    how.add_argument("--dry-run", action="store_true", help="write the messages as .eml files instead (see --out)")
    command.add_argument("--out", type=Path, default=Path("outbox"), help="folder for --dry-run (default: outbox)")


def _engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                         help="where the rollup runs: duckdb (this process) or spark (local mode, or --spark-master)")
    command.add_argument("--spark-master", default=None, metavar="URL",
                         help="a Spark cluster (spark://host:7077, yarn, k8s://...); default: Spark's configuration, "
                              "else local[*]")


def run(args: argparse.Namespace) -> int:
    from kpis.catalog import DEFAULT_CATALOG_PATH, load_catalog
    from kpis.store import Store

    catalog = load_catalog(args.catalog or DEFAULT_CATALOG_PATH)
    # reporting commands open the file read-only: they never write it (not even a catalog sync)
    read_only = args.command in READ_ONLY
    store = Store(args.db or default_db_path(), busy_timeout=float(os.environ.get("KPIS_BUSY_TIMEOUT") or 5),
                  read_only=read_only, catalog=catalog if read_only else None)
    if args.command == "demo-events":
        return cmd_demo_events(args)
    if args.command == "rollup":
        return cmd_rollup(args)
    if args.command == "restore":
        return cmd_restore(args, store)
    if args.command == "copy-store":
        if not store.exists():
            raise KpiError.keyed("error.no_db", path=store.location)
        return cmd_copy_store(args, store, catalog)
    if args.command == "backup":
        if not store.exists():
            raise KpiError.keyed("error.no_db_backup", path=store.location)
        return cmd_backup(args, store)
    if args.command in READ_ONLY and not store.exists():
        raise KpiError.keyed("error.no_db", path=store.location)
    if not read_only:
        from kpis.setup import initialise

        loaded = initialise(store, catalog, demo=getattr(args, "demo", False), actor=current_actor(),
                            rebuild=args.command == "init")
    if args.command == "init":
        print(f"{store.location}: schema ready" + ("; demo program loaded." if loaded else "."))
        return 0
    if args.command == "import":
        return cmd_import(args, store, catalog)
    if args.command == "checkin":
        return cmd_checkin(args, store, catalog)
    if args.command in ("subscribe", "unsubscribe"):
        return cmd_subscribe(args, store)
    if args.command in ("digest", "alerts"):
        return cmd_notify(args, store, catalog)
    if args.command == "value":
        return cmd_value(args, store, catalog)
    if args.command == "ingest":
        return cmd_ingest(args, store)
    if args.command == "export":
        return cmd_export(args, store, catalog)
    if args.command == "maturity":
        return cmd_maturity(args, store)
    if args.command == "readiness":
        return cmd_readiness(args, store, catalog)
    return cmd_scorecard(args, store, catalog)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, and turn every failure into one clear line on stderr and an exit code."""
    args = build_parser().parse_args(argv)
    lang = getattr(args, "lang", "en")
    label = t("cli.error", lang)
    try:
        return run(args)
    except ValidationError as exc:
        print(f"{label}: {exc.report(lang)}", file=sys.stderr)
        return EXIT_INVALID
    except KpiError as exc:
        print(f"{label}: {exc.localized(lang)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # a file that cannot be written or read: which one and why, in one line
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: never show a traceback to a user
        if os.environ.get("KPIS_DEBUG"):
            raise
        print(f"error: unexpected failure ({exc.__class__.__name__}: {exc}). "
              "Set KPIS_DEBUG=1 to see details.", file=sys.stderr)
        return EXIT_ERROR
