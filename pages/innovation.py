"""Innovation: use-case records -> funnel, horizon mix, launches, success rate, stuck cases, patterns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpis.errors import KpiError
from kpis.export.charts import funnel_figure, horizon_figure, launches_figure
from kpis.formatting import format_day, format_value
from kpis.i18n import t
from kpis.innovation.funnel import HORIZON_MIX, PATTERN_ROI, pattern_counts, stuck
from kpis_app.boot import page_currency, page_language
from kpis_app.state import cached_report, data_overview, store_key
from kpis_app.widgets import card_html, flag_html, quarter_filters, show_chart, show_error

lang = page_language()
st.title(t("innovation.heading", lang))
overview = data_overview(*store_key())
if not overview["quarters"]:
    st.info(t("innovation.empty", lang))
    st.stop()
year, quarter, _, _ = quarter_filters(lang, overview, scope=False)  # use cases are the organisation's
with st.sidebar:
    days = st.number_input(t("innovation.stuck_days", lang), 1, 720, 60, key="inn_days")
try:
    report = cached_report(year, quarter, currency=page_currency())
except KpiError as exc:
    show_error(exc, lang)
    st.stop()
figures = report.innovation  # the use cases as they stood at the report's cut-off
if figures is None:
    st.info(t("innovation.empty", lang))
    st.stop()
cases = list(figures.cases)
st.caption(t("innovation.kpis_note", lang) + " " + t("innovation.as_of", lang, quarter=report.when(lang),
                                                        day=format_day(report.cutoff, lang)))

left, right = st.columns(2)
with left:
    show_chart(funnel_figure(list(figures.funnel), year, lang), lang)
with right:
    mix = {horizon: (count, share) for horizon, count, share in figures.horizons}
    show_chart(horizon_figure(mix, HORIZON_MIX, lang), lang)

left, right = st.columns([3, 2])
with left:
    show_chart(launches_figure(dict(figures.launches), 2, lang), lang)
with right:
    # the report's own cell (same records, same date, same target and status as the dashboard)
    cell = report.cell("use_case_success_rate_pct")
    st.markdown(f"**{t('innovation.success', lang)}**")
    st.markdown(card_html(cell.status, cell.kpi.name(lang), format_value(cell.actual, cell.kpi, lang),
                          [f"{t('card.target', lang)} {format_value(cell.target_value, cell.kpi, lang)} · "
                           f"{format_day(cell.last_period, lang)}"], flag_html(cell.status, lang)),
                unsafe_allow_html=True)
    st.markdown(f"**{t('innovation.patterns', lang)}**")
    counts = pattern_counts(cases)
    st.dataframe(pd.DataFrame([{t("innovation.pattern", lang): t(f"pattern.{p}", lang),
                                t("innovation.count", lang): counts[p],
                                t("innovation.roi_potential", lang): f"{low}-{high}×"}
                               for p, (low, high) in PATTERN_ROI.items()]), hide_index=True, width="stretch")

st.subheader(t("innovation.stuck", lang))
waiting = stuck(cases, report.cutoff, int(days))
if waiting:
    st.dataframe(pd.DataFrame([{t("innovation.name", lang): c.name,
                                t("innovation.stage", lang): t(f"stage.{c.stage}", lang),
                                t("innovation.horizon", lang): t(f"horizon.{c.horizon}", lang),
                                t("innovation.days_in_stage", lang): n} for c, n in waiting]),
                 hide_index=True, width="stretch")
else:
    st.caption(t("innovation.none_stuck", lang))
