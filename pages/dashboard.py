"""Quarterly scaling dashboard (landing page): filters -> grid -> cards, table, trend, changes."""

from __future__ import annotations

import streamlit as st

from kpis.catalog import FAMILIES
from kpis.changes import what_changed
from kpis.charts import trend_figure
from kpis.errors import KpiError
from kpis.escaping import html_text, markdown_text
from kpis.formatting import format_day
from kpis.i18n import t
from kpis.periods import shift_quarter
from kpis.readiness import ORGANISATION
from kpis.reference import actor_label, label
from kpis.verdict import gate_disagreement, verdict
from kpis_app.boot import page_currency, page_language
from kpis_app.dashboard_view import (
    render_card,
    render_changes,
    render_quarter_table,
    render_summary,
    render_verdict,
)
from kpis_app.maturity_view import render_gate
from kpis_app.state import (
    cached_checkins,
    cached_figure,
    cached_frozen,
    cached_grid,
    cached_readiness,
    data_overview,
    get_catalog,
    in_currency,
    store_key,
)
from kpis_app.widgets import as_of_picker, chart_downloads, url_select

lang = page_language()
catalog = get_catalog()
db_path, version = store_key()
overview = data_overview(db_path, version)

st.title(t("dash.heading", lang))
if not overview["quarters"]:
    st.info(t("dash.no_data_anywhere", lang))
    st.stop()

latest = overview["quarters"][0]
earliest = overview["quarters"][-1]
years = sorted({y for y, _ in overview["quarters"]}, reverse=True)
year = url_select(t("filter.year", lang), years, "year", default=latest[0], lang=lang)
quarter = url_select(t("filter.quarter", lang), [1, 2, 3, 4], "quarter", format_func=lambda q: f"Q{q}",
                     default=latest[1] if year == latest[0] else 4, lang=lang)
region = url_select(t("filter.region", lang), [None, *overview["regions"]], "region",
                    format_func=lambda r: label("region", r, lang, overview["spanish"])
                    or t("filter.all_regions", lang), lang=lang)
department = url_select(t("filter.department", lang), [None, *overview["departments"]], "department",
                        format_func=lambda d: label("department", d, lang, overview["spanish"])
                        or t("filter.all_departments", lang), lang=lang)

as_of = as_of_picker(lang)
first = min(earliest, shift_quarter(year, quarter, -1))
last = max(latest, (year, 4))
grid = cached_grid(db_path, version, first, last, region, department, as_of)
recorded = grid  # in the currency the data was recorded in (the gate's thresholds are)
try:
    grid = in_currency(grid, page_currency(), (first, last, region, department, as_of))
except KpiError as exc:  # a missing FX rate: say so and show amounts as recorded, never a wrong number
    st.warning(f"{exc.localized(lang)} {t('fx.as_recorded', lang)}")
frozen = cached_frozen(db_path, version).get((year, quarter))
cells = [grid.cell(kpi.id, year, quarter) for kpi in catalog]
previous = shift_quarter(year, quarter, -1)

st.markdown(
    '<div class="kpi-subtitle">' + t(
        "dash.subheading", lang, quarter=f"{year}-Q{quarter}" + (
            f" ({t('card.quarter_to_date_short', lang)})" if any(c.in_progress for c in cells) else ""),
        region=html_text(label("region", region, lang, overview["spanish"]) or t("filter.all_regions", lang)),
        department=html_text(label("department", department, lang, overview["spanish"])
                             or t("filter.all_departments", lang)),
    ) + (" · " + t("dash.data_as_of", lang, period=format_day(max(c.last_period for c in cells if c.last_period), lang),
                   loaded=format_day(overview["loaded_at"].date(), lang))
         if any(c.last_period for c in cells) else "") + "</div>",
    unsafe_allow_html=True,
)
if frozen:
    st.info(t("dash.frozen", lang, quarter=f"{year}-Q{quarter}",
              who=markdown_text(actor_label(frozen["frozen_by"], lang)),
              when=format_day(frozen["frozen_at"].date(), lang)), icon=":material/verified:")
if as_of:
    st.warning(t("dash.as_of_note", lang, when=format_day(as_of.date(), lang)), icon=":material/history:")
unit = region or department or ORGANISATION
gate = cached_readiness(unit, year, quarter, None if as_of else recorded)[1]
render_verdict(verdict(cells, gate), catalog, lang)
render_summary(cells, lang)

notes = {c.kpi.id: note for c in cells if (note := gate_disagreement(c, gate, catalog, lang))}
checkins = cached_checkins(year, quarter, region, department)
card_key = (db_path, version, first, last, region, department, as_of, page_currency())
headline = [c for c in cells if c.kpi.headline]
for column, cell in zip(st.columns(len(headline)), headline):
    with column:
        render_card(cell, grid, lang, notes.get(cell.kpi.id), checkins.get(cell.kpi.id), card_key)

st.subheader(t("dash.cards", lang))
for tab, family in zip(st.tabs([t(f"family.{f}", lang) for f in FAMILIES]), FAMILIES):
    with tab:
        family_cells = [c for c in cells if c.kpi.family == family]
        for start in range(0, len(family_cells), 4):
            for column, cell in zip(st.columns(4), family_cells[start:start + 4]):
                with column:
                    render_card(cell, grid, lang, notes.get(cell.kpi.id), checkins.get(cell.kpi.id), card_key)

st.subheader(t("dash.table", lang))
headline_only = st.toggle(t("filter.headline_only", lang), value=True)
render_quarter_table(grid, catalog, year, quarter, lang, headline_only)

st.subheader(t("dash.trend", lang))
kpi_ids = [k.id for k in catalog]
trend_kpi = st.selectbox(t("dash.trend_kpi", lang), kpi_ids, format_func=lambda k: catalog.get(k).name(lang),
                         index=kpi_ids.index(headline[0].kpi.id) if headline else 0)
trend = cached_figure(("trend", first, last, region, department, as_of, page_currency(), trend_kpi, lang,
                       year, quarter), lambda: trend_figure(grid, trend_kpi, lang, as_of=(year, quarter)))
st.plotly_chart(trend, width="stretch", config={"displaylogo": False})
scope_text = " · ".join([f"{year}-Q{quarter}", region or t("filter.all_regions", lang),
                         department or t("filter.all_departments", lang)])
chart_downloads(trend, catalog.get(trend_kpi).name(lang), scope_text, lang, f"trend-{trend_kpi}-{year}-Q{quarter}")

st.subheader(t("dash.changes", lang) + f" ({previous[0]}-Q{previous[1]} → {year}-Q{quarter})")
render_changes(what_changed(grid, cells), lang)

st.subheader(f"{t('maturity.gate', lang)} · {markdown_text(label('region', unit, lang, overview['spanish']))}")
render_gate(gate, lang, compact=True)
