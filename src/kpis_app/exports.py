"""Export glue: builds files on demand (download buttons call these only when clicked)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kpis.export.boardpack import TABLES, chart_registry, chart_title, render_chart, render_table
from kpis.export.boardpack import board_data as board_data_of
from kpis.export.deck import build_deck, deck_to_pdf
from kpis.export.deck.slides import program_title
from kpis.export.images import figure_bytes
from kpis.export.tables import to_csv_bytes, to_xlsx_bytes
from kpis.i18n import t
from kpis.periods import today
from kpis.scorecard import Scope
from kpis.store import Store
from kpis_app.state import cached_report, get_catalog, store_key


@st.cache_resource(ttl=600, max_entries=8, show_spinner=False)
def _board_data(db_path: str, version: float, day: date, year: int, quarter: int, region: str | None,
                department: str | None, lang: str, currency: str | None):
    report = cached_report(year, quarter, region, department, currency)  # the pages' own report
    with Store(db_path).session() as session:
        data = board_data_of(report, session, get_catalog(), lang)
        program = program_title(session.get_setting("program_name"), lang)
    return data, program


def board_data(year: int, quarter: int, scope: Scope, lang: str):
    """The quarter's report (as the pages show it) in `lang`, with the deck's value projection."""
    return _board_data(*store_key(), today(), year, quarter, scope.region, scope.department, lang,
                       st.session_state.get("currency"))


def deck_file(year: int, quarter: int, scope: Scope, lang: str, sections: list[str]) -> bytes:
    data, program = board_data(year, quarter, scope, lang)
    return build_deck(data, sections, program)


def deck_pdf_file(year: int, quarter: int, scope: Scope, lang: str, sections: list[str]) -> bytes:
    return deck_to_pdf(deck_file(year, quarter, scope, lang, sections)) or b""


def chart_file(chart_id: str, fmt: str, year: int, quarter: int, scope: Scope, lang: str) -> bytes:
    data, _ = board_data(year, quarter, scope, lang)
    return figure_bytes(render_chart(chart_id, data, get_catalog()), fmt)


def table_file(table_id: str, fmt: str, year: int, quarter: int, scope: Scope, lang: str) -> bytes:
    data, _ = board_data(year, quarter, scope, lang)
    frame = render_table(table_id, data)
    return to_csv_bytes(frame) if fmt == "csv" else to_xlsx_bytes(frame, table_id)


def chart_choices(lang: str) -> dict[str, str]:
    catalog = get_catalog()
    titles = {}
    for chart_id, item in chart_registry(catalog).items():
        label = catalog.get(item.title_key).name(lang) if item.title_key in catalog else t(item.title_key, lang)
        titles[chart_id] = (t("export.trend_of", lang, kpi=label) if chart_id.startswith("trend_") else label)
    return titles


def table_choices(lang: str) -> dict[str, str]:
    return {table_id: t(item.title_key, lang) for table_id, item in TABLES.items()}


__all__ = ["chart_choices", "chart_file", "chart_title", "deck_file", "deck_pdf_file", "table_choices", "table_file"]
