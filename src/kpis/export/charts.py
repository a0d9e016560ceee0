"""Plotly figure builders in the house theme: results in, go.Figure out (pages and exports)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from kpis.escaping import html_text
from kpis.formatting import format_compact, format_money, format_number, format_percent, format_value
from kpis.i18n import t
from kpis.maturity.levels import DIMENSIONS, LEVEL_KEYS, Maturity
from kpis.scorecard import Grid
from kpis.status import STATUS_ICONS
from kpis.value.projection import STREAMS, Simulation, ValueSummary

__all__ = [
    "STATUS_COLORS",
    "STATUS_SYMBOLS",
    "TEMPLATE_NAME",
    "cumulative_figure",
    "fan_figure",
    "figure_table",
    "funnel_figure",
    "horizon_figure",
    "launches_figure",
    "radar_figure",
    "region_latency_figure",
    "trend_figure",
    "value_streams_figure",
]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. Status is never shown
# by colour alone: every flag also has an icon and a word, every marker a distinct shape.
STATUS_COLORS = {
    "ahead": "#0072B2",
    "on_track": "#009E73",
    "at_risk": "#E69F00",
    "off_track": "#D55E00",
    "no_data": "#8C8C8C",
}
STATUS_TEXT_COLORS = {  # darker shades of the same hues, for text on a light tint (WCAG AA)
    "ahead": "#00507D",
    "on_track": "#00684A",
    "at_risk": "#7A4F00",
    "off_track": "#9A3A00",
    "no_data": "#4D4D4D",
}
STATUS_SYMBOLS = {
    "ahead": "triangle-up",
    "on_track": "circle",
    "at_risk": "diamond",
    "off_track": "x",
    "no_data": "circle-open",
}
INK = "#1F2A37"
MUTED = "#5B6675"
TARGET_COLOR = "#4D4D4D"
TEMPLATE_NAME = "kpis"

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=16, color=INK),
        title=dict(font=dict(size=22), x=0, xanchor="left"),
        colorway=["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"],
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=70, r=30, t=70, b=140),
        xaxis=dict(showgrid=False, linecolor="#C9CED6", ticks="outside", tickcolor="#C9CED6"),
        yaxis=dict(gridcolor="#E6E9EE", zerolinecolor="#C9CED6", rangemode="tozero"),
        # below the axis title: a legend never covers the category labels or the axis's name
        legend=dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0),
        hoverlabel=dict(font_size=15),
    )
)


def trend_figure(grid: Grid, kpi_id: str, lang: str = "en", as_of: tuple[int, int] | None = None) -> go.Figure:
    """Quarterly actuals (markers shaped and coloured by status) against the target line; with
    `as_of` (the quarter being looked at), the quarters up to it only (a report shows nothing after its
    quarter) and the run-rate forecast of that year's Q4 as a dotted line from that quarter to Q4,
    labelled as a forecast (kpis.forecast)."""
    cells = [grid.cell(kpi_id, y, q) for y, q in grid.quarters if as_of is None or (y, q) <= as_of]
    kpi = cells[0].kpi
    labels = [f"{c.year}-Q{c.quarter}" for c in cells]
    traces = [dict(
        type="scatter", x=labels, y=[c.target_value for c in cells], name=t("chart.target", lang),
        mode="lines+markers", line=dict(color=TARGET_COLOR, dash="dot", width=1.5),
        marker=dict(symbol="line-ew-open", size=26, line=dict(width=3, color=TARGET_COLOR)),
        hovertemplate="%{x}: %{customdata}<extra>" + t("chart.target", lang) + "</extra>",
        customdata=[format_value(c.target_value, kpi, lang) for c in cells],
    ), dict(
        type="scatter", x=labels, y=[c.actual for c in cells], name=t("chart.actual", lang),
        mode="lines+markers", line=dict(color="#0072B2", width=3),
        marker=dict(  # outlined in the status's darker shade: 3:1 against white even for at risk's orange
            size=14, line=dict(width=1.5, color=[STATUS_TEXT_COLORS[c.status] for c in cells]),
            color=[STATUS_COLORS[c.status] for c in cells],
            symbol=[STATUS_SYMBOLS[c.status] for c in cells],
        ),
        customdata=[[format_value(c.actual, kpi, lang), f"{STATUS_ICONS[c.status]} {t('status.' + c.status, lang)}"]
                    for c in cells],
        hovertemplate="%{x}: %{customdata[0]} · %{customdata[1]}<extra></extra>",
    )]
    layout = dict(template=TEMPLATE_NAME, title=dict(text=kpi.name(lang)), height=420,
                  xaxis=dict(title=dict(text=t("chart.quarter", lang))),
                  yaxis=dict(title=dict(text=_axis_title(kpi.unit, kpi.currency, lang))))
    forecast = _forecast_trace(grid, kpi_id, as_of, lang)
    if forecast is not None:
        traces.append(forecast[0])
        layout["annotations"] = [forecast[1]]
    if kpi.lower_is_better:
        layout["yaxis"]["rangemode"] = "tozero"
    values = [v for c in cells for v in (c.actual, c.target_value) if v is not None] + (
        [] if forecast is None else [forecast[2]])
    ticks = _ticks(values, lambda v: format_value(v, kpi, lang))
    if ticks is not None:
        layout["yaxis"].update(ticks)
    return go.Figure(data=traces, layout=layout)


def _forecast_trace(grid: Grid, kpi_id: str, as_of: tuple[int, int] | None,
                    lang: str) -> tuple[dict, dict, float] | None:
    """A dotted line from the last quarter the forecast used to the projected Q4 value, with a
    hollow marker and a 'Forecast Q4' label (trace, annotation, value): never drawn like an actual."""
    if as_of is None or (as_of[0], 4) not in grid.quarters:
        return None
    cell = grid.cells.get((kpi_id, *as_of))
    if cell is None or cell.forecast is None:
        return None
    forecast, kpi = cell.forecast, cell.kpi
    last_q, last_value = forecast.basis[-1]
    start = grid.cell(kpi_id, forecast.year, last_q)
    x = [f"{forecast.year}-Q{last_q}", f"{forecast.year}-Q4"]
    y = [start.actual if start.actual is not None else last_value, forecast.value]
    verdict = t(f"forecast.{forecast.status}", lang)
    label = t("forecast.label", lang)
    trace = dict(
        type="scatter", x=x, y=y, name=t("forecast.series", lang), mode="lines+markers",
        line=dict(color=FORECAST_COLOR, dash="dot", width=2.5),
        marker=dict(size=[0, 15], symbol="circle-open", line=dict(width=2.5, color=FORECAST_COLOR)),
        customdata=[None, f"{label}: {format_value(forecast.value, kpi, lang)} · {verdict}"],
        hovertemplate="%{customdata}<extra></extra>",
    )
    note = dict(x=x[1], y=forecast.value, text=f"{label}<br>{format_value(forecast.value, kpi, lang)}",
                showarrow=False, yshift=30, font=dict(color=FORECAST_COLOR, size=13))
    return trace, note, forecast.value


def _cell_text(value, shown, lang: str) -> str:
    """One value of a trace as the reader sees it: the text the chart shows for it (labels, hover values
    already formatted in the reader's language) or else the number with the language's grouping."""
    if isinstance(shown, (list, tuple)):
        shown = " · ".join(str(part) for part in shown if part not in (None, ""))
    if isinstance(shown, str) and shown:
        return shown.replace("<br>", " ")
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(float(value), lang, 0 if float(value).is_integer() or abs(value) >= 100 else 1)
    return str(value)


def figure_table(figure: go.Figure, lang: str = "en"):
    """A chart's data as a table, its text alternative (WCAG 1.1.1): one row per category (quarter, year,
    stage, region, dimension), one column per named series, each value as the chart writes it."""
    import pandas as pd

    columns: dict[str, dict[str, str]] = {}
    order: list[str] = []
    category_title = ""
    for trace in figure.data:
        name = trace.name or ("" if len(figure.data) > 1 else figure.layout.title.text or t("chart.value", lang))
        if not name or (getattr(trace, "showlegend", None) is False and trace.type != "bar"):
            continue  # band edges and other unnamed helpers
        if trace.type == "scatterpolar":
            keys, values = list(trace.theta)[:-1], list(trace.r)[:-1]  # the closing point repeats the first
            category_title = t("chart.dimension", lang)
        elif getattr(trace, "orientation", None) == "h":
            keys, values = list(trace.y), list(trace.x)
            category_title = category_title or (figure.layout.yaxis.title.text or "")
        else:
            keys, values = list(trace.x), list(trace.y)
            category_title = category_title or (figure.layout.xaxis.title.text or "")
        shown = trace.text if trace.text is not None and not isinstance(trace.text, str) else trace.customdata
        shown = list(shown) if shown is not None else [None] * len(values)
        labelled = any(isinstance(label, (str, list, tuple)) for label in shown)
        column = columns.setdefault(html_text_plain(name), {})
        for key, value, label in zip(keys, values, shown):
            if labelled and label is None:
                continue  # a point the chart does not label (a forecast's starting point is the actual)
            key = html_text_plain(str(key) if isinstance(key, str) else _cell_text(key, None, lang))
            if key not in order:
                order.append(key)
            column[key] = _cell_text(value, label, lang)
    for note in figure.layout.annotations:  # a target drawn as a line across the plot: its value in every row
        if note.xref == "x domain" and note.yref == "y" and note.text:
            columns[html_text_plain(note.text)] = dict.fromkeys(order, _cell_text(note.y, None, lang))
    frame = pd.DataFrame({name: [cells.get(key, "—") for key in order] for name, cells in columns.items()},
                         index=pd.Index(order, name=html_text_plain(category_title) or t("chart.category", lang)))
    return frame


def html_text_plain(text: str) -> str:
    """A chart label as plain text (line breaks Plotly draws as <br> become spaces)."""
    import html

    return html.unescape(text.replace("<br>", " ")).strip()


def _nice_step(span: float) -> float:
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def locale_ticks(figure: go.Figure, values: list[float], label: Callable[[float], str],
                 axis: str = "yaxis") -> go.Figure:
    """Y ticks written by our own formatting (Babel: grouping, the language's compact forms, never
    Plotly's "B", which reads as a billón, 10^12, in Spanish)."""
    ticks = _ticks(values, label)
    if ticks is not None:
        figure.update_layout({axis: ticks})
    return figure


def _ticks(values: list[float], label: Callable[[float], str]) -> dict | None:
    """locale_ticks' axis settings for `values` (None: no finite value, Plotly's own ticks)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None
    low, high = min(0.0, min(finite)), max(finite)
    step = _nice_step(high - low)
    first = math.floor(low / step) * step
    ticks = [first + i * step for i in range(math.ceil((high - first) / step) + 1)]
    return dict(tickmode="array", tickvals=ticks, ticktext=[label(v) for v in ticks])


def _axis_title(unit: str, currency: str | None, lang: str) -> str:
    return currency or "" if unit == "currency" else t(f"unit.{unit}", lang)


FORECAST_COLOR = "#6B4FA0"  # not a status colour: a forecast is not judged like an actual on the chart

STREAM_COLORS = {
    "direct_savings": "#0072B2",
    "revenue_increase": "#009E73",
    "risk_reduction": "#CC79A7",
    "innovation_value": "#E69F00",
}
INVESTMENT_COLOR = "#D55E00"


def _year_labels(summary: ValueSummary, lang: str) -> list[str]:
    word = t("value.year", lang)
    return [f"{word} {row.year}" + (" *" if row.projected else "") for row in summary.years]


def value_streams_figure(summary: ValueSummary, lang: str = "en") -> go.Figure:
    """Stacked value streams per program year; projected years hatched and lighter."""
    labels = _year_labels(summary, lang)
    figure = go.Figure()
    for stream in STREAMS:
        amounts = [row.streams[stream] for row in summary.years]
        figure.add_trace(go.Bar(
            x=labels, y=amounts, name=t(f"stream.{stream}", lang), marker_color=STREAM_COLORS[stream],
            marker_pattern_shape=["/" if row.projected else "" for row in summary.years],
            marker_opacity=[0.55 if row.projected else 1.0 for row in summary.years],
            customdata=[format_money(a, summary.currency, lang) for a in amounts],
            hovertemplate="%{x}: %{customdata}<extra>" + t(f"stream.{stream}", lang) + "</extra>",
        ))
    # the legend under the "* projected year" note, never over it (checked at 1366-1920)
    figure.update_layout(template=TEMPLATE_NAME, barmode="stack", height=460,
                         title=dict(text=t("chart.value_streams", lang)), margin=dict(b=140),
                         legend=dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0),
                         yaxis_title=summary.currency, xaxis_title=t("chart.projected_note", lang))
    return locale_ticks(figure, [row.value for row in summary.years], lambda v: format_compact(v, lang))


def cumulative_figure(summary: ValueSummary, lang: str = "en") -> go.Figure:
    """Cumulative value (straight between year ends: it accrues evenly) vs cumulative investment (a step at
    each year's start: committed on its first day), with the payback point marked."""
    x = [0] + [row.year for row in summary.years]
    value = [0] + [row.cumulative_value for row in summary.years]
    steps = [row.cumulative_investment for row in summary.years]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=value, name=t("value.cumulative_value", lang), mode="lines+markers",
                                line=dict(color="#0072B2", width=3)))
    figure.add_trace(go.Scatter(x=[0, *range(len(steps)), len(steps)], y=[0, *steps, steps[-1] if steps else 0],
                                name=t("value.cumulative_investment", lang), mode="lines",
                                line=dict(color=INVESTMENT_COLOR, width=3, dash="dash", shape="hv")))
    if summary.payback_months is not None and summary.cumulative_investment > 0:
        at = summary.payback_months / 12
        level = float(np.interp(at, x, value))
        figure.add_trace(go.Scatter(
            x=[at], y=[level], mode="markers+text", name=t("value.payback", lang),
            marker=dict(symbol="star", size=20, color="#1F2A37"), cliponaxis=False,
            text=[t("value.months", lang, months=format_number(summary.payback_months, lang, 1))],
            textposition="top right" if at < x[-1] / 2 else "top left",
        ))
    projected_from = next((row.year - 1 for row in summary.years if row.projected), None)
    if projected_from is not None:
        figure.add_vrect(x0=projected_from, x1=x[-1], fillcolor="#8C8C8C", opacity=0.10, line_width=0,
                         annotation_text=t("chart.projection", lang), annotation_position="top left")
    figure.update_layout(template=TEMPLATE_NAME, height=440, title=dict(text=t("chart.cumulative", lang)),
                         xaxis=dict(title=t("chart.program_year", lang), dtick=1), yaxis_title=summary.currency)
    return locale_ticks(figure, [v for row in summary.years for v in (row.cumulative_value, row.cumulative_investment)],
                        lambda v: format_compact(v, lang))


def fan_figure(summary: ValueSummary, simulation: Simulation, lang: str = "en") -> go.Figure:
    """P10-P90 band of cumulative value from the Monte Carlo, its P50, the deterministic path and
    cumulative investment."""
    x = [row.year for row in summary.years]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=x, y=list(simulation.p90), mode="lines", line=dict(width=0), showlegend=False,
                                hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=x, y=list(simulation.p10), mode="lines", line=dict(width=0), fill="tonexty",
                                fillcolor="rgba(0,114,178,0.18)", name="P10–P90"))
    figure.add_trace(go.Scatter(x=x, y=list(simulation.p50), mode="lines", name="P50",
                                line=dict(color="#0072B2", width=3)))
    figure.add_trace(go.Scatter(x=x, y=[row.cumulative_value for row in summary.years], mode="lines+markers",
                                name=t("chart.deterministic", lang), line=dict(color="#1F2A37", width=2, dash="dot")))
    figure.add_trace(go.Scatter(x=x, y=list(simulation.cumulative_investment), mode="lines",
                                name=t("value.cumulative_investment", lang),
                                line=dict(color=INVESTMENT_COLOR, width=2, dash="dash")))
    figure.update_layout(template=TEMPLATE_NAME, height=440, title=dict(text=t("chart.fan", lang)),
                         xaxis=dict(title=t("chart.program_year", lang), dtick=1), yaxis_title=summary.currency)
    return locale_ticks(figure, [*simulation.p90, *simulation.cumulative_investment,
                                 *(row.cumulative_value for row in summary.years)],
                        lambda v: format_compact(v, lang))


UNIT_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def _closed(values: list[float | None]) -> list[float | None]:
    return [*values, values[0]]


def radar_figure(maturities: list[Maturity], lang: str = "en", names: Callable[[str], str] | None = None) -> go.Figure:
    """Scores per dimension on a 0-5 scale labelled with level names. One unit: current vs target vs
    previous quarter; several units: their current scores overlaid."""
    dims = [d for d in DIMENSIONS if any(d in m.assessment.scores for m in maturities)]
    theta = _closed([t(f"dim.{d}", lang) for d in dims])
    figure = go.Figure()
    if len(maturities) == 1:
        m = maturities[0]
        a = m.assessment
        if any(a.targets.get(d) is not None for d in dims):
            figure.add_trace(go.Scatterpolar(r=_closed([a.targets.get(d) for d in dims]), theta=theta,
                                             name=t("maturity.target", lang),
                                             line=dict(color=TARGET_COLOR, dash="dash", width=2)))
        if m.previous is not None:
            figure.add_trace(go.Scatterpolar(
                r=_closed([m.previous.scores.get(d) for d in dims]), theta=theta,
                name=t("maturity.previous", lang, quarter=f"{m.previous.year}-Q{m.previous.quarter}"),
                line=dict(color="#8C8C8C", width=2, dash="dot"), marker=dict(symbol="square")))
        figure.add_trace(go.Scatterpolar(
            r=_closed([a.scores.get(d) for d in dims]), theta=theta, fill="toself",
            name=t("maturity.current", lang, quarter=f"{a.year}-Q{a.quarter}"),
            line=dict(color="#0072B2", width=3), fillcolor="rgba(0,114,178,0.15)"))
    else:
        for index, m in enumerate(maturities):
            figure.add_trace(go.Scatterpolar(
                r=_closed([m.assessment.scores.get(d) for d in dims]), theta=theta,
                name=html_text(names(m.assessment.unit) if names else m.assessment.unit),
                line=dict(color=UNIT_COLORS[index % len(UNIT_COLORS)], width=3)))
    # the rings carry their numbers only (level names drawn across the shapes were crossed by their lines);
    # the names are a key under the chart
    levels = " · ".join(f"{level} {t('level.' + LEVEL_KEYS[level], lang)}" for level in range(1, 6))
    figure.update_layout(
        template=TEMPLATE_NAME, height=540, title=dict(text=t("maturity.radar", lang)),
        # the scale sits between the first two spokes so it never covers a dimension label
        polar=dict(radialaxis=dict(range=[0, 5], tickvals=[1, 2, 3, 4, 5], ticktext=["1", "2", "3", "4", "5"],
                                   angle=90 - 180 / max(len(dims), 3), tickangle=90 - 180 / max(len(dims), 3),
                                   tickfont=dict(size=12, color=MUTED), gridcolor="#E6E9EE"),
                   angularaxis=dict(tickfont=dict(size=16), direction="clockwise")),
        legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="center", x=0.5),
        margin=dict(b=130),
        annotations=[dict(text=levels, xref="paper", yref="paper", x=0.5, y=-0.2, xanchor="center", yanchor="top",
                          showarrow=False, font=dict(size=12, color=MUTED))],
    )
    return figure


FUNNEL_COLORS = ["#56B4E9", "#0072B2", "#009E73", "#E69F00", "#CC79A7"]


def funnel_figure(rows: list[tuple[str, int, float | None]], year: int, lang: str = "en") -> go.Figure:
    """The year's funnel (use cases that reached each stage) with the conversion from the stage
    before, beside the seeds' reference funnel scaled to the same number of ideas."""
    stages = [t(f"stage.{stage}", lang) for stage, _, _ in rows]
    counts = [count for _, count, _ in rows]
    text = [f"{count}" + ("" if rate is None else f" ({rate:.0%})") for _, count, rate in rows]
    figure = go.Figure(go.Bar(y=stages, x=counts, text=text, textposition="outside", orientation="h",
                              name=str(year), marker=dict(color=FUNNEL_COLORS)))
    ideas = counts[0] or 1
    reference = [ideas * share / 100 for share in (100, 20, 10, 5, 2.5)]
    figure.add_trace(go.Scatter(x=reference, y=stages, mode="markers", name=t("innovation.reference", lang),
                                marker=dict(symbol="line-ns-open", size=30, line=dict(width=3, color=INK))))
    figure.update_layout(template=TEMPLATE_NAME, height=440, title=dict(text=t("innovation.funnel", lang, year=year)),
                         yaxis=dict(autorange="reversed"), xaxis=dict(rangemode="tozero"))
    return figure


def horizon_figure(mix: dict[str, tuple[int, float]], target: dict[str, float], lang: str = "en") -> go.Figure:
    """Share of the active pipeline per horizon against the target investment mix."""
    # two lines per label ("H1" / "core optimisation"): four long names fit a half-width chart unrotated
    labels = ["<br>".join(t(f"horizon.{h}", lang).split(" ", 1)) for h in target]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=labels, y=[mix[h][1] for h in target], name=t("innovation.pipeline_share", lang),
                            marker_color="#0072B2", textposition="outside", cliponaxis=False, constraintext="none",
                            textfont=dict(size=14),
                            text=[t("innovation.share_count", lang, share=format_percent(mix[h][1], lang),
                                    count=format_number(mix[h][0], lang)) for h in target]))
    figure.add_trace(go.Scatter(x=labels, y=list(target.values()), name=t("innovation.target_mix", lang),
                                mode="markers", marker=dict(symbol="line-ew-open", size=40,
                                                            line=dict(width=3, color=TARGET_COLOR))))
    # two-line category labels: the legend goes below them, never over them (checked at 1366-1920)
    figure.update_layout(template=TEMPLATE_NAME, height=440, title=dict(text=t("innovation.horizons", lang)),
                         yaxis=dict(title="%", rangemode="tozero"), margin=dict(b=150),
                         legend=dict(orientation="h", yanchor="top", y=-0.34, xanchor="left", x=0))
    return figure


def _target_line(y: float, text: str) -> dict:
    """A dashed target line across the plot with its label at the top left: the layout add_hline
    writes, given directly (add_hline's subplot handling costs 6-10 ms a chart, this ~1 ms)."""
    return {"shapes": [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y,
                            line=dict(color=TARGET_COLOR, dash="dash", width=2))],
            # the label right of the plot, level with its line: over the bars it was hidden by the first one
            "annotations": [dict(text=text, xref="x domain", x=1.01, xanchor="left", yref="y", y=y, yanchor="middle",
                                 showarrow=False, font=dict(size=13, color=TARGET_COLOR))],
            "margin": dict(r=40 + 8 * len(text))}


def launches_figure(counts: dict[tuple[int, int], int], target: float, lang: str = "en") -> go.Figure:
    """Use cases launched (scaled) per quarter against the target per quarter."""
    labels = [f"{y}-Q{q}" for y, q in counts]
    values = list(counts.values())
    colors = [STATUS_COLORS["on_track"] if v >= target else STATUS_COLORS["at_risk"] if v >= target * 0.8
              else STATUS_COLORS["off_track"] for v in values]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=colors, name=t("innovation.launched", lang)))
    figure.update_layout(template=TEMPLATE_NAME, height=380, title=dict(text=t("innovation.launches", lang)),
                         **_target_line(target, t("chart.target", lang)),
                         yaxis=dict(dtick=1))
    return figure


def region_latency_figure(rows: list[tuple[str, float | None]], limit: float, lang: str = "en") -> go.Figure:
    """Latency p95 per region against the limit (lower is better)."""
    colors = [STATUS_COLORS["no_data"] if v is None else STATUS_COLORS["on_track"] if v <= limit
              else STATUS_COLORS["off_track"] for _, v in rows]
    figure = go.Figure(go.Bar(x=[html_text(r) for r, _ in rows], y=[v for _, v in rows], marker_color=colors,
                              name=t("regions.latency", lang),
                              text=[("—" if v is None else f"{v:.0f} ms") for _, v in rows],
                              # inside the bar's top: a label above a bar near the limit would sit on the line
                              textposition="inside", insidetextanchor="end", textfont=dict(color="white")))
    figure.update_layout(template=TEMPLATE_NAME, height=380, title=dict(text=t("regions.latency", lang)),
                         **_target_line(limit, f"{t('chart.target', lang)} < {limit:.0f} ms"),
                         yaxis=dict(title="ms", rangemode="tozero"))
    return figure
