"""The command line's grammar: every command, option and argument type (a bad value is a one-line usage
error), and where the store is (--db, KPIS_DB)."""

from __future__ import annotations

import argparse
import math
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from kpis.errors import KpiError
from kpis.kinds import IMPORT_KINDS, is_keyword_dsn, redact
from kpis.kinds import ORGANISATION_UNIT as ORGANISATION
from kpis.periods import EARLIEST_DATE, latest_date, parse_quarter

__all__ = ["MAX_HORIZON", "READ_ONLY", "build_parser", "default_db_path", "parse_as_of"]


MAX_HORIZON = 50  # program years a projection may span


READ_ONLY = ("scorecard", "value", "maturity", "readiness", "export")


def default_db_path() -> Path | str:
    """`KPIS_DB` if set, else data/kpis.duckdb under the current directory; a postgresql:// URL
    stays a string."""
    try:
        return _db_target(os.environ.get("KPIS_DB") or "data/kpis.duckdb")
    except argparse.ArgumentTypeError as exc:  # KPIS_DB set to a connection string: one line, no password
        raise KpiError.keyed("error.kpis_db", detail=str(exc)) from None


def _db_target(value: str) -> Path | str:
    """--db / KPIS_DB: a DuckDB file path, or a postgresql://user@host:port/dbname URL. A keyword connection
    string ('host=db password=...') is refused, never taken as a file name (with the password in it)."""
    if is_keyword_dsn(value):
        raise argparse.ArgumentTypeError(
            f"'{redact(value)}' is a connection string; give a postgresql://user@host:port/dbname URL instead")
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


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
    """The whole grammar: global options, then each command group's commands; every command takes --lang."""
    parser = argparse.ArgumentParser(prog="python -m kpis", description="AI Scaling KPI Dashboard command line.")
    parser.add_argument("--db", type=_db_target, default=None, metavar="PATH|URL",
                        help="DuckDB file, or a postgresql://user@host:port/dbname URL "
                             "(default: $KPIS_DB or data/kpis.duckdb)")
    parser.add_argument("--catalog", type=Path, default=None, help="KPI catalog TOML (default: the shipped catalog)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (_writing_commands, _report_commands, _notify_commands, _telemetry_commands, _admin_commands,
                  _api_commands):
        group(commands)
    for command in commands.choices.values():  # every command speaks both languages
        command.add_argument("--lang", choices=("en", "es"), default=_default_lang(),
                             help="language of tables and messages (default: $KPIS_LANG or en)")
    return parser


def _writing_commands(commands: Any) -> None:
    """init, import, checkin."""
    init = commands.add_parser("init", help="create or upgrade the schema (idempotent)")
    init.add_argument("--demo", action="store_true", help="load the demo program if the store is empty")

    imp = commands.add_parser("import", help="import a CSV, XLSX or Parquet exchange file, all rows or none")
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    imp.add_argument("--create-missing", action="store_true",
                     help="add unknown region, department or program names as new reference data (same write)")

    checkin = commands.add_parser("checkin", help="record a check-in on a KPI for a quarter (note, owner, confidence)")
    checkin.add_argument("kpi_id")
    checkin.add_argument("--year", type=_year, required=True)
    checkin.add_argument("--quarter", type=_quarter, required=True, help="Q1-Q4 or 1-4")
    checkin.add_argument("--region", default=None)
    checkin.add_argument("--department", default=None)
    checkin.add_argument("--note", required=True, help="what happened, next step")
    checkin.add_argument("--owner", default=None)
    checkin.add_argument("--confidence", choices=("high", "medium", "low"), default="medium")


def _report_commands(commands: Any) -> None:
    """scorecard, value, maturity, readiness, export."""
    score = commands.add_parser("scorecard", help="the quarterly scorecard")
    score.add_argument("--year", type=_year, required=True)
    score.add_argument("--quarter", type=_quarter, required=True, help="Q1-Q4 or 1-4")
    score.add_argument("--region", default=None)
    score.add_argument("--department", default=None)
    score.add_argument("--as-of", type=parse_as_of, default=None, help="targets in force at this ISO date or date-time")
    score.add_argument("--format", choices=("table", "csv", "json"), default="table")
    score.add_argument("--currency", default=None, help="money KPIs in this currency (default: the store's)")
    value = commands.add_parser("value", help="cumulative value, net ROI, payback")
    value.add_argument("--program", default=None, help="one program (default: all programs together)")
    value.add_argument("--horizon", type=_bounded(1, MAX_HORIZON, "a number of program years"), default=None,
                       help="program years to show (default: the last recorded year); later years are projected")
    value.add_argument("--scenario", default="base", help="a saved scenario name (default: base)")
    value.add_argument("--currency", default=None, help="reporting currency (default: the store's, e.g. MXN)")
    value.add_argument("--discount-rate", type=_rate, default=0.10, help="for NPV, 0 to 1 (default 0.10)")
    value.add_argument("--format", choices=("table", "json"), default="table")
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


def _notify_commands(commands: Any) -> None:
    """subscribe, unsubscribe, digest, alerts."""
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


def _telemetry_commands(commands: Any) -> None:
    """ingest, rollup, demo-events."""
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


def _admin_commands(commands: Any) -> None:
    """backup, restore, copy-store."""
    backup = commands.add_parser("backup", help="export the whole database to a new directory")
    backup.add_argument("directory", type=Path)
    restore = commands.add_parser("restore", help="restore a backup directory into a new --db file or an empty "
                                  "PostgreSQL database")
    restore.add_argument("directory", type=Path)
    copy = commands.add_parser("copy-store", help="copy the whole store (audit history included) to a new file or an "
                               "empty PostgreSQL database, and check the copy")
    copy.add_argument("--to", dest="to", type=_db_target, required=True, metavar="PATH|URL",
                      help="a new DuckDB file, or postgresql://user@host:port/dbname (an empty database)")


def _api_commands(commands: Any) -> None:
    """serve-api, mcp and token (create, list, revoke)."""
    serve = commands.add_parser("serve-api", help="serve the HTTP API (OpenAPI at /openapi.json, routes under /v1)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    serve.add_argument("--port", type=_bounded(1, 65535, "port"), default=8502, help="port (default: 8502)")
    serve.add_argument("--workers", type=_bounded(1, 64, "a number of processes"), default=1,
                       help="API processes (PostgreSQL stores only: a DuckDB file has one writing process)")
    mcp = commands.add_parser("mcp", help="the MCP server over stdio, for a desktop AI assistant "
                              "(read-only unless KPIS_API_TOKEN holds an editor token)")
    mcp.set_defaults(format="table")
    token = commands.add_parser("token", help="API tokens: create (shown once), list, revoke")
    actions = token.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="a new token with a role; printed once, stored hashed")
    create.add_argument("--name", required=True, help="who or what uses it (letters, digits, . _ -)")
    create.add_argument("--role", required=True, choices=("viewer", "editor", "admin"))
    actions.add_parser("list", help="every token: name, role, created, last used, revoked")
    revoke = actions.add_parser("revoke", help="stop a token from working")
    revoke.add_argument("name")
    for action in actions.choices.values():  # `token revoke NAME --lang es` as well as `token --lang es revoke`
        action.add_argument("--lang", choices=("en", "es"), default=argparse.SUPPRESS,
                            help="language of tables and messages")


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
