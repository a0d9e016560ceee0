"""Rendering pieces of the cumulative-value page: flagged cards and the numbers table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpis.formatting import DASH, format_money
from kpis.i18n import t
from kpis.valuation import value_flags
from kpis.value import STREAMS, ValueSummary
from kpis_app.widgets import card_html, flag_html


def _card(title: str, figure: str, meta: str, status: str, lang: str, label: str | None = None) -> None:
    with st.container(border=True):
        st.markdown(card_html(status, title, figure, [meta], flag_html(status, lang, label)), unsafe_allow_html=True)


def render_value_cards(summary: ValueSummary, lang: str) -> None:
    """Net ROI, multiple, payback and value per model, each flagged against the board's target."""
    flags = value_flags(summary)
    roi_target, roi = flags["net_roi_pct"]
    multiple_target, multiple = flags["benefit_cost_multiple"]
    payback_target, payback = flags["payback_months"]
    target = t("card.target", lang)
    columns = st.columns(4)
    with columns[0]:
        _card(t("value.net_roi", lang), DASH if summary.net_roi_pct is None else f"{summary.net_roi_pct:,.0f}%",
              f"{target} {roi_target:,.0f}%" if roi_target else "", roi.status, lang)
    with columns[1]:
        _card(t("value.multiple", lang),
              DASH if summary.benefit_cost_multiple is None else f"{summary.benefit_cost_multiple:.2f}×",
              f"{target} {multiple_target:.0f}×" if multiple_target else "", multiple.status, lang)
    with columns[2]:
        months = summary.payback_months
        _card(t("value.payback", lang),
              t("value.never", lang) if months is None else t("value.months", lang, months=f"{months:.1f}"),
              f"{target} ≤ {t('value.months', lang, months=f'{payback_target:.0f}')}",
              payback.status if months is not None else "off_track", lang)
    with columns[3]:
        per_model = summary.value_per_model
        models = summary.models_in_production
        figure = DASH if per_model is None else format_money(per_model, summary.currency, lang)
        _card(t("value.per_model", lang), figure,
              t("value.models_note", lang, models=f"{models:,.0f}") if models else t("value.no_models", lang),
              "no_data", lang, t("status.no_target", lang))


def years_table(summary: ValueSummary, lang: str) -> pd.DataFrame:
    """The numbers behind the value charts, formatted for reading."""
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    rows = []
    for row in summary.years:
        rows.append({
            t("value.year", lang): f"{row.year}" + (" *" if row.projected else ""),
            **{t(f"stream.{s}", lang): money(row.streams[s]) for s in STREAMS},
            t("value.value", lang): money(row.value),
            t("value.investment", lang): money(row.investment),
            t("value.cumulative_value", lang): money(row.cumulative_value),
            t("value.cumulative_investment", lang): money(row.cumulative_investment),
        })
    return pd.DataFrame(rows)
