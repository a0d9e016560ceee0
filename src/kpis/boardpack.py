"""Everything an export needs for one quarter and scope, gathered once: the board data bundle,
the chart and table registry (ids used by the CLI and the Export page)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpis.catalog import Catalog, Kpi
from kpis.changes import Changes, what_changed
from kpis.charts import (
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
from kpis.checkins import Checkin, latest_checkins
from kpis.errors import KpiError
from kpis.escaping import html_text
from kpis.explain import FORECAST_ICONS
from kpis.fx import FxError
from kpis.i18n import t
from kpis.innovation import HORIZON_MIX, UseCase, funnel, horizon_mix, launches_by_quarter, load_use_cases
from kpis.ledger import fx_table, load_ledgers
from kpis.maturity import Maturity
from kpis.packs import load_checklists
from kpis.periods import shift_quarter
from kpis.readiness import ORGANISATION, ChecklistResult, Gate, evaluate_checklists, maturity_for
from kpis.reference import label, load_names, scope_label, spanish_names
from kpis.scorecard import Cell, Grid, Scope, build_grid, convert_grid, region_grids, scorecard_records
from kpis.status import STATUS_ICONS
from kpis.store import Session
from kpis.valuation import value_summary
from kpis.value import STREAMS, Simulation, ValueSummary, simulate
from kpis.verdict import verdict, verdict_text

__all__ = ["BoardData", "ExportItem", "board_figure", "chart_ids", "framed_figure", "gather", "render_chart",
           "render_table", "status_word", "table_ids"]


@dataclass(frozen=True)
class BoardData:
    """One quarter in one scope, in one language."""

    year: int
    quarter: int
    scope: Scope
    lang: str
    grid: Grid
    cells: list[Cell]
    changes: Changes
    as_of: date | None
    value: ValueSummary | None
    simulation: Simulation | None
    maturities: list[Maturity]
    checklists: list[ChecklistResult]
    gate: Gate
    use_cases: list[UseCase] = field(default_factory=list)
    region_grids: dict[str, Grid] = field(default_factory=dict)
    verdict: str = ""  # the dashboard's first line (kpis.verdict), the executive summary's headline
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # reference data's Spanish names
    checkins: dict[str, Checkin] = field(default_factory=dict)  # the latest per KPI, this quarter and scope

    @property
    def cells_by_id(self) -> dict[str, Cell]:
        return {cell.kpi.id: cell for cell in self.cells}

    def named(self, kind: str, name: str | None) -> str:
        """A region, department or unit as the pages name it in this language ('Brasil', 'Organización')."""
        return label(kind, name, self.lang, self.names)

    @property
    def scope_text(self) -> str:
        return f"{self.year}-Q{self.quarter} · " + scope_label(self.scope.region, self.scope.department, self.lang,
                                                                self.names)

    @property
    def unit(self) -> str:
        return self.scope.region or self.scope.department or ORGANISATION


def gather(session: Session, catalog: Catalog, year: int, quarter: int, scope: Scope | None = None,
           lang: str = "en", currency: str | None = None) -> BoardData:
    """Read everything once: scorecard grid for the year (and the quarter before), changes, value,
    maturity and checklists."""
    scope = scope or Scope()
    first = min((year, 1), shift_quarter(year, quarter, -1))
    grid = build_grid(session, catalog, first, (year, 4), scope)
    if currency:  # every money figure in the reporting currency (a missing rate is an error)
        fx = fx_table(session)
        grid = convert_grid(grid, lambda amount, source, on: fx.convert(amount, source, currency, on), currency)
    cells = [grid.cell(k.id, year, quarter) for k in catalog]
    last = max((c.last_period for c in cells if c.last_period), default=None)
    try:
        value = value_summary(session, catalog, horizon=None, currency=currency)
        horizon = max(len(value.years) + 2, 3)
        value = value_summary(session, catalog, horizon=horizon, currency=currency)
        ledgers, _ = load_ledgers(session, currency=value.currency)
        simulation = simulate(ledgers, horizon=horizon)
    except FxError:
        raise
    except KpiError:  # no value ledger recorded: the deck leaves the value section out
        value, simulation = None, None
    unit = scope.region or scope.department or ORGANISATION
    checklists, gate = evaluate_checklists(session, catalog, load_checklists(), unit, year, quarter)
    # every known region (reference data), not a scan of the observations for the names in use
    by_region = region_grids(session, catalog, (year, quarter), (year, quarter), list(load_names(session).regions))
    return BoardData(year, quarter, scope, lang, grid, cells, what_changed(grid, cells), last, value, simulation,
                     maturity_for(session, year, quarter), checklists, gate, load_use_cases(session), by_region,
                     verdict_text(verdict(cells, gate), catalog, lang), spanish_names(session),
                     latest_checkins(session, year, quarter, scope.region, scope.department))


def board_figure(figure: go.Figure, data: BoardData, title: str) -> go.Figure:
    """A deck-ready copy: title, a subtitle naming the scope and data-as-of date, a source footnote."""
    return framed_figure(figure, title, data.scope_text, data.as_of, data.lang)


def framed_figure(figure: go.Figure, title: str, scope_text: str, as_of: date | None, lang: str) -> go.Figure:
    """A copy of a page figure framed for a deck: title, scope and data-as-of subtitle, source footnote."""
    board = copy.deepcopy(figure)
    stamp = t("export.as_of", lang, date=as_of.isoformat()) if as_of else ""
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
    return lambda data: trend_figure(data.grid, kpi_id, data.lang)


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
        lambda d: funnel_figure(funnel(d.use_cases, d.year), d.year, d.lang)))
    charts["innovation_horizons"] = ExportItem("innovation_horizons", "innovation.horizons", _needs_cases(
        lambda d: horizon_figure(horizon_mix(d.use_cases), HORIZON_MIX, d.lang)))
    charts["innovation_launches"] = ExportItem("innovation_launches", "innovation.launches", _needs_cases(
        lambda d: launches_figure(launches_by_quarter(d.use_cases, (d.year, 1), (d.year, 4)), 2, d.lang)))
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
    """One row per KPI: actual, target, attainment, change and the Q4 forecast as numbers (the XLSX
    gives each its number format), status and the forecast's verdict as icon + word, and the ids for
    machines."""
    lang = data.lang
    rows, formats = [], []
    actual, target, attainment, change = (t("card.actual", lang), t("card.target", lang),
                                          t("card.attainment", lang), t("card.change", lang))
    forecast, verdict = t("forecast.label", lang), t("forecast.verdict_column", lang)
    for record, cell in zip(scorecard_records(data.grid, data.cells, lang), data.cells):
        kpi = cell.kpi
        rows.append({
            t("table.kpi", lang): kpi.name(lang), t("table.family", lang): t(f"family.{kpi.family}", lang),
            actual: cell.actual, target: cell.target_value, attainment: cell.attainment,
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
    frame.attrs["row_formats"] = {actual: formats, target: formats, change: formats, forecast: formats}
    frame.attrs["column_formats"] = {attainment: "0%"}
    return frame


def status_word(cell: Cell, lang: str) -> str:
    """'No target' where a KPI has actuals and no target, on every surface (as the dashboard says)."""
    return t("status.no_target" if cell.evaluation.rule == "no_target" else f"status.{cell.status}", lang)


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


def value_table(data: BoardData) -> pd.DataFrame:
    if data.value is None:
        raise KpiError.keyed("error.deck_no_ledger")
    return pd.DataFrame([{"year": r.year, **{s: r.streams[s] for s in STREAMS}, "value": r.value,
                          "investment": r.investment, "cumulative_value": r.cumulative_value,
                          "cumulative_investment": r.cumulative_investment, "projected": r.projected,
                          "currency": data.value.currency} for r in data.value.years])


def maturity_table(data: BoardData) -> pd.DataFrame:
    from kpis.readiness import maturity_record

    return pd.DataFrame([{k: v for k, v in maturity_record(m, data.lang).items()
                          if k in ("unit", "level", "level_name", "mean_level", "mean_level_name", "mean_score")}
                         | {f"score_{d}": s for d, s in m.assessment.scores.items()}
                         for m in data.maturities])


def checklist_table(data: BoardData) -> pd.DataFrame:
    lang = data.lang
    return pd.DataFrame([{"checklist": r.checklist, "item": r.item.label(lang), "met": r.met, "source": r.source,
                          "actual": r.actual} for c in data.checklists for r in c.items]
                        + [{"checklist": "prerequisites", "item": r.item.label(lang), "met": r.met,
                            "source": r.source, "actual": r.actual} for r in data.gate.items])


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
