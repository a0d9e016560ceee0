"""One number per fact: the same KPI, scope, quarter and currency reads the same on every surface
(grid, CLI JSON, XLSX export, deck table cells and chart series, value page, Innovation page), for
the demo and for a second, generated program."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from kpis.catalog import load_catalog
from kpis.export.boardpack import gather, render_table
from kpis.export.deck import build_deck
from kpis.export.tables import to_xlsx_bytes
from kpis.formatting import format_percent, format_value
from kpis.report import build_report
from kpis.store import Store
from kpis.value.ledger import realised_on
from tests.conftest import ROOT

CATALOG = load_catalog()


def kpis(*args: str, db: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args], capture_output=True, text=True,
                            env={**os.environ, "KPIS_USER": "t"}, timeout=180)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A second program unlike the demo: two regions, one 30M investment in year 1, its own start date."""
    folder = tmp_path_factory.mktemp("generated")
    db = folder / "g.duckdb"
    kpis("init", db=db)
    rows = ["kpi_id,period,value,region,department"]
    for month in range(1, 13):
        for region, scale in (("Norte", 1.0), ("Sur", 0.6)):
            rows.append(f"new_users,2025-{month:02d},{round(300 * scale + 7 * month)},{region},")
            rows.append(f"adoption_rate_pct,2025-{month:02d},{60 + month * 1.5 * scale:.1f},{region},")
            rows.append(f"api_latency_p95_ms,2025-{month:02d},{90 + month * scale:.0f},{region},")
    (folder / "obs.csv").write_text("\n".join(rows) + "\n")
    kpis("import", "observations", str(folder / "obs.csv"), "--create-missing", db=db)
    (folder / "targets.csv").write_text("kpi_id,year,quarter,target\n" + "".join(
        f"new_users,2025,{q},{2000 + 100 * q}\nadoption_rate_pct,2025,{q},{70 + 3 * q}\n"
        f"api_latency_p95_ms,2025,{q},100\nroi_pct,2025,{q},{100 * q}\n" for q in (1, 2, 3, 4)))
    kpis("import", "targets", str(folder / "targets.csv"), db=db)
    (folder / "value.csv").write_text("program,stream,year,amount\n" + "".join(
        f"Programa Norte,{stream},{year},{amount}\n"
        for stream, amounts in (("direct_savings", (10e6, 25e6, 50e6)), ("revenue_increase", (5e6, 15e6, 35e6)),
                                ("risk_reduction", (8e6, 20e6, 40e6)), ("innovation_value", (2e6, 10e6, 30e6)))
        for year, amount in enumerate(amounts, start=1)))
    kpis("import", "value", str(folder / "value.csv"), "--create-missing", db=db)
    (folder / "inv.csv").write_text("program,year,amount\nPrograma Norte,1,30000000\n")
    kpis("import", "investments", str(folder / "inv.csv"), db=db)
    with Store(db).write_session() as session:
        session.con.execute("UPDATE programs SET started = DATE '2025-01-01'")
    return db


@pytest.fixture(scope="module", params=["demo", "generated"])
def store_path(request, generated, tmp_path_factory) -> Path:
    if request.param == "generated":
        return generated
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    kpis("init", "--demo", db=db)
    return db


def _latest(db: Path) -> tuple[int, int]:
    with Store(db).session() as session:
        row = session.rows("data_quarters")[0]
    return int(row["year"]), int(row["quarter"])


def _grid(db: Path):
    year, quarter = _latest(db)
    with Store(db).session() as session:
        report = build_report(session, CATALOG, year, quarter)
    return report.grid, list(report.cells)


def test_cli_json_equals_the_grid(store_path):
    _, cells = _grid(store_path)
    cell = cells[0]
    records = json.loads(kpis("scorecard", "--year", str(cell.year), "--quarter", str(cell.quarter), "--format",
                              "json", db=store_path).stdout)
    by_id = {r["kpi_id"]: r for r in records}
    for cell in cells:
        record = by_id[cell.kpi.id]
        assert record["actual"] == pytest.approx(cell.actual, rel=1e-12, abs=1e-12) if cell.actual is not None \
            else record["actual"] is None
        assert record["target"] == cell.target_value and record["status"] == cell.status


def test_xlsx_and_deck_show_the_grid(store_path):
    _, cells = _grid(store_path)
    year, quarter = cells[0].year, cells[0].quarter
    with Store(store_path).session() as session:
        data = gather(session, CATALOG, year, quarter)
    assert [(c.actual, c.status) for c in data.cells] == [(c.actual, c.status) for c in cells]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(render_table("scorecard", data), "scorecard"))).active
    header = [c.value for c in sheet[1]]
    xlsx = {row[header.index("kpi_id")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    deck = Presentation(io.BytesIO(build_deck(data, ["scorecard", "trends"], "Program")))
    table_cells = {}
    series = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in list(shape.table.rows)[1:]:
                    texts = [c.text for c in row.cells]
                    table_cells[texts[0]] = texts
            if shape.has_chart:
                series += [(shape.chart.chart_title.text_frame.text, list(s.values))
                           for s in shape.chart.plots[0].series]
    for cell in cells:
        row = xlsx[cell.kpi.id]
        assert row[header.index("status_code")] == cell.status
        actual = row[header.index("Actual")]
        assert (actual is None and cell.actual is None) or (
            isinstance(actual, float | int) and actual == pytest.approx(cell.actual, rel=1e-12))
        assert table_cells[cell.kpi.name("en")][1] == format_value(cell.actual, cell.kpi, "en")
    headline = [c for c in cells if c.kpi.headline]
    for cell in headline[:6]:
        quarters = [data.grid.cell(cell.kpi.id, year, q).actual for q in (1, 2, 3, 4)]
        charted = [values for title, values in series if title == cell.kpi.name("en")]
        assert charted and [None if v is None else pytest.approx(v) for v in charted[0]] == \
            [None if v is None else pytest.approx(q) for v, q in zip(charted[0], quarters)]


def test_realised_roi_is_one_figure_on_dashboard_cli_and_value_page(store_path, monkeypatch):
    with Store(store_path).session() as session:
        real = realised_on(session)
    year, quarter = (real.on.year, (real.on.month - 1) // 3 + 1)
    with Store(store_path).session() as session:
        cells = list(build_report(session, CATALOG, year, quarter).cells)
    roi = next(c for c in cells if c.kpi.id == "roi_pct")
    assert roi.actual == pytest.approx(real.net_roi_pct)
    value = json.loads(kpis("value", "--format", "json", db=store_path).stdout)
    assert value["realised"]["net_roi_pct"] == pytest.approx(real.net_roi_pct)
    monkeypatch.setenv("KPIS_DB", str(store_path))
    monkeypatch.chdir(ROOT)
    page = AppTest.from_file(str(ROOT / "pages" / "value.py"), default_timeout=90)
    page.query_params["year"], page.query_params["quarter"] = str(year), str(quarter)  # the quarter measured
    page.run()
    assert not page.exception
    shown = format_value(roi.actual, roi.kpi, "en")  # the dashboard card's text
    assert shown == format_percent(real.net_roi_pct, "en", 1)
    assert shown in "\n".join(m.value for m in page.markdown)


def test_generated_program_counts_recorded_investment_only(generated):
    value = json.loads(kpis("value", "--format", "json", db=generated).stdout)
    assert value["cumulative_investment"] == pytest.approx(30e6)
    assert value["net_roi_pct"] == pytest.approx((250e6 - 30e6) / 30e6 * 100)
    assert value["years_without_investment"] == [2, 3]


def test_innovation_page_and_dashboard_show_the_same_success_rate(tmp_path, monkeypatch):
    db = tmp_path / "demo.duckdb"
    kpis("init", "--demo", db=db)
    with Store(db).session() as session:
        cases = [r for r in session.rows("use_case_stages")]
    last = max(r["entered"] for r in cases)
    year, quarter = last.year, (last.month - 1) // 3 + 1
    with Store(db).session() as session:
        cells = list(build_report(session, CATALOG, year, quarter).cells)
    cell = next(c for c in cells if c.kpi.id == "use_case_success_rate_pct")
    monkeypatch.setenv("KPIS_DB", str(db))
    monkeypatch.chdir(ROOT)
    page = AppTest.from_file(str(ROOT / "pages" / "innovation.py"), default_timeout=90).run()
    assert not page.exception
    assert format_value(cell.actual, cell.kpi, "en") in "\n".join(m.value for m in page.markdown)


def test_organisation_department_count_never_exceeds_known_departments(store_path):
    _, cells = _grid(store_path)
    with Store(store_path).session() as session:
        known = session.scalar("SELECT count(*) FROM departments")
    used = next(c for c in cells if c.kpi.id == "departments_using")
    assert used.actual is None or used.actual <= known
