"""One function per section of the board deck (summary, scorecard, trends, maturity, readiness, value,
innovation, regions, appendix), each drawing the figures of the quarter's report (BoardData)."""

from __future__ import annotations

from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Inches, Pt

from kpis.escaping import xml_text
from kpis.explain import FORECAST_ICONS, checkin_lines, forecast_lines
from kpis.export.boardpack import BoardData
from kpis.export.charts import FORECAST_COLOR, STATUS_COLORS, STREAM_COLORS
from kpis.export.deck.layout import (
    LAYOUT_CONTENT,
    LAYOUT_TITLE,
    MARGIN,
    ROWS_PER_SLIDE,
    WIDTH,
    DeckChartData,
    chart_box,
    compact_axis,
    content_slide,
    place,
    plain,
    rgb,
    section_boxes,
    status_table,
    table_at,
    text_box,
)
from kpis.formatting import format_attainment, format_money, format_value, shorten
from kpis.i18n import t
from kpis.maturity.levels import DIMENSIONS, LEVEL_KEYS
from kpis.report import status_word, target_text
from kpis.status import STATUS_ICONS, STATUSES
from kpis.value.projection import STREAMS
from kpis.value.valuation import projected_lines, realised_lines

__all__ = [
    "FORECAST_COLOURS",
    "appendix",
    "forecast_cell",
    "innovation",
    "maturity",
    "program_title",
    "readiness",
    "regions",
    "scorecard",
    "status_counts",
    "summary",
    "title_slides",
    "trends",
    "value",
]


LEGACY_DEMO_NAME = "Banco Demo — AI scale-up 2025-2026"  # what demo stores made before 2026-12 call the program


def program_title(name: str | None, lang: str) -> str:
    """The title slide's program line in the reader's language: "Banco Demo — AI scale-up programme"."""
    name = "Banco Demo" if name == LEGACY_DEMO_NAME else name
    return t("deck.program", lang, name=name) if name else t("deck.default_program", lang)


def status_counts(data: BoardData) -> dict[str, int]:
    """The report's counts: the verdict's statuses, "no target" apart from "no data"."""
    return data.report.counts


def title_slides(prs, data: BoardData, program: str, sections: list[str]) -> None:
    lang = data.lang
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    place(slide.shapes.title, Inches(0.8), Inches(2.3), WIDTH - Inches(1.6), Inches(1.5))
    place(slide.placeholders[1], Inches(0.8), Inches(3.9), WIDTH - Inches(1.6), Inches(1.2))
    slide.shapes.title.text = xml_text(t("deck.title", lang, quarter=data.report.when(lang)))
    slide.placeholders[1].text = xml_text(f"{program}\n{data.scope_text}")
    agenda = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    place(agenda.shapes.title, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9))
    place(agenda.placeholders[1], MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.5))
    agenda.shapes.title.text = xml_text(t("deck.agenda", lang))
    agenda.placeholders[1].text = xml_text("\n".join(t(f"deck.section.{s}", lang) for s in sections))
    agenda.notes_slide.notes_text_frame.text = xml_text(t("deck.agenda_notes", lang,
                                                          quarter=data.report.when(lang)))


def summary(prs, data: BoardData) -> None:
    lang = data.lang
    counts = status_counts(data)
    moves = [f"{m.cell.kpi.name(lang)}: {t('status.' + m.before, lang)} → {t('status.' + m.after, lang)}"
             for m in data.changes.status_moves[:5]]
    misses = [f"{m.cell.kpi.name(lang)} ({format_attainment(m.cell.attainment)})" for m in data.changes.biggest_misses]
    gate = t("readiness.ready", lang) if data.gate.ready else \
        f"{t('readiness.not_yet', lang)}: " + "; ".join(r.item.label(lang) for r in data.gate.missing)
    will_miss = [c for c in data.cells if c.forecast is not None and c.forecast.status == "will_miss"]
    forecasts = [f"{c.kpi.name(lang)}: {format_value(c.forecast.value, c.kpi, lang)} / "
                 f"{format_value(c.forecast.target, c.kpi, lang)}" for c in will_miss]
    by_id = data.cells_by_id
    said = [(by_id[kpi_id], checkin) for kpi_id, checkin in data.checkins.items() if kpi_id in by_id]
    notes = data.verdict + "\n\n" + t("deck.summary_notes", lang, quarter=data.report.when(lang),
                                       n=len(data.cells),
              ahead=counts["ahead"], on_track=counts["on_track"], at_risk=counts["at_risk"],
              off_track=counts["off_track"], no_data=counts["no_data"] + counts["no_target"],
              misses=", ".join(misses) or "—", gate=gate)
    notes += "\n\n" + t("deck.forecast_misses", lang) + ": " + ("; ".join(forecasts) or "—")
    notes += "".join(f"\n\n{t('checkin.label', lang)} · {cell.kpi.name(lang)}: " + " — ".join(checkin_lines(c, lang))
                     for cell, c in said)
    slide = content_slide(prs, t("deck.section.summary", lang), notes, data.scope_text)
    chart_data = DeckChartData()
    present = [s for s in (*STATUSES, "no_target") if counts[s]]
    chart_data.categories = [f"{STATUS_ICONS.get(s, STATUS_ICONS['no_data'])} {t('status.' + s, lang)}: {counts[s]}"
                             for s in present]
    chart_data.add_series(t("table.status", lang), [counts[s] for s in present])
    chart = chart_box(slide, XL_CHART_TYPE.DOUGHNUT, chart_data, MARGIN, Inches(2.2), Inches(5.2), Inches(4.9),
                   title=t("dash.summary", lang, n=len(data.cells)))
    for point, status in zip(chart.plots[0].series[0].points, present):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = rgb(STATUS_COLORS.get(status, STATUS_COLORS["no_data"]))
    chart.plots[0].has_data_labels = True  # each ring segment says its count, not only the legend
    labels = chart.plots[0].data_labels
    labels.font.size = Pt(14)
    labels.font.bold = True
    labels.number_format, labels.number_format_is_linked = "0", False
    labels.show_value, labels.show_category_name, labels.show_percentage = True, False, False
    text_box(slide, MARGIN, Inches(1.25), WIDTH - 2 * MARGIN, Inches(0.9), [data.verdict], size=17, bold_first=True)
    names = [c.kpi.name(lang) for c in will_miss]
    forecast_line = ("; ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")) if names \
        else t("deck.no_forecast_misses", lang)
    sections = [(t("dash.changes", lang), moves[:3] or [t("dash.no_moves", lang)]),
                (t("deck.top_risks", lang), misses or [t("dash.no_misses", lang)]),
                (t("deck.forecast_misses", lang), [forecast_line])]
    if said:
        sections.append((t("deck.checkins", lang), [f"{cell.kpi.name(lang)}: {shorten(c.note, 90)}"
                                                    for cell, c in said[:2]]))
    sections.append((t("maturity.gate", lang), [gate]))
    section_boxes(slide, Inches(6.2), Inches(2.25), Inches(6.6), Inches(5.0), sections, size=12 if said else 13)


def forecast_cell(cell, lang: str) -> str:
    """'83% · ✖ misses' (the projected Q4 value and whether it reaches the Q4 target), '—' without one."""
    if cell.forecast is None:
        return "—"
    status = cell.forecast.status
    return (f"{format_value(cell.forecast.value, cell.kpi, lang)} · {FORECAST_ICONS[status]} "
            f"{t(f'forecast.word.{status}', lang)}")


FORECAST_COLOURS = {"will_reach": "on_track", "will_miss": "off_track", "no_data": None}


def scorecard(prs, data: BoardData) -> None:
    lang = data.lang
    header = [t("table.kpi", lang), t("card.actual", lang), t("card.target", lang), t("card.attainment", lang),
              t("table.status", lang), t("forecast.label", lang)]
    chunks = [data.cells[i:i + ROWS_PER_SLIDE] for i in range(0, len(data.cells), ROWS_PER_SLIDE)]
    for index, chunk in enumerate(chunks, start=1):
        rows = [[c.kpi.name(lang), format_value(c.actual, c.kpi, lang), target_text(c, lang),
                 format_attainment(c.attainment), f"{STATUS_ICONS[c.status]} {status_word(c, lang)}",
                 forecast_cell(c, lang)]
                for c in chunk]
        off = [c.kpi.name(lang) for c in chunk if c.status in ("at_risk", "off_track")]
        notes = t("deck.scorecard_notes", lang, part=index, parts=len(chunks),
                  flagged=", ".join(off) or t("dash.no_misses", lang))
        notes += "".join(f"\n{c.kpi.name(lang)} — {line}" for c in chunk if c.forecast is not None
                         and c.forecast.status == "will_miss" for line in forecast_lines(c, lang)[:1])
        notes += "".join(f"\n\n{t('checkin.label', lang)} · {c.kpi.name(lang)}: "
                         + " — ".join(checkin_lines(data.checkins[c.kpi.id], lang))
                         for c in chunk if c.kpi.id in data.checkins)
        slide = content_slide(prs, f"{t('export.table_scorecard', lang)} ({index}/{len(chunks)})", notes,
                               data.scope_text)
        colours = [[None, None, None, None, c.status,
                    None if c.forecast is None else FORECAST_COLOURS[c.forecast.status]] for c in chunk]
        status_table(slide, header, rows, [c.status for c in chunk], widths=[3.4, 1.35, 1.35, 1.75, 1.93, 2.55],
               cell_statuses=colours)


def trends(prs, data: BoardData) -> None:
    lang = data.lang
    headline = [c for c in data.cells if c.kpi.headline] or data.cells[:5]
    lines = []
    slide = content_slide(prs, t("deck.section.trends", lang), "", data.scope_text)
    cols, width, height = 3, (WIDTH - 2 * MARGIN) / 3, Inches(2.9)
    for index, cell in enumerate(headline[:6]):
        quarters = [data.grid.cell(cell.kpi.id, data.year, q) for q in (1, 2, 3, 4)]
        chart_data = DeckChartData()
        chart_data.categories = [f"Q{q}" for q in (1, 2, 3, 4)]
        # a deck is as of its quarter: later quarters show their targets, not their (partial) actuals
        chart_data.add_series(t("chart.actual", lang), [q.actual if q.quarter <= data.quarter else None
                                                       for q in quarters])
        chart_data.add_series(t("chart.target", lang), [q.target_value for q in quarters])
        forecast = cell.forecast
        if forecast is not None:  # dotted, from the last quarter it used to Q4: a forecast, not an actual
            last_q = forecast.basis[-1][0]
            chart_data.add_series(t("forecast.series", lang), [
                (quarters[q - 1].actual if q == last_q else forecast.value if q == 4 else None) for q in (1, 2, 3, 4)])
        left = MARGIN + width * (index % cols)
        top = Inches(1.3) + height * (index // cols)
        chart = chart_box(slide, XL_CHART_TYPE.LINE_MARKERS, chart_data, int(left), int(top), int(width), int(height),
                       title=cell.kpi.name(lang), colors=["#0072B2", "#4D4D4D", FORECAST_COLOR])
        if forecast is not None:
            series = chart.plots[0].series[2]
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.ROUND_DOT
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.format.fill.background()
            series.marker.format.line.color.rgb = rgb(FORECAST_COLOR)
        compact_axis(chart, lang)
        lines.append(f"{cell.kpi.name(lang)}: " + ", ".join(
            f"Q{q.quarter} {format_value(q.actual, q.kpi, lang)} / {format_value(q.target_value, q.kpi, lang)} "
            f"({t('status.' + q.status, lang)})" for q in quarters if q.quarter <= data.quarter)
            + ("" if forecast is None else ". " + " ".join(forecast_lines(cell, lang))))
    slide.notes_slide.notes_text_frame.text = xml_text(t("deck.trends_notes", lang, year=data.year) + "\n"
                                                       + "\n".join(lines))


def maturity(prs, data: BoardData) -> None:
    lang = data.lang
    if not data.maturities:
        return
    dims = [d for d in DIMENSIONS if any(d in m.assessment.scores for m in data.maturities)]
    notes = "\n".join(
        t("deck.maturity_line", lang, unit=data.named("region", m.assessment.unit), level=m.level or "—",
          name=t(f"level.{LEVEL_KEYS[m.level]}", lang) if m.level else "—",
          weakest=", ".join(t(f"dim.{d}", lang) for d in m.weakest)) for m in data.maturities)
    slide = content_slide(prs, t("maturity.heading", lang), t("maturity.rule", lang) + "\n" + notes)
    chart_data = DeckChartData()
    chart_data.categories = [t(f"dim.{d}", lang) for d in dims]
    for m in data.maturities:
        chart_data.add_series(data.named("region", m.assessment.unit), [m.assessment.scores.get(d) for d in dims])
    chart = chart_box(slide, XL_CHART_TYPE.RADAR_MARKERS, chart_data, MARGIN, Inches(1.3), Inches(6.6), Inches(5.8),
                   colors=["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"])
    chart.value_axis.maximum_scale, chart.value_axis.minimum_scale = 5, 0
    header = [t("maturity.units", lang), t("maturity.level", lang), t("maturity.mean_level", lang)]
    rows = [[data.named("region", m.assessment.unit),
             f"{m.level} {t('level.' + LEVEL_KEYS[m.level], lang)}" if m.level else "—",
             f"{m.mean_level} ({m.mean_score:.2f})"] for m in data.maturities]
    levels = [m.level for m in data.maturities]
    table_at(slide, header, rows, ["on_track" if (lv or 0) >= 3 else "at_risk" for lv in levels],
              Inches(7.4), Inches(5.4))


def readiness(prs, data: BoardData) -> None:
    lang = data.lang
    verdict = t("readiness.ready" if data.gate.ready else "readiness.not_yet", lang)
    missing = "; ".join(r.item.label(lang) for r in data.gate.missing) or "—"
    slide = content_slide(prs, f"{t('maturity.gate', lang)} · {data.named('region', data.unit)}",
                           t("deck.readiness_notes", lang, verdict=verdict, missing=missing))
    chart_data = DeckChartData()
    chart_data.categories = [xml_text(c) for c in [c.checklist.name(lang) for c in data.checklists]]
    chart_data.add_series("%", [round(c.pct, 1) for c in data.checklists])
    chart = chart_box(slide, XL_CHART_TYPE.BAR_CLUSTERED, chart_data, MARGIN, Inches(1.4), Inches(6.6), Inches(5.4),
                   title=t("maturity.checklists", lang), colors=["#0072B2"], legend=False)
    chart.value_axis.maximum_scale, chart.value_axis.minimum_scale = 100, 0
    chart.value_axis.tick_labels.number_format, chart.value_axis.tick_labels.number_format_is_linked = '0"%"', False
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format, chart.plots[0].data_labels.number_format_is_linked = '0"%"', False
    lines = [f"{verdict}", "", *[f"{'✔' if r.met else '✖'} {r.item.label(lang)}" for r in data.gate.items]]
    text_box(slide, Inches(7.4), Inches(1.4), Inches(5.4), Inches(5.6), lines, size=15, bold_first=True)


def value(prs, data: BoardData) -> None:
    lang, value = data.lang, data.value
    if value is None:
        return
    money = lambda amount: format_money(amount, value.currency, lang)  # noqa: E731
    # the same labelled figures as the value page and `python -m kpis value`: realised first, then projected
    realised, projected = realised_lines(value, lang), projected_lines(value, lang)
    headline = [f"{label}: {text}" for label, text in [*realised[2:4], projected[2], projected[4]]]
    notes = t("deck.value_notes", lang, value=money(value.cumulative_value),
              investment=money(value.cumulative_investment), years=len(value.years)) + "\n" + "\n".join(
        f"{label}: {text}" for label, text in realised + projected)
    slide = content_slide(prs, t("value.heading", lang), notes)
    labels = [f"{t('value.year', lang)} {r.year}{' *' if r.projected else ''}" for r in value.years]
    streams = DeckChartData()
    streams.categories = labels
    for stream in STREAMS:
        streams.add_series(t(f"stream.{stream}", lang), [r.streams[stream] for r in value.years])
    streams_chart = chart_box(slide, XL_CHART_TYPE.COLUMN_STACKED, streams, MARGIN, Inches(1.3), Inches(6.1),
                           Inches(4.6), title=t("chart.value_streams", lang),
                           colors=[STREAM_COLORS[s] for s in STREAMS])
    compact_axis(streams_chart, lang)
    cumulative = DeckChartData()
    cumulative.categories = labels
    cumulative.add_series(t("value.cumulative_value", lang), [r.cumulative_value for r in value.years])
    cumulative.add_series(t("value.cumulative_investment", lang), [r.cumulative_investment for r in value.years])
    compact_axis(chart_box(slide, XL_CHART_TYPE.LINE_MARKERS, cumulative, Inches(6.8), Inches(1.3), Inches(6.0),
                         Inches(4.6), title=t("chart.cumulative", lang), colors=["#0072B2", "#D55E00"]), lang)
    text_box(slide, MARGIN, Inches(6.0), WIDTH - 2 * MARGIN, Inches(1.2),
          [" · ".join(headline[:2]), " · ".join(headline[2:]) + f" · {value.currency}",
           t("chart.projected_note", lang)], size=13)


def innovation(prs, data: BoardData) -> None:
    lang = data.lang
    if not data.use_cases:
        return
    rows = list(data.report.innovation.funnel)
    launched = dict(data.report.innovation.launches)
    notes = t("deck.innovation_notes", lang, year=data.year, ideas=rows[0][1], scaled=rows[-1][1],
              launched=", ".join(f"Q{q}: {n}" for (_, q), n in launched.items()))
    slide = content_slide(prs, t("innovation.heading", lang), notes, data.scope_text)
    stages = DeckChartData()
    stages.categories = [t(f"stage.{stage}", lang) for stage, _, _ in rows]
    stages.add_series(t("innovation.count", lang), [count for _, count, _ in rows])
    chart = chart_box(slide, XL_CHART_TYPE.BAR_CLUSTERED, stages, MARGIN, Inches(1.4), Inches(6.1), Inches(5.4),
                   title=plain(t("innovation.funnel", lang, year=data.year)), colors=["#0072B2"], legend=False)
    chart.plots[0].has_data_labels = True
    chart.category_axis.reverse_order = True
    quarters = DeckChartData()
    quarters.categories = [f"Q{q}" for (_, q) in launched]
    quarters.add_series(t("innovation.launched", lang), list(launched.values()))
    quarters.add_series(t("chart.target", lang), [2] * len(launched))
    chart_box(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, quarters, Inches(6.8), Inches(1.4), Inches(6.0), Inches(5.4),
           title=t("innovation.launches", lang), colors=["#009E73", "#4D4D4D"])


def regions(prs, data: BoardData) -> None:
    lang = data.lang
    if not data.region_grids:
        return
    shown = ("new_users", "availability_pct", "api_latency_p95_ms", "adoption_rate_pct")
    lines = []
    rows, statuses = [], []
    for name, grid in data.region_grids.items():
        cells = [grid.cell(kpi_id, data.year, data.quarter) for kpi_id in shown]
        rows.append([data.named("region", name), *[f"{format_value(c.actual, c.kpi, lang)} {STATUS_ICONS[c.status]} "
                             f"{t('status.' + c.status, lang)}" for c in cells]])
        statuses.append([None, *[c.status for c in cells]])
        lines.append(f"{data.named('region', name)}: " + "; ".join(
            f"{c.kpi.name(lang)} {format_value(c.actual, c.kpi, lang)} ({t('status.' + c.status, lang)})"
            for c in cells))
    slide = content_slide(prs, t("regions.heading", lang), "\n".join(lines), data.scope_text)
    header = [t("filter.region", lang), *[data.grid.cell(k, data.year, data.quarter).kpi.name(lang) for k in shown]]
    status_table(slide, header, rows, [None] * len(rows), widths=[2.3, 2.6, 2.6, 2.6, 2.23], cell_statuses=statuses)
    latency = DeckChartData()
    latency.categories = [xml_text(c) for c in [data.named("region", name) for name in data.region_grids]]
    latency_cells = [g.cell("api_latency_p95_ms", data.year, data.quarter) for g in data.region_grids.values()]
    latency.add_series(data.grid.cell("api_latency_p95_ms", data.year, data.quarter).kpi.name(lang),
                       [c.actual for c in latency_cells])
    # bars coloured by each region's status with their figure on them, as on the Regions page; the target is
    # in the title (a line across categories would read as a trend)
    chart = chart_box(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, latency, MARGIN, Inches(3.9), Inches(7.0), Inches(3.3),
                      title=t("regions.latency", lang), legend=False)
    for point, cell in zip(chart.plots[0].series[0].points, latency_cells):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = rgb(STATUS_COLORS.get(cell.status, STATUS_COLORS["no_data"]))
    chart.plots[0].has_data_labels = True
    labels = chart.plots[0].data_labels
    labels.number_format, labels.number_format_is_linked = '#,##0" ms"', False
    labels.font.size = Pt(12)
    labels.font.bold = True


def appendix(prs, data: BoardData) -> None:
    lang = data.lang
    slide = content_slide(prs, t("deck.section.appendix", lang), t("deck.appendix_notes", lang))
    lines = [t("deck.rules_heading", lang), t("rule.higher_is_better", lang), t("rule.lower_is_better", lang),
             t("rule.error_budget", lang), t("explain.bands_text", lang, ahead=1.10, on_track=0.95, at_risk=0.80),
             t("rule.zero_target", lang), "", t("deck.sources_heading", lang), t("export.source", lang),
             t("deck.generated", lang, scope=data.scope_text)]
    text_box(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.6), lines, size=15, bold_first=True)
