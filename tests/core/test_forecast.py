"""The run-rate forecast of Q4 (kpis.forecast), with hand-computed cases, and check-ins."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from kpis.catalog import Kpi
from kpis.editing.checkins import add_checkin, checkin_history, latest_checkins
from kpis.errors import ValidationError
from kpis.forecast import project_q4
from kpis.roles import Actor, PermissionDenied

ADMIN, VIEWER = Actor("ana", "admin"), Actor("vic", "viewer")


def kpi(**changes) -> Kpi:
    base = dict(id="k", family="adoption", name_en="K", name_es="K", unit="count", direction="higher_is_better",
                over_time="last", across_scope="sum")
    return Kpi(**(base | changes))


def done(*values):
    """Complete quarters 1..n with these actuals (None = no data)."""
    return {q: (v, None if v is None else date(2026, 3 * q, 28), False) for q, v in enumerate(values, start=1)}


def test_one_quarter_holds_its_level():
    f = project_q4(kpi(), 2026, 1, done(40.0), 50.0)
    assert (f.value, f.method, f.status) == (40.0, "level", "will_miss")  # 40/50 = 0.8: at risk


def test_trend_is_the_least_squares_line_extended_to_q4():
    # points (1,10) (2,20) (3,27): slope = 8.5, intercept = 2 -> Q4 = 36; 36/35 = 1.029 on track
    f = project_q4(kpi(), 2026, 3, done(10.0, 20.0, 27.0), 35.0)
    assert f.value == pytest.approx(36.0) and f.method == "trend"
    assert f.evaluation.status == "on_track" and f.status == "will_reach"
    assert f.basis == ((1, 10.0), (2, 20.0), (3, 27.0))


def test_lower_is_better_falling_cost_will_reach():
    # cost 0.10, 0.09, 0.08 -> 0.07 against a 0.07 target: attainment 1.0 (on track)
    f = project_q4(kpi(unit="currency", currency="USD", direction="lower_is_better", over_time="mean"), 2026, 3,
                   done(0.10, 0.09, 0.08), 0.07)
    assert f.value == pytest.approx(0.07) and f.status == "will_reach"


def test_missing_quarters_are_skipped_and_no_data_gives_no_forecast():
    f = project_q4(kpi(), 2026, 3, done(10.0, None, 30.0), 40.0)  # (1,10) (3,30): slope 10 -> 40
    assert f.value == pytest.approx(40.0) and f.basis == ((1, 10.0), (3, 30.0))
    assert project_q4(kpi(), 2026, 2, done(None, None), 40.0) is None


def test_no_q4_target_gives_no_data_status_and_a_zero_target_uses_the_zero_rule():
    assert project_q4(kpi(), 2026, 2, done(1.0, 2.0), None).status == "no_data"
    lower = kpi(direction="lower_is_better")
    assert project_q4(lower, 2026, 2, done(2.0, 1.0), 0.0).status == "will_reach"  # trend reaches 0 (clamped? no min)


def test_projection_stays_in_the_kpis_range_and_under_a_count_cap():
    pct = kpi(unit="percent", min_value=0, max_value=100)
    assert project_q4(pct, 2026, 3, done(80.0, 90.0, 99.0), 95.0).value == 100.0
    assert project_q4(pct, 2026, 3, done(30.0, 15.0, 2.0), 50.0).value == 0.0
    assert project_q4(kpi(), 2026, 2, done(3.0, 4.0), 4.0, limit=4).value == 4.0


def test_flow_kpi_in_progress_is_scaled_to_a_full_quarter():
    # a summed KPI, Q2 in progress with data to 15 May: 45 of 91 days -> 450 scales to 910; points
    # (1, 900) (2, 910): slope 10 -> Q4 930
    flow = kpi(over_time="sum")
    quarters = {1: (900.0, date(2026, 3, 31), False), 2: (450.0, date(2026, 5, 15), True)}
    f = project_q4(flow, 2026, 2, quarters, 1000.0)
    assert f.basis[1][1] == pytest.approx(910.0) and f.value == pytest.approx(930.0)
    # a level KPI (last value) in progress is taken as it is
    assert project_q4(kpi(), 2026, 2, quarters, 1000.0).basis[1][1] == 450.0


def test_a_complete_q4_has_no_forecast_but_q4_in_progress_has_one():
    assert project_q4(kpi(), 2026, 4, done(1.0, 2.0, 3.0, 4.0), 4.0) is None
    quarters = done(1.0, 2.0, 3.0) | {4: (3.5, date(2026, 11, 20), True)}
    assert project_q4(kpi(), 2026, 4, quarters, 4.0) is not None


def test_scorecard_json_has_forecast_and_checkin(demo_store):
    demo_store_path = demo_store.target
    run = lambda *a: subprocess.run([sys.executable, "-m", "kpis", "--db", str(demo_store_path), *a],  # noqa: E731
                                    capture_output=True, text=True)
    done_ = run("checkin", "adoption_rate_pct", "--year", "2026", "--quarter", "2", "--region", "Mexico",
                "--note", "Wave 2 onboarding slipped", "--owner", "Ana Ruiz", "--confidence", "low")
    assert done_.returncode == 0, done_.stderr
    records = json.loads(run("scorecard", "--year", "2026", "--quarter", "2", "--region", "Mexico",
                             "--format", "json").stdout)
    by_id = {r["kpi_id"]: r for r in records}
    checkin = by_id["adoption_rate_pct"]["checkin"]
    assert checkin["note"] == "Wave 2 onboarding slipped" and checkin["owner"] == "Ana Ruiz"
    assert checkin["confidence"] == "low" and checkin["by"] and checkin["at"].endswith("Z")
    assert by_id["new_users"]["checkin"] is None
    for record in records:  # every KPI with a value this year has a forecast; none without one
        if record["actual"] is not None:
            assert record["forecast_status"] in ("will_reach", "will_miss", "no_data")
            assert isinstance(record["forecast_q4"], float)
    assert "will_reach" in {r["forecast_status"] for r in records}
    import csv
    import io

    table = list(csv.DictReader(io.StringIO(run("scorecard", "--year", "2026", "--quarter", "2", "--region",
                                                "Mexico", "--format", "csv").stdout)))
    row = next(r for r in table if r["kpi_id"] == "adoption_rate_pct")
    assert (row["checkin_note"], row["checkin_owner"], row["checkin_confidence"]) == (
        "Wave 2 onboarding slipped", "Ana Ruiz", "low")  # flat columns, not a dict's repr
    # not in another scope
    org = json.loads(run("scorecard", "--year", "2026", "--quarter", "2", "--format", "json").stdout)
    assert all(r["checkin"] is None for r in org)
    bad = run("checkin", "adoption_rate_pct", "--year", "2026", "--quarter", "2", "--note", "  ")
    assert bad.returncode == 2 and "note" in bad.stderr and "Traceback" not in bad.stderr


def test_checkins_keep_history_latest_wins_and_viewers_cannot(store, catalog):
    for note, confidence in (("first", "high"), ("second", "medium")):
        add_checkin(store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=1, note=note,
                    confidence=confidence)
    with store.session() as session:
        assert latest_checkins(session, 2026, 1)["new_users"].note == "second"
        assert [c.note for c in checkin_history(session, "new_users", 2026, 1)] == ["second", "first"]
        audited = session.scalar("SELECT count(*) FROM audit_log WHERE entity = 'checkin'")
    assert audited == 2
    with pytest.raises(PermissionDenied):
        add_checkin(store, catalog, actor=VIEWER, kpi_id="new_users", year=2026, quarter=1, note="x")
    with pytest.raises(ValidationError):
        add_checkin(store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=1, note="x",
                    confidence="certain")


def test_spanish_deck_carries_the_checkin_and_the_forecast(demo_store, catalog):
    import io

    from pptx import Presentation

    from kpis.export.boardpack import gather
    from kpis.export.deck import build_deck
    from kpis.scorecard import Scope

    add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="transactions_per_day", year=2026, quarter=3,
                note="Migración del canal móvil retrasada", owner="Luis", confidence="medium")
    with demo_store.session() as session:
        data = gather(session, catalog, 2026, 3, Scope(), "es")
    prs = Presentation(io.BytesIO(build_deck(data, ["summary", "scorecard", "trends"])))
    slides = {s.shapes.title.text: s for s in prs.slides if s.shapes.title is not None}

    def text_of(slide) -> str:
        return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)

    summary = slides["Resumen ejecutivo"]
    assert "Últimos seguimientos" in text_of(summary) and "Migración del canal móvil retrasada" in text_of(summary)
    assert "Pronóstico: no alcanzarán la meta del Q4" in text_of(summary)
    assert "Migración del canal móvil retrasada" in summary.notes_slide.notes_text_frame.text
    scorecards = [s for title, s in slides.items() if title.startswith("Tablero de indicadores trimestral")]
    tables = [shape.table for s in scorecards for shape in s.shapes if shape.has_table]
    assert all(table.cell(0, 5).text == "Pronóstico Q4" for table in tables)
    with_kpi = [s for s in scorecards if "Transacciones por día" in "\n".join(
        shape.table.cell(r, 0).text for shape in s.shapes if shape.has_table for r in range(len(shape.table.rows)))]
    assert "Migración del canal móvil retrasada" in with_kpi[0].notes_slide.notes_text_frame.text
    trends = slides["Dimensiones principales por trimestre"]
    series = [ser.name for shape in trends.shapes if shape.has_chart for ser in shape.chart.plots[0].series]
    assert "Pronóstico (ritmo actual)" in series


def test_scorecard_table_export_carries_the_forecast_as_on_the_deck(demo_db, catalog):
    """The same forecast on every surface: the XLSX/CSV scorecard table has the projected Q4 value (a
    number, in the KPI's format) and its verdict as icon + word, equal to the cell's forecast."""
    from kpis.export.boardpack import gather, render_table
    from kpis.scorecard import Scope
    from kpis.store import Store

    with Store(demo_db).session() as session:
        data = gather(session, catalog, 2026, 3, Scope(), "es")
    frame = render_table("scorecard", data)
    assert {"Pronóstico Q4", "Meta Q4 (pronóstico)"} <= set(frame.columns)
    for row, cell in zip(frame.to_dict("records"), data.cells):
        if cell.forecast is None:
            assert pd.isna(row["Pronóstico Q4"])
        else:
            assert row["Pronóstico Q4"] == cell.forecast.value and row["forecast_status"] == cell.forecast.status
            assert row["Meta Q4 (pronóstico)"].endswith("no alcanza" if cell.forecast.status == "will_miss"
                                                       else "alcanza" if cell.forecast.status == "will_reach"
                                                       else "sin meta Q4")
