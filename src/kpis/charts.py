"""Plotly figure builders in the house theme: results in, go.Figure out (pages and exports)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from kpis.formatting import format_value
from kpis.i18n import t
from kpis.scorecard import Grid
from kpis.status import STATUS_ICONS

__all__ = ["STATUS_COLORS", "STATUS_SYMBOLS", "TEMPLATE_NAME", "trend_figure"]

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
        margin=dict(l=60, r=30, t=70, b=60),
        xaxis=dict(showgrid=False, linecolor="#C9CED6", ticks="outside", tickcolor="#C9CED6"),
        yaxis=dict(gridcolor="#E6E9EE", zerolinecolor="#C9CED6", rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        hoverlabel=dict(font_size=15),
    )
)


def trend_figure(grid: Grid, kpi_id: str, lang: str = "en") -> go.Figure:
    """Quarterly actuals (markers shaped and coloured by status) against the target line."""
    cells = [grid.cell(kpi_id, y, q) for y, q in grid.quarters]
    kpi = cells[0].kpi
    labels = [f"{c.year}-Q{c.quarter}" for c in cells]
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        x=labels, y=[c.target_value for c in cells], name=t("chart.target", lang),
        mode="lines", line=dict(color=TARGET_COLOR, dash="dash", width=2, shape="hv"),
        hovertemplate="%{x}: %{customdata}<extra>" + t("chart.target", lang) + "</extra>",
        customdata=[format_value(c.target_value, kpi, lang) for c in cells],
    ))
    figure.add_trace(go.Scatter(
        x=labels, y=[c.actual for c in cells], name=t("chart.actual", lang),
        mode="lines+markers", line=dict(color="#0072B2", width=3),
        marker=dict(
            size=14, line=dict(width=1.5, color="white"),
            color=[STATUS_COLORS[c.status] for c in cells],
            symbol=[STATUS_SYMBOLS[c.status] for c in cells],
        ),
        customdata=[[format_value(c.actual, kpi, lang), f"{STATUS_ICONS[c.status]} {t('status.' + c.status, lang)}"]
                    for c in cells],
        hovertemplate="%{x}: %{customdata[0]} · %{customdata[1]}<extra></extra>",
    ))
    figure.update_layout(
        template=TEMPLATE_NAME,
        title=dict(text=kpi.name(lang)),
        xaxis_title=t("chart.quarter", lang),
        yaxis_title=_axis_title(kpi.unit, kpi.currency, lang),
        height=420,
    )
    if kpi.lower_is_better:
        figure.update_yaxes(rangemode="tozero")
    return figure


def _axis_title(unit: str, currency: str | None, lang: str) -> str:
    return currency or "" if unit == "currency" else t(f"unit.{unit}", lang)
