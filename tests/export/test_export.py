"""Exports: chart files, spreadsheet-safe tables, the board deck (native charts, notes), the lock."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.util import Inches

from kpis.export.boardpack import chart_ids, gather, render_chart, render_table
from kpis.export.deck import SECTIONS, build_deck
from kpis.export.images import chrome_path, figure_bytes
from kpis.scorecard import Scope

needs_chrome = pytest.mark.skipif(chrome_path() is None, reason="no Chrome/Chromium for kaleido")


@pytest.fixture(scope="module")
def board(demo_db, catalog):
    from kpis.store import Store

    with Store(demo_db).session() as session:
        return gather(session, catalog, 2026, 2, Scope(), "en")


def test_deck_is_16_9_with_expected_slides_and_notes(board):
    prs = Presentation(io.BytesIO(build_deck(board, program="Banco Demo")))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0].startswith("AI scale-up: board pack 2026-Q2") and titles[1] == "Agenda"
    for expected in ("Executive summary", "Quarterly scorecard (1/2)", "Quarterly scorecard (2/2)",
                     "Headline dimensions by quarter", "CoE maturity", "Cumulative value",
                     "Appendix: status rules and data sources"):
        assert expected in titles
    for slide in list(prs.slides)[2:]:  # every content slide carries notes written from the data
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 20
    for slide in prs.slides:  # nothing placed for a 4:3 page
        for shape in slide.shapes:
            assert shape.left + shape.width <= prs.slide_width


def test_deck_charts_are_native_with_the_scorecard_numbers(board):
    prs = Presentation(io.BytesIO(build_deck(board, ["trends", "value", "maturity", "summary"])))
    charts = [shape.chart for slide in prs.slides for shape in slide.shapes if shape.has_chart]
    assert len(charts) >= 8
    by_title = {c.chart_title.text_frame.text: c for c in charts if c.has_title}
    users = by_title["New users onboarded"]
    actual = list(users.plots[0].series[0].values)
    # as of the deck's quarter (Q2): later quarters show targets only, never their actuals
    expected = [board.grid.cell("new_users", 2026, q).actual for q in (1, 2)]
    assert actual[:2] == pytest.approx(expected) and actual[2:] == [None, None]
    target = list(users.plots[0].series[1].values)
    assert target == pytest.approx([board.grid.cell("new_users", 2026, q).target_value for q in (1, 2, 3, 4)])
    doughnut = next(c for title, c in by_title.items() if "KPIs" in title)
    assert sum(doughnut.plots[0].series[0].values) == len(board.cells)
    stacked = by_title["Value by stream and program year"]
    assert list(stacked.plots[0].series[0].values)[:3] == [10e6, 25e6, 50e6]


def test_deck_tables_label_and_colour_status(board):
    prs = Presentation(io.BytesIO(build_deck(board, ["scorecard"])))
    tables = [shape.table for slide in prs.slides for shape in slide.shapes if shape.has_table]
    cells = [tables[0].cell(r, 4).text for r in range(1, len(tables[0].rows))]
    assert all(any(word in c for word in ("Ahead", "On track", "At risk", "Off track", "No data")) for c in cells)
    assert sum(len(t.rows) - 1 for t in tables) == len(board.cells)


def test_deck_in_spanish(demo_db, catalog):
    from kpis.store import Store

    with Store(demo_db).session() as session:
        data = gather(session, catalog, 2026, 2, Scope(), "es")
    prs = Presentation(io.BytesIO(build_deck(data, ["summary"])))
    assert [s.shapes.title.text for s in prs.slides][2] == "Resumen ejecutivo"


def test_tables_export_csv_and_xlsx_spreadsheet_safe(board):
    frame = render_table("scorecard", board)
    assert len(frame) == len(board.cells)
    from kpis.export.tables import to_xlsx_bytes

    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame.assign(note=["=HYPERLINK(1)"] * len(frame)))))
    sheet = workbook.active
    assert sheet["A1"].font.bold
    header = [c.value for c in sheet[1]]
    note = [row[header.index("note")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(str(v).startswith("'=") for v in note)


def test_xlsx_numbers_are_numeric_cells_with_formats(board):
    from kpis.export.tables import to_csv_bytes, to_xlsx_bytes

    frame = render_table("scorecard", board)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, "scorecard"))).active
    header = [c.value for c in sheet[1]]
    actual, attainment, change = header.index("Actual") + 1, header.index("Attainment") + 1, header.index("Change") + 1
    cells = [sheet.cell(row=r, column=actual) for r in range(2, sheet.max_row + 1)]
    filled = [c for c in cells if c.value is not None]
    assert filled and all(isinstance(c.value, int | float) for c in filled)
    assert {c.number_format for c in filled} >= {"#,##0", '#,##0.0"%"'}
    assert all(isinstance(sheet.cell(row=r, column=change).value, int | float | type(None))
               for r in range(2, sheet.max_row + 1))  # no "'+573" text: the guard is for text only
    assert sheet.cell(row=2, column=attainment).number_format == "0%"
    csv_text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "'+" not in csv_text and "'-" not in csv_text


@needs_chrome
def test_chart_files_png_svg_pdf(board, catalog):
    figure = render_chart("trend_transactions_per_day", board, catalog)
    png = figure_bytes(figure, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3200, 1800)  # 1600 x 900 at 2x
    assert b"<svg" in figure_bytes(figure, "svg")[:500]
    assert figure_bytes(figure, "pdf")[:5] == b"%PDF-"
    assert len(chart_ids(catalog)) == len(catalog) + 8


@needs_chrome
def test_concurrent_exports_each_get_their_own_image():
    sizes = {n: (400 + 40 * n, 300) for n in range(6)}
    results: dict[int, bytes] = {}

    def export(n: int) -> None:
        figure = go.Figure(go.Bar(x=["a"], y=[n]))
        results[n] = figure_bytes(figure, "png", width=sizes[n][0], height=sizes[n][1], scale=1)

    threads = [threading.Thread(target=export, args=(n,)) for n in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, png in results.items():  # each thread got an image of the size it asked for
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == sizes[n]


def test_cli_export_list_deck_and_errors(demo_store, tmp_path: Path):
    db = demo_store.target
    run = lambda *a: subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), "export", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=180)
    listing = run("--list")
    assert "trend_new_users" in listing.stdout and "scorecard" in listing.stdout
    deck = run("deck", "--year", "2026", "--quarter", "2", "--lang", "es", "--out", str(tmp_path / "pack.pptx"))
    assert deck.returncode == 0, deck.stderr
    assert len(Presentation(str(tmp_path / "pack.pptx")).slides) >= len(SECTIONS) + 2
    table = run("table", "scorecard", "--format", "csv", "--out", str(tmp_path / "s.csv"))
    assert table.returncode == 0 and (tmp_path / "s.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    wrong = run("chart", "nope", "--out", str(tmp_path / "x.png"))
    assert wrong.returncode == 1 and "Unknown chart 'nope'" in wrong.stderr and "Traceback" not in wrong.stderr
