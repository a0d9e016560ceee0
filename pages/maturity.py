"""CoE maturity and readiness: quarter and units -> maturity, checklists, gate -> radar, cards, tables."""

from __future__ import annotations

import streamlit as st

from kpis.errors import KpiError
from kpis.escaping import markdown_text
from kpis.export.charts import radar_figure
from kpis.i18n import t
from kpis.maturity.readiness import ORGANISATION
from kpis.reference.names import label
from kpis_app.boot import page_currency, page_language
from kpis_app.maturity_view import gaps_table, render_checklists, render_gate, render_growth, render_level_card
from kpis_app.state import assessed_quarters, cached_figure, cached_growth, cached_report, data_overview, store_key
from kpis_app.widgets import chart_downloads, quarter_filters, show_chart, show_error

lang = page_language()
st.title(t("maturity.heading", lang))
overview = data_overview(*store_key())
if not assessed_quarters():
    st.info(t("maturity.no_data", lang))
    st.stop()

year, quarter, _, _ = quarter_filters(lang, overview, scope=False)
try:
    report = cached_report(year, quarter, currency=page_currency())
except KpiError as exc:  # a missing FX rate: the named error
    show_error(exc, lang)
    st.stop()
maturities = list(report.maturities)
if not maturities:
    st.info(t("maturity.no_data_quarter", lang, quarter=report.label))
units = [m.assessment.unit for m in maturities]
with st.sidebar:
    # the whole organisation first: every assessed unit, overlaid
    named = lambda unit: label("region", unit, lang, overview["spanish"])  # noqa: E731
    chosen = st.multiselect(t("maturity.units", lang), units, default=units, key="mat_units", format_func=named)
    scope_units = [ORGANISATION, *overview["regions"]]
    checklist_unit = st.selectbox(t("maturity.unit_scope", lang), scope_units, key="mat_checklist_unit",
                                  format_func=named)
selected = [m for m in maturities if m.assessment.unit in chosen] or maturities[:1]

if not selected:
    selected = []
for column, m in zip(st.columns(max(len(selected), 1)), selected):
    with column:
        render_level_card(m, lang, named(m.assessment.unit))
st.caption(t("maturity.rule", lang))

if selected:
    left, right = st.columns([3, 2])
    with left:
        radar = cached_figure(("radar", year, quarter, tuple(m.assessment.unit for m in selected), lang),
                              lambda: radar_figure(selected, lang, named))
        show_chart(radar, lang)
        chart_downloads(radar, t("maturity.radar", lang), f"{report.when(lang)} · "
                        + ", ".join(named(u) for u in chosen), lang, f"maturity-radar-{year}-Q{quarter}",
                        as_of=report.cutoff)
    with right:
        st.subheader(t("maturity.gaps", lang))
        for m in selected:
            if len(selected) > 1:
                st.markdown(f"**{markdown_text(named(m.assessment.unit))}**")
            gaps = gaps_table(m, lang)  # static: wraps in the half-width column, so the last column is never cut
            st.table(gaps.set_index(gaps.columns[0]))

# the gate and checklists of the chosen unit: that scope's report of the quarter (as on its dashboard)
unit_report = report if checklist_unit == ORGANISATION else cached_report(year, quarter, checklist_unit,
                                                                          currency=report.currency)
st.subheader(f"{t('maturity.gate', lang)} · {markdown_text(named(checklist_unit))}")
render_gate(unit_report.gate, lang)
st.subheader(f"{t('maturity.checklists', lang)} · {markdown_text(named(checklist_unit))}")
render_checklists(list(unit_report.checklists), lang)

st.subheader(t("maturity.growth", lang))
phase_view, risks = cached_growth(report)
render_growth(phase_view, risks, lang)
