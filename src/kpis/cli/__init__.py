"""Command line: python -m kpis [--db PATH] COMMAND ... (SPEC section 8).

The grammar is in parser.py; each command group is a module (reports, data, notify, telemetry, admin) loaded
only when one of its commands runs, so a scorecard never loads plotly or the exchange readers."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from kpis.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from kpis.cli.output import EXIT_ERROR, EXIT_INVALID
from kpis.cli.parser import READ_ONLY, build_parser, default_db_path
from kpis.errors import KpiError, ValidationError
from kpis.i18n import t
from kpis.store import Store

__all__ = ["COMMANDS", "command", "main", "run"]

# command -> (module of kpis.cli, function): a command's module is imported only when it runs, so a scorecard
# never loads pandas' writers, plotly, the exchange readers or pyspark, and the process starts fast; commands
# that write bring the store up to date first (kpis.cli.writing.ready)
COMMANDS = {
    "init": ("writing", "cmd_init"), "scorecard": ("scorecard", "cmd_scorecard"), "value": ("reports", "cmd_value"),
    "maturity": ("reports", "cmd_maturity"), "readiness": ("reports", "cmd_readiness"),
    "export": ("exports", "cmd_export"), "import": ("data", "cmd_import"), "checkin": ("data", "cmd_checkin"),
    "subscribe": ("notify", "cmd_subscribe"), "unsubscribe": ("notify", "cmd_subscribe"),
    "digest": ("notify", "cmd_notify"), "alerts": ("notify", "cmd_notify"),
    "ingest": ("telemetry", "cmd_ingest"), "rollup": ("telemetry", "cmd_rollup"),
    "demo-events": ("telemetry", "cmd_demo_events"), "backup": ("admin", "cmd_backup"),
    "restore": ("admin", "cmd_restore"), "copy-store": ("admin", "cmd_copy_store"),
    "serve-api": ("api", "cmd_serve_api"), "token": ("api", "cmd_token"), "mcp": ("api", "cmd_mcp"),
}


def command(name: str) -> Callable[[argparse.Namespace, Store, Catalog], int]:
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(f"kpis.cli.{module}"), function)


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog or DEFAULT_CATALOG_PATH)
    # reporting commands open the file read-only: they never write it (not even a catalog sync)
    read_only = args.command in READ_ONLY
    store = Store(args.db or default_db_path(), busy_timeout=float(os.environ.get("KPIS_BUSY_TIMEOUT") or 5),
                  read_only=read_only, catalog=catalog if read_only else None)
    if args.command in ("copy-store", *READ_ONLY) and not store.exists():
        raise KpiError.keyed("error.no_db", path=store.location)
    if args.command == "backup" and not store.exists():
        raise KpiError.keyed("error.no_db_backup", path=store.location)
    return command(args.command)(args, store, catalog)


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
