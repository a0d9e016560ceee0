"""Rendering pieces of the quarterly dashboard: summary, cards, quarter table, changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from html import escape

import streamlit as st

from kpis.catalog import Catalog
from kpis.changes import Changes, Move
from kpis.escaping import markdown_text
from kpis.explain import FORECAST_ICONS, checkin_lines, explain_cell, forecast_lines
from kpis.export.charts import STATUS_COLORS
from kpis.formatting import format_attainment, format_change, format_day, format_value, shorten
from kpis.i18n import t
from kpis.report import QuarterReport, full_quarter_text, status_word, target_text
from kpis.scorecard import Cell, Grid
from kpis.status import STATUSES
from kpis_app.widgets import card_html, flag_html


def render_verdict(report: QuarterReport, lang: str) -> None:
    """The answer to the page's question, first on the page: ready or not, what is missing, the count
    on track, the biggest risk."""
    status = "on_track" if report.verdict.ready else "at_risk"
    st.markdown(f'<div class="kpi-verdict" style="--status:{STATUS_COLORS[status]}" role="status">'
                f"<b>{escape(t('verdict.heading', lang))}</b> {escape(report.verdict_text(lang))}</div>",
                unsafe_allow_html=True)


def render_summary(report: QuarterReport, lang: str) -> None:
    """One pill per status with its count, in band order: the report's counts, the verdict's statuses."""
    counts = report.counts
    pills = "".join(
        flag_html(status, lang, f"{t(f'status.{status}', lang)}: {counts[status]}")
        for status in STATUSES if counts[status]
    )
    if counts["no_target"]:
        pills += flag_html("no_data", lang, f"{t('status.no_target', lang)}: {counts['no_target']}")
    st.markdown(f'<div class="kpi-summary" aria-label="{escape(t("dash.summary", lang, n=len(report.cells)))}">'
                f"{pills}</div>", unsafe_allow_html=True)


def _status_label(cell: Cell, lang: str) -> str | None:
    """'No target' reads better than 'No data' when only the target is missing."""
    return status_word(cell, lang) if cell.no_target else None


def render_card(cell: Cell, grid: Grid, lang: str, note: str | None = None, checkin=None,
                key: tuple | None = None) -> None:
    """A KPI card: name, actual, target and attainment, flag, change; the Q4 forecast and the latest
    check-in; 'why' on demand. A quarter in progress says so, with the pro-rated comparison; `note`
    says where the readiness gate judges the same measure differently. `key` (the store version and
    what the grid was built from) lets every session reuse the card's texts until the data changes."""
    def build() -> tuple[str, str]:
        return _card_texts(cell, grid, lang, note, checkin)

    if key is None:
        html, popover = build()
    else:
        said = None if checkin is None else (checkin.at, checkin.note, checkin.owner, checkin.confidence, checkin.by)
        html, popover = _memo((*key, cell.kpi.id, cell.year, cell.quarter, lang, note, said), build)
    with st.container(border=True):
        st.markdown(html, unsafe_allow_html=True)
        with st.popover(t("dash.explain", lang), width="stretch"):
            st.markdown(popover)  # one Markdown element (paragraphs), not one per line


_TEXTS: OrderedDict = OrderedDict()
_TEXTS_LOCK = threading.Lock()
_TEXTS_MAX = 4096


def _memo(key: tuple, build):
    """A bounded, thread-safe memo of card texts shared by every session (they are pure functions of
    the key: store version, scope, quarter, language, note and check-in)."""
    with _TEXTS_LOCK:
        if key in _TEXTS:
            _TEXTS.move_to_end(key)
            return _TEXTS[key]
    value = build()
    with _TEXTS_LOCK:
        _TEXTS[key] = value
        while len(_TEXTS) > _TEXTS_MAX:
            _TEXTS.popitem(last=False)
    return value


def _card_texts(cell: Cell, grid: Grid, lang: str, note: str | None, checkin) -> tuple[str, str]:
    """(the card's HTML, the 'Why this status?' Markdown)."""
    kpi = cell.kpi
    previous = grid.previous(cell)
    delta = grid.change(cell)
    target = target_text(cell, lang)
    inherited = f" ({t('card.inherited', lang)})" if cell.target is not None and cell.target.inherited else ""
    restated = ""
    if cell.restated_from is not None and cell.target is not None:
        restated = t("card.restated", lang, when=format_day(cell.target.changed_at.date(), lang),
                     was=format_value(cell.restated_from.value, kpi, lang))
    change = ""
    if previous is not None:
        change = f"{format_change(delta, kpi, lang)} " + t("dash.vs_previous", lang, quarter=f"Q{previous.quarter}")
    after = [change] + ([f"⟲ {restated}"] if restated else []) + _to_date_lines(cell, lang) + _forecast_line(cell, lang)
    if checkin is not None:
        after.append("✎ " + t("checkin.card", lang, note=shorten(checkin.note, 90)))
    meta = f"{t('card.target', lang)} {target}{inherited} · {t('card.attainment', lang)} " \
           f"{format_attainment(cell.attainment)}"
    html = card_html(cell.status, kpi.name(lang), format_value(cell.actual, kpi, lang), [meta],
                     flag_html(cell.status, lang, _status_label(cell, lang)), after + ([f"⚑ {note}"] if note else []))
    lines = [f"**{markdown_text(kpi.name(lang))}** — {markdown_text(kpi.description(lang))}"]
    lines += [f"⚑ {markdown_text(note)}"] if note else []
    lines += [f"**{markdown_text(label)}:** {markdown_text(text)}" if label else markdown_text(text)
              for label, text in explain_cell(cell, lang)]
    forecast = forecast_lines(cell, lang)
    if forecast:
        lines += [f"**{markdown_text(t('forecast.label', lang))}:** {markdown_text(forecast[0])}",
                  f"_{markdown_text(forecast[1])}_"]
    said = checkin_lines(checkin, lang)
    if said:
        lines += [f"**{markdown_text(t('checkin.label', lang))}:** {markdown_text(said[0])}",
                  f"_{markdown_text(said[1])}_"]
    return html, "\n\n".join(lines)


def _forecast_line(cell: Cell, lang: str) -> list[str]:
    """'Forecast Q4 83% → ✖ will miss target' (hollow, never drawn like the actual)."""
    forecast = cell.forecast
    if forecast is None or forecast.status == "no_data":
        return []
    verdict = f"{FORECAST_ICONS[forecast.status]} {t(f'forecast.short.{forecast.status}', lang)}"
    return [t("forecast.card", lang, value=format_value(forecast.value, cell.kpi, lang), verdict=verdict)]


def _to_date_lines(cell: Cell, lang: str) -> list[str]:
    """'Quarter target 3,500: 81% ⚠ At risk' for a flow KPI in the quarter in progress: its status is judged
    against the target pro-rated to date (the meta line); the whole quarter is shown beside it."""
    text = full_quarter_text(cell, lang)
    return [] if text is None else [text]


def render_quarter_table(grid: Grid, catalog: Catalog, year: int, selected: int, lang: str,
                         headline_only: bool) -> None:
    """Dimension x Q1-Q4: actual / target and the flag per quarter; the selected quarter shaded."""
    kpis = [k for k in catalog if k.headline or not headline_only]
    head = "".join(
        f'<th class="{"selected" if q == selected else ""}">{year}-Q{q}<br>'
        f'<span class="family">{t("table.actual_target", lang)}</span></th>'
        for q in (1, 2, 3, 4)
    )
    body = []
    for kpi in kpis:
        cells_html = []
        for q in (1, 2, 3, 4):
            cell = grid.cell(kpi.id, year, q)
            cells_html.append(
                f'<td class="{"selected" if q == selected else ""}"><span class="num">'
                f"{escape(format_value(cell.actual, kpi, lang))} / {escape(format_value(cell.target_value, kpi, lang))}"
                f"</span><br>{flag_html(cell.status, lang, _status_label(cell, lang))}</td>"
            )
        body.append(
            f'<tr><td><b>{escape(kpi.name(lang))}</b><br><span class="family">'
            f'{t(f"family.{kpi.family}", lang)}</span></td>{"".join(cells_html)}</tr>'
        )
    st.markdown(
        f'<table class="kpi-table"><thead><tr><th>{t("table.kpi", lang)}</th>{head}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody></table>',
        unsafe_allow_html=True,
    )


def _move_line(move: Move, lang: str, detail: str) -> str:
    return (f'<div class="kpi-change"><b>{escape(move.cell.kpi.name(lang))}</b><br>'
            f"{detail}</div>")


def render_changes(changes: Changes, lang: str) -> None:
    """Status moves, furthest below target, biggest gains: three columns."""
    columns = st.columns(3)
    sections = [
        (t("dash.status_moves", lang), changes.status_moves, t("dash.no_moves", lang),
         lambda m: f"{flag_html(m.before, lang)} → {flag_html(m.after, lang)}"),
        (t("dash.biggest_misses", lang), changes.biggest_misses, t("dash.no_misses", lang),
         lambda m: f"{flag_html(m.after, lang)} {t('card.attainment', lang)} {format_attainment(m.cell.attainment)}"),
        (t("dash.biggest_gains", lang), changes.biggest_gains, t("dash.no_gains", lang),
         lambda m: f"{t('card.attainment', lang)} {format_attainment(m.previous.attainment)} → "
                   f"{format_attainment(m.cell.attainment)} {flag_html(m.after, lang)}"),
    ]
    for column, (title, moves, empty, detail) in zip(columns, sections):
        with column:
            st.markdown(f"**{title}**")
            if not moves:
                st.caption(empty)
            html = "".join(_move_line(m, lang, detail(m)) for m in moves)
            if html:
                st.markdown(html, unsafe_allow_html=True)
