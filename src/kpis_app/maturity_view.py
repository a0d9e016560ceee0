"""Rendering pieces of the CoE maturity page: level cards, gaps, checklists, gate, growth, risks."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from kpis.export.charts import STATUS_TEXT_COLORS
from kpis.formatting import format_value
from kpis.i18n import t
from kpis.maturity.growth import PhaseView, RiskResult
from kpis.maturity.levels import LEVEL_KEYS, Maturity
from kpis.maturity.readiness import ChecklistResult, Gate, ItemResult
from kpis.maturity.verdict import how_decided
from kpis_app.state import get_catalog
from kpis_app.widgets import card_html, flag_html


def _level_name(level: int | None, lang: str) -> str:
    return "—" if level is None else t(f"level.{LEVEL_KEYS[level]}", lang)


def render_level_card(m: Maturity, lang: str, name: str | None = None) -> None:
    """Gated level with its name, the mean level labelled beside it, and why."""
    a = m.assessment
    status = ("no_data" if m.level is None else "on_track" if m.level >= 3
              else "at_risk" if m.level == 2 else "off_track")
    title = t("maturity.level_card", lang, level=m.level, name=_level_name(m.level, lang)) if m.level else \
        t("maturity.level_unknown", lang)
    lines = [t("maturity.mean_note", lang, level=m.mean_level, name=_level_name(m.mean_level, lang),
               mean=f"{m.mean_score:.2f}")]
    if m.missing:
        lines.append(t("maturity.missing", lang, dims=", ".join(t(f"dim.{d}", lang) for d in m.missing)))
    if m.blocking_next_level:
        lines.append(t("maturity.blocking", lang, next=(m.level or 0) + 1,
                       dims=", ".join(t(f"dim.{d}", lang) for d in m.blocking_next_level)))
    if m.previous is not None:
        lines.append(t("maturity.change", lang, quarter=f"{m.previous.year}-Q{m.previous.quarter}",
                       before=m.previous_level or "—", after=m.level or "—"))
    with st.container(border=True):
        st.markdown(card_html(status, name or a.unit, title, lines), unsafe_allow_html=True)


def gaps_table(m: Maturity, lang: str) -> pd.DataFrame:
    a = m.assessment
    weakest = set(m.weakest)
    return pd.DataFrame([{
        t("maturity.dimension", lang): t(f"dim.{d}", lang) + (" ◀" if d in weakest else ""),
        t("maturity.score", lang): f"{score:.1f}",
        t("maturity.target", lang): "—" if a.targets.get(d) is None else f"{a.targets[d]:.1f}",
        t("maturity.gap", lang): "—" if m.gaps.get(d) is None else f"{m.gaps[d]:+.1f}",
        t("maturity.change_col", lang): "—" if m.score_change.get(d) is None else f"{m.score_change[d]:+.1f}",
    } for d, score in a.scores.items()])


def _item_line(result: ItemResult, lang: str) -> str:
    status = "on_track" if result.met else "no_data" if result.met is None else "off_track"
    icon = {"on_track": "✔", "off_track": "✖", "no_data": "○"}[status]
    how = how_decided(result, get_catalog(), lang)
    return (f'<div class="kpi-change"><span style="color:{STATUS_TEXT_COLORS[status]};font-weight:700">{icon}</span> '
            f"{escape(result.item.label(lang))}<br><span class='family'>{escape(how)}</span></div>")


def render_checklists(results: list[ChecklistResult], lang: str) -> None:
    for column, result in zip(st.columns(len(results)), results):
        with column:
            st.markdown(f"**{result.checklist.name(lang)}** — {result.done}/{len(result.items)} ({result.pct:.0f}%)")
            st.progress(result.pct / 100)
            st.markdown("".join(_item_line(r, lang) for r in result.items), unsafe_allow_html=True)


def render_gate(gate: Gate, lang: str, compact: bool = False) -> None:
    """The verdict and what is missing; unless compact, every prerequisite with where it comes from."""
    if gate.ready:
        st.success(t("readiness.ready", lang), icon=":material/rocket_launch:")
    else:
        st.warning(f"**{t('readiness.not_yet', lang)}** — " + t(
            "maturity.gate_missing", lang, items="; ".join(r.item.label(lang) for r in gate.missing)),
            icon=":material/block:")
    if compact:
        with st.expander(t("maturity.gate_details", lang)):
            st.markdown("".join(_item_line(r, lang) for r in gate.items), unsafe_allow_html=True)
        return
    st.markdown("".join(_item_line(r, lang) for r in gate.items), unsafe_allow_html=True)


def render_growth(view: PhaseView, risks: list[RiskResult], lang: str) -> None:
    done = view.current
    st.markdown(t("maturity.phase_done", lang, number=done.number, name=done.name(lang), period=done.period(lang))
                if done else t("maturity.phase_none", lang))
    if view.next is not None:
        st.markdown(t("maturity.next_phase", lang, number=view.next.number, name=view.next.name(lang),
                      period=view.next.period(lang), met=view.met_count, total=len(view.next_criteria)))
        rows = [(c.kpi.name(lang), f"{c.criterion.op} {format_value(c.criterion.value, c.kpi, lang)}",
                 format_value(c.actual, c.kpi, lang), flag_html(c.evaluation.status if c.met is not None else "no_data",
                                                               lang))
                for c in view.next_criteria]
        st.markdown(_html_table([t("table.kpi", lang), t("card.target", lang), t("card.actual", lang),
                                 t("table.status", lang)], rows), unsafe_allow_html=True)
    st.subheader(t("maturity.risks", lang))
    for column, risk in zip(st.columns(len(risks)), risks):
        with column, st.container(border=True):
            st.markdown(f"**{risk.risk.name(lang)}** {flag_html(risk.level, lang)}", unsafe_allow_html=True)
            for c in risk.thresholds:
                mark = "✔" if c.met else "○" if c.met is None else "✖"
                st.markdown(f"{mark} {c.kpi.name(lang)}: {format_value(c.actual, c.kpi, lang)} "
                            f"({c.criterion.op} {format_value(c.criterion.value, c.kpi, lang)})")
            st.caption(f"{t('maturity.symptoms', lang)}: " + "; ".join(risk.risk.symptoms(lang)))
            st.caption(f"{t('maturity.mitigations', lang)}: " + "; ".join(risk.risk.mitigations(lang)))


def _html_table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if str(c).startswith('<span') else escape(str(c))}</td>" for c in row)
                   + "</tr>" for row in rows)
    return f'<table class="kpi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
