"""Rendering pieces of the cumulative-value page: flagged cards and the numbers table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpis.escaping import markdown_text
from kpis.formatting import DASH, format_day, format_money, format_multiple, format_number, format_percent
from kpis.i18n import t
from kpis.status import Evaluation
from kpis.value.projection import STREAMS, ValueSummary
from kpis.value.valuation import ROI_VISION, basis_text, horizon_label, payback_arithmetic, roi_thresholds, value_flags
from kpis_app.widgets import card_html, flag_html


def _card(title: str, figure: str, meta: str, status: str, lang: str, label: str | None = None) -> None:
    with st.container(border=True):
        st.markdown(card_html(status, title, figure, [meta], flag_html(status, lang, label)), unsafe_allow_html=True)


def render_realised_cards(summary: ValueSummary, roi_flag: tuple[float | None, Evaluation] | None,
                          lang: str) -> None:
    """What has happened to date: value, investment, net ROI (flagged like the dashboard's roi_pct card,
    same actual and target) and the multiple."""
    real = summary.realised
    if real is None:
        return
    when = format_day(real.on, lang)
    st.subheader(f"{t('value.realised_heading', lang)} · {when}")
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    columns = st.columns(4)
    with columns[0]:
        _card(t("value.cumulative_value", lang), money(real.cumulative_value), "", "no_data", lang,
              t("status.no_target", lang))
    with columns[1]:
        _card(t("value.cumulative_investment", lang), money(real.cumulative_investment), "", "no_data", lang,
              t("status.no_target", lang))
    with columns[2]:
        target, evaluation = roi_flag if roi_flag else (None, None)
        _card(t("value.net_roi", lang), format_percent(real.net_roi_pct, lang, 1),  # as the roi_pct card
              f"{t('card.target', lang)} {format_percent(target, lang, 1)}" if target is not None else "",
              evaluation.status if evaluation else "no_data", lang,
              None if target is not None else t("status.no_target", lang))
    with columns[3]:
        _card(t("value.multiple", lang), format_multiple(real.benefit_cost_multiple, lang), "", "no_data", lang,
              t("status.no_target", lang))
    if real.unstarted:
        st.warning(t("value.no_start", lang, programs=markdown_text(", ".join(real.unstarted))))


def render_value_cards(summary: ValueSummary, lang: str) -> None:
    """The figures to the horizon, labelled "projected to year N" when it runs past the recorded years:
    net ROI, multiple, payback and value per model, each flagged against the board's vision, and the
    flag says it is a projection."""
    span = horizon_label(summary, lang)
    projected = summary.last_recorded_year < len(summary.years)
    st.subheader(t("value.projected_heading", lang, span=span))
    flags = value_flags(summary)
    roi_target, roi = flags["net_roi_pct"]
    multiple_target, multiple = flags["benefit_cost_multiple"]
    payback_target, payback = flags["payback_months"]

    def label(status: str) -> str | None:
        return f"{t('status.' + status, lang)} ({t('value.projection', lang)})" if projected else None

    columns = st.columns(4)
    with columns[0]:
        year = min(len(summary.years), max(ROI_VISION))
        _card(t("value.net_roi", lang), format_percent(summary.net_roi_pct, lang),
              t("value.vision_target", lang, year=year, value=format_percent(roi_target, lang)) if roi_target else "",
              roi.status, lang, label(roi.status))
    with columns[1]:
        _card(t("value.multiple", lang), format_multiple(summary.benefit_cost_multiple, lang),
              t("value.vision_target", lang, year=year, value=format_multiple(multiple_target, lang))
              if multiple_target else "", multiple.status, lang, label(multiple.status))
    with columns[2]:
        months = summary.payback_months
        status = payback.status if months is not None else "off_track"
        _card(t("value.payback", lang),
              t("value.never", lang) if months is None else t("value.months", lang,
                                                                 months=format_number(months, lang, 1)),
              t("value.vision_payback", lang, months=f"{payback_target:.0f}"), status, lang, label(status))
    with columns[3]:
        per_model = summary.value_per_model
        models = summary.models_in_production
        figure = DASH if per_model is None else format_money(per_model, summary.currency, lang)
        _card(t("value.per_model", lang), figure,
              t("value.models_note", lang, models=format_number(models, lang)) if models else
              t("value.no_models", lang), "no_data", lang, t("status.no_target", lang))
    notes = []
    basis = basis_text(summary, lang)
    if basis:
        notes.append(f"{t('value.basis_label', lang)}: {basis}")
    if summary.uninvested_years:
        notes.append(f"{t('value.uninvested', lang)}: {', '.join(str(y) for y in summary.uninvested_years)}")
    for note in notes:
        st.caption(note)
    with st.expander(t("value.how", lang)):
        st.markdown("\n\n".join(markdown_text(line) for line in payback_arithmetic(summary, lang)))


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


def render_roi_thresholds(roi_targets: list[tuple[str, float]], lang: str) -> None:
    """The board's ROI plan and every other ROI threshold shown anywhere, each with its source, in one table."""
    rows = roi_thresholds(roi_targets, lang)
    st.table(pd.DataFrame([{t("value.roi_what", lang): what, t("value.roi_threshold", lang): value,
                            t("value.roi_source", lang): source} for what, value, source in rows]
                          ).set_index(t("value.roi_what", lang)))
