"""The deck's slide primitives: a titled content slide with speaker notes, text boxes, status tables with
flags as icon + word + colour, native charts with compact number axes, in the house palette."""

from __future__ import annotations

import re

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt

from kpis.escaping import xml_text
from kpis.export.charts import STATUS_COLORS, STATUS_TEXT_COLORS

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
LAYOUT_TITLE, LAYOUT_CONTENT, LAYOUT_TITLE_ONLY = 0, 1, 5  # of the default template

__all__ = [
    "COMPACT_NUMBER",
    "HEIGHT",
    "INK",
    "LAYOUT_CONTENT",
    "LAYOUT_TITLE",
    "LAYOUT_TITLE_ONLY",
    "MARGIN",
    "MUTED",
    "ROWS_PER_SLIDE",
    "TABLE_TOP",
    "WIDTH",
    "DeckChartData",
    "chart_box",
    "compact_axis",
    "content_slide",
    "place",
    "plain",
    "rgb",
    "section_boxes",
    "status_table",
    "table_at",
    "text_box",
    "tint",
]


MARGIN = Inches(0.5)


INK = RGBColor(0x1F, 0x2A, 0x37)


MUTED = RGBColor(0x5B, 0x66, 0x75)


ROWS_PER_SLIDE = 11


TABLE_TOP = Inches(1.4)


def plain(title: str) -> str:
    """A chart title written for Plotly ("Title<br><sup>subtitle</sup>") as one line of slide text."""
    return re.sub(r"</?sup>", "", title.replace("<br>", " · "))


def rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#")[:6])


def tint(hex_color: str, amount: float = 0.82) -> RGBColor:
    """A light tint of a colour, for status cell backgrounds (the text stays dark)."""
    r, g, b = (int(hex_color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return RGBColor(*(round(c + (255 - c) * amount) for c in (r, g, b)))


def place(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = Emu(left), Emu(top), Emu(width), Emu(height)


class DeckChartData(CategoryChartData):
    """Chart data whose series names are XML-safe: one stored name with a control character never breaks the
    deck for everyone (categories from data are cleaned where they are set)."""

    def add_series(self, name, values=(), number_format=None):
        return super().add_series(xml_text(name), values, number_format)


def content_slide(prs, title: str, notes: str, subtitle: str = ""):
    """A 'Title Only' slide with the title placeholder moved to the 16:9 width, an optional
    subtitle (the scope), and speaker notes."""
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    place(slide.shapes.title, MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, Inches(0.75))
    slide.shapes.title.text = xml_text(title)
    paragraph = slide.shapes.title.text_frame.paragraphs[0]
    paragraph.font.size, paragraph.font.bold, paragraph.font.color.rgb = Pt(28), True, INK
    if subtitle:
        frame = slide.shapes.add_textbox(MARGIN, Inches(0.95), WIDTH - 2 * MARGIN, Inches(0.4)).text_frame
        frame.text = xml_text(subtitle)
        frame.paragraphs[0].font.size, frame.paragraphs[0].font.color.rgb = Pt(14), MUTED
    slide.notes_slide.notes_text_frame.text = xml_text(notes)
    return slide


# Axis labels per language (a number format holds two conditions): thousands of millions as "B" in
# English and "mil M" in Spanish (a "B" there reads as a billón, 10^12), millions as "M", else grouped.
COMPACT_NUMBER = {"en": '[>=1000000000]#,##0.0,,,"B";[>=1000000]#,##0,,"M";#,##0.##',
                  "es": '[>=1000000000]#,##0.0,,," mil M";[>=1000000]#,##0,," M";#,##0.##'}


def compact_axis(chart, lang: str = "en") -> None:
    chart.value_axis.tick_labels.number_format = COMPACT_NUMBER.get(lang, COMPACT_NUMBER["en"])
    chart.value_axis.tick_labels.number_format_is_linked = False


def text_box(slide, left, top, width, height, lines: list[str], size: int = 16, bold_first: bool = False) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = xml_text(line)
        paragraph.font.size, paragraph.font.color.rgb = Pt(size), INK
        paragraph.font.bold = bold_first and index == 0
        paragraph.space_after = Pt(6)


def status_table(slide, header: list[str], rows: list[list[str]], statuses: list[str | None],
           widths: list[float] | None = None, top: int = TABLE_TOP,
           cell_statuses: list[list[str | None]] | None = None) -> None:
    """A native table; the status column (the last) is coloured and labelled, or, with `cell_statuses`,
    every cell that carries a status (their text has the icon and the word)."""
    height = Inches(0.42) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, top, WIDTH - 2 * MARGIN, height)
    table = shape.table
    for col, width in enumerate(widths or []):
        table.columns[col].width = Inches(width)
    for col, text in enumerate(header):
        cell = table.cell(0, col)
        cell.text = xml_text(text)
        cell.fill.solid()
        cell.fill.fore_color.rgb = INK
        cell.text_frame.paragraphs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        cell.text_frame.paragraphs[0].font.size, cell.text_frame.paragraphs[0].font.bold = Pt(12), True
    for r, (values, status) in enumerate(zip(rows, statuses), start=1):
        for col, text in enumerate(values):
            cell = table.cell(r, col)
            cell.text = xml_text(text)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.font.size, paragraph.font.color.rgb = Pt(12), INK
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF) if r % 2 else RGBColor(0xF3, 0xF5, 0xF8)
            colour = cell_statuses[r - 1][col] if cell_statuses else status if col == len(values) - 1 else None
            if colour:
                cell.fill.fore_color.rgb = tint(STATUS_COLORS[colour])
                paragraph.font.color.rgb, paragraph.font.bold = rgb(STATUS_TEXT_COLORS[colour]), True


def table_at(slide, header: list[str], rows: list[list[str]], statuses: list[str], left: int, width: int) -> None:
    """A small native table beside a chart; the second column carries the status colour."""
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, Inches(1.6), width,
                                   Inches(0.45) * (len(rows) + 1))
    for col, text in enumerate(header):
        shape.table.cell(0, col).text = xml_text(text)
    for r, (row, status) in enumerate(zip(rows, statuses), start=1):
        for col, text in enumerate(row):
            cell = shape.table.cell(r, col)
            cell.text = xml_text(text)
            if col == 1:
                cell.fill.solid()
                cell.fill.fore_color.rgb = tint(STATUS_COLORS[status])


def chart_box(slide, kind, data: CategoryChartData, left, top, width, height, title: str | None = None,
           colors: list[str] | None = None, legend: bool = True):
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    chart.has_legend = legend
    if legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        chart.legend.font.size = Pt(11)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = xml_text(title)
        chart.chart_title.text_frame.paragraphs[0].font.size = Pt(14)
    chart.font.size = Pt(11)
    for series, color in zip(chart.plots[0].series, colors or []):
        fill = series.format.fill if kind not in (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.RADAR_MARKERS) else None
        if fill is not None:
            fill.solid()
            fill.fore_color.rgb = rgb(color)
        series.format.line.color.rgb = rgb(color)
    return chart


def section_boxes(slide, left, top, width, height, sections: list[tuple[str, list[str]]], size: int) -> None:
    """Bold headings with their lines under them, tighter than text_box's paragraphs (a summary fits)."""
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    first = True
    for heading, lines in sections:
        for index, line in enumerate([heading, *lines]):
            paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            paragraph.text = xml_text(line)
            paragraph.font.size, paragraph.font.color.rgb = Pt(size), INK
            paragraph.font.bold = index == 0
            paragraph.space_before = Pt(9) if index == 0 and paragraph is not frame.paragraphs[0] else Pt(0)
            paragraph.space_after = Pt(2)
