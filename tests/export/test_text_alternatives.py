"""Every chart's text alternative (its figures as a table) and the XLSX tables in the reader's language."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from kpis.export.boardpack import chart_ids, gather, render_chart, render_table
from kpis.export.charts import figure_table
from kpis.export.tables import to_xlsx_bytes
from kpis.scorecard import Scope
from kpis.store import Store

RAW_FLOAT = re.compile(r"\d\.\d{4,}|\bnan\b|\bNone\b")  # 99.973% (an error budget) is written on purpose


@pytest.fixture(scope="module")
def boards(demo_db, catalog):
    with Store(demo_db).session() as session:
        return {lang: gather(session, catalog, 2026, 3, Scope(), lang) for lang in ("en", "es")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_chart_has_its_figures_as_a_table(boards, catalog, lang):
    for chart_id in chart_ids(catalog):
        try:
            figure = render_chart(chart_id, boards[lang], catalog)
        except Exception:
            continue
        table = figure_table(figure, lang)
        assert len(table) >= 1 and len(table.columns) >= 1, chart_id
        cells = [str(v) for v in table.to_numpy().ravel()] + [str(i) for i in table.index]
        assert not any(RAW_FLOAT.search(c) for c in cells), (chart_id, cells)
        assert "<br>" not in " ".join(cells) + " ".join(table.columns), chart_id


def test_a_chart_table_reads_the_trend_in_the_reader_language(boards, catalog):
    from kpis.export.charts import trend_figure

    table = figure_table(trend_figure(boards["es"].grid, "new_users", "es", as_of=(2026, 3)), "es")
    assert table.index.name == "Trimestre" and "2026-Q3" in table.index
    assert {"Meta", "Real"} <= set(table.columns)
    assert any("En meta" in v or "Adelantado" in v or "riesgo" in v for v in table["Real"])


@pytest.mark.parametrize("table_id", ["value_years", "maturity", "checklists"])
def test_xlsx_tables_have_headers_in_the_reader_language_and_numbers_with_formats(boards, table_id):
    sheets = {}
    for lang in ("en", "es"):
        book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(render_table(table_id, boards[lang]), table_id)))
        sheets[lang] = book.active
    english, spanish = ([c.value for c in sheets[lang][1]] for lang in ("en", "es"))
    assert english != spanish  # the Spanish file is not the English one
    assert not any(re.fullmatch(r"[a-z]+(_[a-z]+)+", h) for h in english[:-1])  # no raw ids but the last column
    for row in sheets["en"].iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, float):
                assert round(cell.value, 4) == cell.value  # no 3.080000000000001
                assert cell.number_format != "General", (table_id, cell.coordinate)
    if table_id == "value_years":
        money = [c for c in sheets["es"][2] if isinstance(c.value, (int, float)) and c.column > 1]
        assert money and all(c.number_format.endswith('" MXN"') for c in money[:8])
