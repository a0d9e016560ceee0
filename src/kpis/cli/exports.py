"""The export command: charts (PNG/SVG/PDF), tables (CSV/XLSX) and the board deck (PPTX) of a quarter's report.
Its own module: plotly, kaleido and python-pptx load only when something is exported."""

from __future__ import annotations

import argparse

from kpis.catalog import Catalog
from kpis.cli.output import reporting_currency
from kpis.errors import KpiError
from kpis.export.boardpack import BoardData, chart_ids, gather, render_chart, render_table, table_ids
from kpis.export.deck import build_deck, deck_to_pdf
from kpis.export.deck.slides import program_title
from kpis.export.images import figure_bytes
from kpis.export.tables import to_csv_bytes, to_xlsx_bytes
from kpis.reference.names import require_names
from kpis.report import report_quarter
from kpis.scorecard import Scope
from kpis.store import Store

__all__ = ["cmd_export"]


def cmd_export(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
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
        currency = reporting_currency(args.currency)
        if not session.rows("data_quarters"):
            raise KpiError.keyed("error.nothing_to_export")
        year, quarter = report_quarter(session, args.year, args.quarter)
        data = gather(session, catalog, year, quarter, Scope(args.region, args.department), args.lang, currency)
        program = program_title(session.get_setting("program_name"), args.lang)
    if args.what == "deck":
        _write_deck(args, data, program)
    elif args.what == "chart":
        content = figure_bytes(render_chart(args.item, data, catalog), args.format or "png")
        args.out.write_bytes(content)
        print(f"{args.out}: {args.item} as {args.format or 'png'}")
    else:
        _write_table(args, data)
    return 0


def _write_deck(args: argparse.Namespace, data: BoardData, program: str) -> None:
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


def _write_table(args: argparse.Namespace, data: BoardData) -> None:
    frame = render_table(args.item, data)
    fmt = args.format or "csv"
    if fmt not in ("csv", "xlsx"):
        raise KpiError.keyed("error.table_format", fmt=fmt)
    args.out.write_bytes(to_csv_bytes(frame) if fmt == "csv" else to_xlsx_bytes(frame, args.item))
    print(f"{args.out}: {args.item} ({len(frame)} rows) as {fmt}")
