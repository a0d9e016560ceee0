"""Quarterly scaling dashboard (landing page): filters -> grid -> cards, table, trend, changes."""

from __future__ import annotations

import streamlit as st

from kpis.catalog import FAMILIES
from kpis.escaping import html_text, markdown_text
from kpis.export.charts import trend_figure
from kpis.formatting import format_day
from kpis.i18n import t
from kpis.maturity.verdict import gate_disagreement
from kpis.periods import shift_quarter
from kpis.reference.names import actor_label, label
from kpis.value.fx import FxError
from kpis_app.boot import page_currency, page_language
from kpis_app.dashboard_view import (
    render_card,
    render_changes,
    render_quarter_table,
    render_summary,
    render_verdict,
)
from kpis_app.maturity_view import render_gate
from kpis_app.state import cached_figure, cached_frozen, cached_report, data_overview, get_catalog, store_key
from kpis_app.widgets import as_of_picker, chart_downloads, quarter_filters, show_chart

lang = page_language()
catalog = get_catalog()
db_path, version = store_key()
overview = data_overview(db_path, version)

st.title(t("dash.heading", lang))
if not overview["quarters"]:
    st.info(t("dash.no_data_anywhere", lang))
    st.stop()

year, quarter, region, department = quarter_filters(lang, overview)
as_of = as_of_picker(lang)
try:
    report = cached_report(year, quarter, region, department, page_currency(), as_of)
except FxError as exc:  # a missing rate: the named error, never a figure in another currency
    st.error(f"{exc.localized(lang)} {t('fx.add_rate', lang)}")
    st.stop()
grid, cells = report.grid, list(report.cells)
frozen = cached_frozen(db_path, version).get((year, quarter))
previous = shift_quarter(year, quarter, -1)

st.markdown(
    '<div class="kpi-subtitle">' + t(
        "dash.subheading", lang, quarter=report.when(lang),
        region=html_text(label("region", region, lang, overview["spanish"]) or t("filter.all_regions", lang)),
        department=html_text(label("department", department, lang, overview["spanish"])
                             or t("filter.all_departments", lang)),
    ) + (" · " + (t("dash.data_as_of", lang, period=format_day(report.cutoff, lang),
                    loaded=format_day(overview["loaded_at"].date(), lang)) if report.in_progress
                  else t("dash.data_to", lang, period=format_day(report.cutoff, lang)))  # nothing after its end
         if report.data_to is not None else "") + "</div>",
    unsafe_allow_html=True,
)
if frozen:
    st.info(t("dash.frozen", lang, quarter=f"{year}-Q{quarter}",
              who=markdown_text(actor_label(frozen["frozen_by"], lang)),
              when=format_day(frozen["frozen_at"].date(), lang)), icon=":material/verified:")
if as_of:
    st.warning(t("dash.as_of_note", lang, when=format_day(as_of.date(), lang)), icon=":material/history:")
gate = report.gate
render_verdict(report, lang)
render_summary(report, lang)

notes = {c.kpi.id: note for c in cells if (note := gate_disagreement(c, gate, catalog, lang))}
checkins = report.checkins
card_key = (db_path, version, report.cutoff, year, quarter, region, department, as_of, report.currency)
headline = [c for c in cells if c.kpi.headline]
for column, cell in zip(st.columns(len(headline)), headline):
    with column:
        render_card(cell, grid, lang, notes.get(cell.kpi.id), checkins.get(cell.kpi.id), card_key)

st.subheader(t("dash.cards", lang))
# only the open family's cards are drawn (st.tabs with on_change="rerun"): every family's cards on every rerun
# were most of the page's elements, each a message the browser waits for (bench/browser.py)
family_tabs = st.tabs([t(f"family.{f}", lang) for f in FAMILIES], key=f"family_tab_{lang}", on_change="rerun")
for tab, family in zip(family_tabs, FAMILIES):
    if not tab.open:
        continue
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
trend = cached_figure(("trend", *card_key[2:], trend_kpi, lang),
                      lambda: trend_figure(grid, trend_kpi, lang, as_of=(year, quarter)))
show_chart(trend, lang)
scope_text = " · ".join([report.when(lang), label("region", region, lang, overview["spanish"])
                         or t("filter.all_regions", lang),
                         label("department", department, lang, overview["spanish"])
                         or t("filter.all_departments", lang)])
chart_downloads(trend, catalog.get(trend_kpi).name(lang), scope_text, lang, f"trend-{trend_kpi}-{year}-Q{quarter}",
                as_of=report.cutoff)

st.subheader(t("dash.changes", lang) + f" ({previous[0]}-Q{previous[1]} → {year}-Q{quarter})")
render_changes(report.changes, lang)

st.subheader(f"{t('maturity.gate', lang)} · {markdown_text(label('region', report.unit, lang, overview['spanish']))}")
render_gate(gate, lang, compact=True)
