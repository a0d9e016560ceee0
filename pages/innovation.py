"""Innovation: use-case records -> funnel, horizon mix, launches, success rate, stuck cases, patterns."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kpis.charts import funnel_figure, horizon_figure, launches_figure
from kpis.formatting import format_day, format_value
from kpis.i18n import t
from kpis.innovation import (
    HORIZON_MIX,
    PATTERN_ROI,
    funnel,
    horizon_mix,
    launches_by_quarter,
    pattern_counts,
    stuck,
)
from kpis.periods import quarter_of
from kpis_app.boot import page_language
from kpis_app.state import cached_grid, cached_use_cases, store_key
from kpis_app.widgets import card_html, flag_html

lang = page_language()
st.title(t("innovation.heading", lang))
cases = cached_use_cases()
if not cases:
    st.info(t("innovation.empty", lang))
    st.stop()
st.caption(t("innovation.kpis_note", lang))

years = sorted({c.started.year for c in cases if c.started}, reverse=True)
with st.sidebar:
    year = st.selectbox(t("innovation.year", lang), years, key="inn_year")
    days = st.number_input(t("innovation.stuck_days", lang), 1, 720, 60, key="inn_days")

left, right = st.columns(2)
with left:
    st.plotly_chart(funnel_figure(funnel(cases, year), year, lang), width="stretch", config={"displaylogo": False})
with right:
    st.plotly_chart(horizon_figure(horizon_mix(cases), HORIZON_MIX, lang), width="stretch",
                    config={"displaylogo": False})

days_seen = [d for c in cases for _, d in c.history]
first, last = quarter_of(min(days_seen)), quarter_of(max(days_seen))
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(launches_figure(launches_by_quarter(cases, first, last), 2, lang), width="stretch",
                    config={"displaylogo": False})
with right:
    # the scorecard's own cell (same records, same date, same target and status as the dashboard)
    latest = quarter_of(max(days_seen))
    db_path, version = store_key()
    cell = cached_grid(db_path, version, latest, latest, None, None).cell("use_case_success_rate_pct", *latest)
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
waiting = stuck(cases, date.today(), int(days))
if waiting:
    st.dataframe(pd.DataFrame([{t("innovation.name", lang): c.name,
                                t("innovation.stage", lang): t(f"stage.{c.stage}", lang),
                                t("innovation.horizon", lang): t(f"horizon.{c.horizon}", lang),
                                t("innovation.days_in_stage", lang): n} for c, n in waiting]),
                 hide_index=True, width="stretch")
else:
    st.caption(t("innovation.none_stuck", lang))
