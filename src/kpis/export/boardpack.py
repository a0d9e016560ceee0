"""Everything an export needs for one quarter and scope, gathered once: the board data bundle,
the chart and table registry (ids used by the CLI and the Export page)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpis.catalog import Catalog, Kpi
from kpis.errors import KpiError
from kpis.escaping import html_text
from kpis.explain import FORECAST_ICONS
from kpis.export.charts import (
    INK,
    MUTED,
    cumulative_figure,
    fan_figure,
    funnel_figure,
    horizon_figure,
    launches_figure,
    radar_figure,
    region_latency_figure,
    trend_figure,
    value_streams_figure,
)
from kpis.formatting import format_day
from kpis.i18n import t
from kpis.innovation.funnel import HORIZON_MIX, UseCase
from kpis.maturity.levels import Maturity
from kpis.maturity.readiness import ChecklistResult, maturity_record
from kpis.maturity.verdict import how_decided
from kpis.reference.names import label, scope_label
from kpis.report import QuarterReport, build_report, status_word
from kpis.scorecard import Cell, Scope, scorecard_records
from kpis.status import STATUS_ICONS
from kpis.store import Session
from kpis.value.fx import FxError
from kpis.value.ledger import load_ledgers
from kpis.value.projection import STREAMS, Simulation, ValueSummary, simulate
from kpis.value.valuation import value_summary

__all__ = ["BoardData", "ExportItem", "board_figure", "chart_ids", "framed_figure", "gather", "render_chart",
           "render_table", "status_word", "table_ids"]


@dataclass(frozen=True)
class BoardData:
    """One quarter's report (kpis.report) in one language, with the value projection the deck adds."""

    report: QuarterReport
    lang: str
    value: ValueSummary | None = None  # realised figures replaced by the report's (at its cut-off)
    simulation: Simulation | None = None

    year = property(lambda self: self.report.year)
    quarter = property(lambda self: self.report.quarter)
    scope = property(lambda self: self.report.scope)
    grid = property(lambda self: self.report.grid)
    changes = property(lambda self: self.report.changes)
    gate = property(lambda self: self.report.gate)
    checkins = property(lambda self: self.report.checkins)
    names = property(lambda self: self.report.names)
    region_grids = property(lambda self: self.report.regions)

    @property
    def cells(self) -> list[Cell]:
        return list(self.report.cells)

    @property
    def as_of(self) -> date:
        """The day the report runs to: the quarter's last day, or the day its data runs to."""
        return self.report.cutoff

    @property
    def maturities(self) -> list[Maturity]:
        return list(self.report.maturities)

    @property
    def checklists(self) -> list[ChecklistResult]:
        return list(self.report.checklists)

    @property
    def use_cases(self) -> list[UseCase]:
        return [] if self.report.innovation is None else list(self.report.innovation.cases)

    @property
    def verdict(self) -> str:
        """The dashboard's first line (kpis.maturity.verdict), the executive summary's headline."""
        return self.report.verdict_text(self.lang)

    @property
    def horizons(self) -> dict[str, tuple[int, float]]:
        """Active use cases per horizon and their share (%), at the report's cut-off."""
        found = () if self.report.innovation is None else self.report.innovation.horizons
        return {horizon: (count, share) for horizon, count, share in found}

    @property
    def cells_by_id(self) -> dict[str, Cell]:
        return {cell.kpi.id: cell for cell in self.cells}

    def named(self, kind: str, name: str | None) -> str:
        """A region, department or unit as the pages name it in this language ('Brasil', 'Organización')."""
        return label(kind, name, self.lang, self.names)

    @property
    def scope_text(self) -> str:
        return f"{self.report.when(self.lang)} · " + scope_label(self.scope.region, self.scope.department, self.lang,
                                                                 self.names)

    @property
    def unit(self) -> str:
        return self.report.unit


def gather(session: Session, catalog: Catalog, year: int, quarter: int, scope: Scope | None = None,
           lang: str = "en", currency: str | None = None) -> BoardData:
    """The quarter's report (kpis.report.build_report) and the value projection, read once."""
    return board_data(build_report(session, catalog, year, quarter, scope, currency=currency), session, catalog, lang)


def board_data(report: QuarterReport, session: Session, catalog: Catalog, lang: str) -> BoardData:
    """A report in `lang` with the value projection the deck's value slide adds (its realised figures are the
    report's, at the report's cut-off)."""
    try:
        value = value_summary(session, catalog, horizon=None, currency=report.currency,
                              models=report.models_in_production)
        ledgers, _ = load_ledgers(session, currency=value.currency)
        simulation = simulate(ledgers, horizon=max(len(value.years), 1))
        value = replace(value, realised=report.realised)
    except FxError:
        raise
    except KpiError:  # no value ledger recorded: the deck leaves the value section out
        value, simulation = None, None
    return BoardData(report, lang, value, simulation)


def board_figure(figure: go.Figure, data: BoardData, title: str) -> go.Figure:
    """A deck-ready copy: title, a subtitle naming the scope and data-as-of date, a source footnote."""
    return framed_figure(figure, title, data.scope_text, data.as_of, data.lang)


def framed_figure(figure: go.Figure, title: str, scope_text: str, as_of: date | None, lang: str) -> go.Figure:
    """A copy of a page figure framed for a deck: title, scope and data-as-of subtitle, source footnote."""
    board = copy.deepcopy(figure)
    stamp = t("export.as_of", lang, date=format_day(as_of, lang)) if as_of else ""
    board.update_layout(
        title=dict(text=f"<b>{html_text(title)}</b><br><span style='font-size:16px;color:{MUTED}'>"
                        f"{html_text(scope_text)}{' · ' + stamp if stamp else ''}</span>",
                   x=0.02, xanchor="left", y=0.96),
        margin=dict(t=120, b=150, l=90, r=40), font=dict(size=18, color=INK),
    )
    board.add_annotation(text=t("export.source", lang), xref="paper", yref="paper", x=0, y=0, yshift=-110,
                         xanchor="left", yanchor="top", showarrow=False, font=dict(size=13, color=MUTED))
    return board


@dataclass(frozen=True)
class ExportItem:
    id: str
    title_key: str
    build: Callable[[BoardData], Any]


def _trend(kpi_id: str) -> Callable[[BoardData], go.Figure]:
    return lambda data: trend_figure(data.grid, kpi_id, data.lang, as_of=(data.year, data.quarter))


def _needs_value(build: Callable[[BoardData], go.Figure]) -> Callable[[BoardData], go.Figure]:
    def checked(data: BoardData) -> go.Figure:
        if data.value is None:
            raise KpiError.keyed("error.deck_no_ledger")
        return build(data)
    return checked


def _radar(data: BoardData) -> go.Figure:
    if not data.maturities:
        raise KpiError.keyed("error.no_maturity_quarter", quarter=f"{data.year}-Q{data.quarter}")
    return radar_figure(data.maturities, data.lang, lambda unit: data.named("region", unit))


def chart_registry(catalog: Catalog) -> dict[str, ExportItem]:
    charts = {f"trend_{k.id}": ExportItem(f"trend_{k.id}", k.id, _trend(k.id)) for k in catalog}
    charts["value_streams"] = ExportItem("value_streams", "chart.value_streams",
                                         _needs_value(lambda d: value_streams_figure(d.value, d.lang)))
    charts["cumulative_value"] = ExportItem("cumulative_value", "chart.cumulative",
                                            _needs_value(lambda d: cumulative_figure(d.value, d.lang)))
    charts["value_fan"] = ExportItem("value_fan", "chart.fan",
                                     _needs_value(lambda d: fan_figure(d.value, d.simulation, d.lang)))
    charts["maturity_radar"] = ExportItem("maturity_radar", "maturity.radar", _radar)
    charts["innovation_funnel"] = ExportItem("innovation_funnel", "nav.innovation", _needs_cases(
        lambda d: funnel_figure(list(d.report.innovation.funnel), d.year, d.lang)))
    charts["innovation_horizons"] = ExportItem("innovation_horizons", "innovation.horizons", _needs_cases(
        lambda d: horizon_figure(d.horizons, HORIZON_MIX, d.lang)))
    charts["innovation_launches"] = ExportItem("innovation_launches", "innovation.launches", _needs_cases(
        lambda d: launches_figure(dict(d.report.innovation.launches), 2, d.lang)))
    charts["region_latency"] = ExportItem("region_latency", "regions.latency", lambda d: region_latency_figure(
        region_latency(d), 100, d.lang))
    return charts


def region_latency(data: BoardData) -> list[tuple[str, float | None]]:
    return [(data.named("region", name), grid.cell("api_latency_p95_ms", data.year, data.quarter).actual)
            for name, grid in data.region_grids.items()]


def _needs_cases(build: Callable[[BoardData], go.Figure]) -> Callable[[BoardData], go.Figure]:
    def checked(data: BoardData) -> go.Figure:
        if not data.use_cases:
            raise KpiError.keyed("error.no_use_cases")
        return build(data)
    return checked


def excel_format(kpi: Kpi) -> str:
    """A spreadsheet number format for a KPI's values: the cell stays a number an analyst can sum."""
    if kpi.unit == "percent":
        return '#,##0.0##"%"' if kpi.error_budget else '#,##0.0"%"'
    if kpi.unit == "ms":
        return '#,##0" ms"'
    if kpi.unit == "currency":
        return f'#,##0.000" {kpi.currency}"' if kpi.direction == "lower_is_better" else f'#,##0" {kpi.currency}"'
    if kpi.unit == "weeks":
        return '#,##0.0" wk"'
    if kpi.unit == "ratio":
        return '#,##0.00'
    if kpi.unit == "score":
        return "#,##0.##"
    return "#,##0"


def scorecard_table(data: BoardData) -> pd.DataFrame:
    """One row per KPI: actual, target, the target to date and the whole quarter's attainment (a flow KPI in
    the quarter in progress: its attainment and status are against the target to date), change and the Q4
    forecast as numbers (the XLSX gives each its number format), status and the forecast's verdict as
    icon + word, and the ids for machines."""
    lang = data.lang
    rows, formats = [], []
    actual, target, attainment, change = (t("card.actual", lang), t("card.target", lang),
                                          t("card.attainment", lang), t("card.change", lang))
    forecast, verdict = t("forecast.label", lang), t("forecast.verdict_column", lang)
    to_date, full = t("table.target_to_date", lang), t("table.full_quarter_attainment", lang)
    for record, cell in zip(scorecard_records(data.grid, data.cells, lang), data.cells):
        kpi = cell.kpi
        rows.append({
            t("table.kpi", lang): kpi.name(lang), t("table.family", lang): t(f"family.{kpi.family}", lang),
            actual: cell.actual, target: cell.target_value, to_date: cell.prorated_target,
            attainment: cell.attainment, full: cell.full_quarter_view.attainment,
            t("table.status", lang): f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}",
            change: record["change"],
            forecast: None if cell.forecast is None else cell.forecast.value,
            verdict: "" if cell.forecast is None else
            f"{FORECAST_ICONS[cell.forecast.status]} {t(f'forecast.word.{cell.forecast.status}', lang)}",
            "kpi_id": kpi.id, "status_code": cell.status,
            "forecast_status": None if cell.forecast is None else cell.forecast.status,
        })
        formats.append(excel_format(kpi))
    frame = pd.DataFrame(rows)
    frame.attrs["row_formats"] = {actual: formats, target: formats, to_date: formats, change: formats,
                                  forecast: formats}
    frame.attrs["column_formats"] = {attainment: "0%", full: "0%"}
    return frame


def quarter_table(data: BoardData) -> pd.DataFrame:
    lang = data.lang
    rows, formats = [], []
    for kpi in [k for k in (c.kpi for c in data.cells)]:
        row = {t("table.kpi", lang): kpi.name(lang)}
        for q in (1, 2, 3, 4):
            cell = data.grid.cell(kpi.id, data.year, q)
            row[f"Q{q} {t('card.target', lang)}"] = cell.target_value
            row[f"Q{q} {t('card.actual', lang)}"] = cell.actual
            row[f"Q{q} {t('table.status', lang)}"] = f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}"
        rows.append(row)
        formats.append(excel_format(kpi))
    frame = pd.DataFrame(rows)
    frame.attrs["row_formats"] = {column: formats for column in frame.columns
                                  if column.endswith((t("card.target", lang), t("card.actual", lang)))}
    return frame


def _money_format(currency: str) -> str:
    return f'#,##0" {currency}"'


def value_table(data: BoardData) -> pd.DataFrame:
    """One row per program year in the reader's language: the streams, value, investment and cumulative
    figures as numbers with the currency's format (whole units), 'projected' as a word, and the ids for machines
    (`year`, `projected_flag`)."""
    if data.value is None:
        raise KpiError.keyed("error.deck_no_ledger")
    lang, currency = data.lang, data.value.currency
    year = t("chart.program_year", lang)
    money = [t(f"stream.{s}", lang) for s in STREAMS] + [t("value.value", lang), t("value.investment", lang),
                                                        t("value.cumulative_value", lang),
                                                        t("value.cumulative_investment", lang)]
    kind = t("export.kind", lang)
    frame = pd.DataFrame([{
        year: r.year,
        **dict(zip(money, [*(round(r.streams[s], 2) for s in STREAMS), round(r.value, 2), round(r.investment, 2),
                           round(r.cumulative_value, 2), round(r.cumulative_investment, 2)])),
        kind: t("export.projected" if r.projected else "export.recorded", lang),
        t("value.currency", lang): currency,
        "projected": r.projected,
    } for r in data.value.years])
    frame.attrs["column_formats"] = {year: "0"} | dict.fromkeys(money, _money_format(currency))
    return frame


def maturity_table(data: BoardData) -> pd.DataFrame:
    """One row per unit: levels as number and name, the mean score and each dimension's score (one decimal),
    headers in the reader's language; `unit` (the recorded name) last for machines."""
    lang = data.lang
    dims = {d: t(f"dim.{d}", lang) for m in data.maturities for d in m.assessment.scores}
    rows = []
    for m in data.maturities:
        record = maturity_record(m, lang)
        rows.append({
            t("export.unit", lang): label("region", m.assessment.unit, lang, data.names),
            t("maturity.level", lang): record["level"], t("export.level_name", lang): record["level_name"] or "—",
            t("maturity.mean_level", lang): record["mean_level"],
            t("export.mean_score", lang): None if record["mean_score"] is None else round(record["mean_score"], 2),
            **{name: None if m.assessment.scores.get(d) is None else round(m.assessment.scores[d], 2)
               for d, name in dims.items()},
            "unit": m.assessment.unit,
        })
    frame = pd.DataFrame(rows)
    frame.attrs["column_formats"] = {t("export.mean_score", lang): "0.00"} | dict.fromkeys(dims.values(), "0.0")
    return frame


def checklist_table(data: BoardData) -> pd.DataFrame:
    """Every checklist item and readiness prerequisite: the list's and item's names, met as icon + word, how
    it is decided (from data, or ticked by whom), the data's figure as a number; `met` (true/false/empty) last."""
    lang = data.lang
    met_word = {True: f"✔ {t('verdict.gate_met', lang)}", False: f"✖ {t('verdict.gate_not_met', lang)}",
                None: f"○ {t('status.no_data', lang)}"}

    def row(listed: str, r) -> dict[str, Any]:
        how = t("export.from_data", lang) if r.source == "data" else how_decided(r, data.report.catalog, lang)
        return {t("export.list", lang): listed, t("export.item", lang): r.item.label(lang),
                t("export.met", lang): met_word[r.met], t("export.how", lang): how,
                t("export.figure", lang): None if r.actual is None else round(float(r.actual), 4), "met": r.met}

    frame = pd.DataFrame([row(c.checklist.name(lang), r) for c in data.checklists for r in c.items]
                         + [row(t("maturity.gate", lang), r) for r in data.gate.items])
    frame.attrs["column_formats"] = {t("export.figure", lang): "#,##0.##"}
    return frame


TABLES: dict[str, ExportItem] = {
    "scorecard": ExportItem("scorecard", "export.table_scorecard", scorecard_table),
    "quarter_table": ExportItem("quarter_table", "dash.table", quarter_table),
    "value_years": ExportItem("value_years", "value.numbers", value_table),
    "maturity": ExportItem("maturity", "maturity.heading", maturity_table),
    "checklists": ExportItem("checklists", "maturity.checklists", checklist_table),
}


def chart_ids(catalog: Catalog) -> list[str]:
    return list(chart_registry(catalog))


def table_ids() -> list[str]:
    return list(TABLES)


def chart_title(item: ExportItem, data: BoardData, catalog: Catalog) -> str:
    return catalog.get(item.title_key).name(data.lang) if item.title_key in catalog else t(item.title_key, data.lang)


def render_chart(chart_id: str, data: BoardData, catalog: Catalog) -> go.Figure:
    """The board version of a chart (the same builder the page uses)."""
    registry = chart_registry(catalog)
    if chart_id not in registry:
        raise KpiError.keyed("error.unknown_chart", item=chart_id)
    item = registry[chart_id]
    return board_figure(item.build(data), data, chart_title(item, data, catalog))


def render_table(table_id: str, data: BoardData) -> pd.DataFrame:
    if table_id not in TABLES:
        raise KpiError.keyed("error.unknown_table", item=table_id)
    return TABLES[table_id].build(data)
