"""Cumulative value: scenario controls -> value summary and Monte Carlo -> cards, charts, numbers."""

from __future__ import annotations

import streamlit as st

from kpis.errors import KpiError
from kpis.escaping import markdown_text
from kpis.export.charts import cumulative_figure, fan_figure, value_streams_figure
from kpis.formatting import format_number, format_percent
from kpis.i18n import has, t
from kpis.reference.names import actor_label
from kpis.value.projection import Scenario
from kpis.value.valuation import chance_text
from kpis_app.boot import page_currency, page_language
from kpis_app.state import (
    cached_figure,
    cached_report,
    cached_simulation,
    cached_value,
    data_overview,
    store_key,
    value_options,
)
from kpis_app.value_view import render_realised_cards, render_roi_thresholds, render_value_cards, years_table
from kpis_app.widgets import chart_downloads, quarter_filters, show_chart, show_error, table_html

lang = page_language()
st.title(t("value.heading", lang))
options = value_options()
if not options["programs"]:
    st.info(t("value.empty", lang))
    st.stop()
overview = data_overview(*store_key())
year, quarter, _, _ = quarter_filters(lang, overview, scope=False)  # the ledger is program-wide
try:
    report = cached_report(year, quarter, currency=page_currency())
except KpiError as exc:  # a missing FX rate: the named error, never a figure in another currency
    show_error(exc, lang)
    st.stop()

with st.sidebar:
    program = st.selectbox(t("value.program", lang), [None, *options["programs"]],
                           format_func=lambda p: p or t("value.all_programs", lang), key="value_program")
    scenario_name = st.selectbox(t("value.scenario_pick", lang), list(options["scenarios"]), key="value_scenario",
                                 index=list(options["scenarios"]).index("base"),
                                 format_func=lambda n: t(f"scenario.{n}", lang) if has(f"scenario.{n}") else n)
    base = options["scenarios"][scenario_name]
    currency = report.currency
    # the same default as `value` and the deck: the last recorded program year (longer: the reader's choice)
    horizon = st.slider(t("value.horizon", lang), 1, 10, min(max(options["last_year"], 1), 10), key="value_horizon")
    with st.expander(t("value.adjust", lang)):
        growth_scale = st.slider(t("value.growth_scale", lang), 0.0, 2.0, float(base["growth_scale"]), 0.05)
        investment_scale = st.slider(t("value.investment_scale", lang), 0.5, 2.0, float(base["investment_scale"]), 0.05)
        sigma = st.slider(t("value.sigma", lang), 0.05, 0.6, 0.25, 0.05)
        payback_by = st.number_input(t("value.payback_by", lang), 1, 120, 24)
        run_cost = st.number_input(t("value.run_cost", lang) + f" ({currency})", 0.0, 1e12,
                                   float(base.get("run_cost") or 0.0), step=1e6, format="%.0f")
    cap = base["growth_cap"]

scenario = Scenario(scenario_name, growth_scale, investment_scale, cap, run_cost or None)
try:
    summary = cached_value(report, program, horizon, scenario)
except KpiError as exc:  # e.g. a missing FX rate reads as a message, never a traceback
    show_error(exc, lang)
    st.stop()
roi = report.cell("roi_pct")  # the dashboard's roi_pct card: the same actual, target and status
roi_flag = (roi.target_value, roi.evaluation) if program is None else None
built_in = has(f"scenario.{scenario_name}.note")
note = t(f"scenario.{scenario_name}.note", lang) if built_in else base["note"] or ""
scenario_label = t(f"scenario.{scenario_name}", lang) if built_in else scenario_name
st.caption(t("value.caption", lang, programs=markdown_text(", ".join(summary.programs)),
             scenario=markdown_text(scenario_label), currency=summary.currency, note=markdown_text(note),
             who=markdown_text(actor_label(base["created_by"], lang))))
render_realised_cards(summary, roi_flag, lang)
render_value_cards(summary, lang)

scope_text = f"{', '.join(summary.programs)} · {scenario_label} · {summary.currency}"
left, right = st.columns(2)
with left:
    figure_key = (program, horizon, scenario, currency, report.cutoff, lang)
    streams_chart = cached_figure(("streams", *figure_key), lambda: value_streams_figure(summary, lang))
    show_chart(streams_chart, lang)
    chart_downloads(streams_chart, t("chart.value_streams", lang), scope_text, lang, "value-streams")
with right:
    cumulative_chart = cached_figure(("cumulative", *figure_key), lambda: cumulative_figure(summary, lang))
    show_chart(cumulative_chart, lang)
    chart_downloads(cumulative_chart, t("chart.cumulative", lang), scope_text, lang, "cumulative-value")

simulation = cached_simulation(program, horizon, scenario, currency, sigma, float(payback_by))
st.subheader(t("value.uncertainty", lang))
left, right = st.columns([3, 2])
with left:
    fan_chart = cached_figure(("fan", *figure_key, sigma, float(payback_by)),
                              lambda: fan_figure(summary, simulation, lang))
    show_chart(fan_chart, lang)
    chart_downloads(fan_chart, t("chart.fan", lang), scope_text, lang, "value-fan")
with right:
    st.markdown(t("value.probabilities", lang, draws=format_number(simulation.draws, lang)))
    st.markdown("\n".join(f"- {chance_text(c, lang)}: **{format_percent(c.probability * 100, lang)}**"
                          for c in simulation.chances))

st.subheader(t("value.numbers", lang))
years = years_table(summary, lang)  # a wrapping table: every column readable at 1366 without scrolling sideways
st.markdown(table_html(years.set_index(years.columns[0])), unsafe_allow_html=True)
st.caption(t("value.projected", lang))

st.subheader(t("value.roi_thresholds", lang))
render_roi_thresholds([(f"{year}-Q{q}", cell.target_value) for q in (1, 2, 3, 4)
                       if (cell := report.grid.cells.get(("roi_pct", year, q))) is not None
                       and cell.target_value is not None], lang)
