"""CoE maturity levels, checklists decided from data, the readiness gate, growth phases, risks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from kpis.maturity.growth import evaluate_phases, evaluate_risks
from kpis.maturity.levels import Assessment, assess, gated_level, mean_level, weakest_dimensions
from kpis.maturity.readiness import evaluate_checklists
from kpis.packs import full_catalog, load_checklists, load_growth_pack
from kpis.scorecard import build_grid
from tests.conftest import ROOT

FIVE = ("strategy", "people", "process", "technology", "governance")


def scores(*values: float) -> dict[str, float]:
    return dict(zip(FIVE, values, strict=True))


@pytest.mark.parametrize(("values", "gated", "mean"), [
    ((2.4, 3.8, 3.1, 4.0, 3.5), 2, 3),  # one weak dimension holds the gated level down
    ((3.0, 3.0, 3.0, 3.0, 3.0), 3, 3),  # exact integers are that level
    ((2.9999999999, 3, 3, 3, 3), 3, 3),  # spreadsheet float noise
    ((1.0, 1.0, 1.0, 1.0, 1.0), 1, 1),
    ((5.0, 5.0, 5.0, 5.0, 5.0), 5, 5),
    ((4.9, 4.9, 4.9, 4.9, 4.9), 4, 4),
    ((1.0, 5.0, 5.0, 5.0, 5.0), 1, 4),  # mean 4.2 -> 4, gated 1
])
def test_gated_and_mean_levels_hand_computed(values, gated, mean):
    assert gated_level(scores(*values)) == gated
    assert mean_level(scores(*values)) == mean


def test_missing_core_dimension_leaves_gated_level_undetermined():
    partial = {"strategy": 3.5, "people": 3.2, "process": 3.1, "technology": 3.9}
    maturity = assess(Assessment("Mexico", 2026, 1, partial))
    assert maturity.level is None and maturity.missing == ("governance",)
    assert maturity.mean_level == 3  # mean of the four present: 3.425


def test_optional_data_dimension_counts_when_present():
    with_data = scores(3.2, 3.4, 3.1, 3.6, 3.3) | {"data": 2.6}
    assert gated_level(with_data) == 2
    assert weakest_dimensions(with_data) == ("data",)


def test_weakest_lists_ties_in_dimension_order():
    assert weakest_dimensions(scores(2.5, 2.1, 3.0, 2.1, 4.0)) == ("people", "technology")


def test_gaps_change_and_blocking_dimensions():
    previous = Assessment("USA", 2026, 1, scores(2.8, 2.6, 2.9, 3.1, 2.7))
    current = Assessment("USA", 2026, 2, scores(3.1, 2.8, 3.0, 3.2, 3.0), targets=dict.fromkeys(FIVE, 3.0))
    m = assess(current, previous)
    assert m.gaps == {"strategy": -0.1, "people": 0.2, "process": 0.0, "technology": -0.2, "governance": 0.0}
    assert m.score_change["people"] == pytest.approx(0.2)
    assert (m.previous_level, m.level, m.level_change) == (2, 2, 0)
    assert m.blocking_next_level == ("people",)


def test_checklist_items_decided_from_data_at_their_thresholds(store, catalog, add_observations):
    add_observations(("reusability_index_pct", "2026-03-31", None, None, 70),  # not > 70
                     ("time_to_new_solution_weeks", "2026-03-31", None, None, 3.9),  # < 4
                     ("availability_pct", "2026-03-31", None, None, 99.99),  # >= 99.99
                     ("models_in_production", "2025-11-30", None, None, 8),
                     ("models_in_production", "2026-03-31", None, None, 11),  # > 10
                     ("adoption_rate_pct", "2026-03-31", None, None, 85.0))  # not > 85
    with store.session() as session:
        results, gate = evaluate_checklists(session, catalog, load_checklists(), "Organisation", 2026, 1)
    technical = {r.item.id: (r.met, r.source) for r in results[0].items}
    assert technical["component_reuse"] == (False, "data")
    assert technical["fast_delivery"] == (True, "data")
    assert technical["availability"] == (True, "data")
    assert technical["platform_approach"] == (False, "editor")
    business = {r.item.id: r.met for r in results[1].items}
    assert business["models_10"] is True and business["roi_500"] is None  # no ROI data: not decided
    assert results[0].done == 2 and results[0].pct == pytest.approx(40)
    prerequisites = {r.item.id: r for r in gate.items}
    assert prerequisites["stable_3_months"].met and prerequisites["stable_3_months"].actual == 4
    assert prerequisites["adoption_85"].met is False
    assert not gate.ready


def test_gate_is_ready_when_every_prerequisite_holds(store, catalog, add_observations):
    import pandas as pd

    add_observations(("models_in_production", "2025-06-30", None, None, 3),
                     ("adoption_rate_pct", "2026-03-31", None, None, 88))
    manual = [i.id for c in load_checklists() if c.id == "prerequisites" for i in c.items if i.criterion is None]
    with store.write_session() as session:
        session.upsert_ticks(pd.DataFrame([("Organisation", 2026, 1, "prerequisites", item, True, None)
                                           for item in manual],
                                          columns=["unit", "year", "quarter", "checklist", "item", "done", "note"]),
                             actor="t", channel="test")
        _, gate = evaluate_checklists(session, catalog, load_checklists(), "Organisation", 2026, 1)
    assert gate.ready and gate.missing == ()


def test_growth_phase_and_risks_from_demo(demo_store, catalog):
    pack = load_growth_pack()
    everything = full_catalog(catalog, pack)
    with demo_store.session() as session:
        grid = build_grid(session, everything, (2026, 1), (2026, 4))
    view = evaluate_phases(pack, everything, grid)
    assert view.current.number == 1 and view.next.number == 2  # realised ROI (ledger) is below phase 2's 400%
    assert 0 < view.met_count < len(view.next_criteria)
    risks = {r.risk.id: r for r in evaluate_risks(pack, everything, grid)}
    assert set(risks) == {"quality_loss", "team_overload", "cash_burn", "aggressive_competition"}
    assert risks["cash_burn"].breached == 1 and risks["cash_burn"].level == "at_risk"  # growth 19% < 20%


def test_maturity_and_readiness_cli_json(demo_store):
    db = demo_store.target
    run = lambda *args: subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args],  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    units = json.loads(run("maturity", "--year", "2026", "--quarter", "Q4", "--format", "json").stdout)
    mexico = next(u for u in units if u["unit"] == "Mexico")
    assert {"unit", "level", "level_name", "mean_level", "scores", "gaps", "weakest"} <= set(mexico)
    assert (mexico["level"], mexico["level_name"]) == (3, "Defined")
    brazil = json.loads(run("maturity", "--year", "2026", "--quarter", "4", "--unit", "Brazil", "--format",
                            "json").stdout)
    assert brazil[0]["level_name"] == "Developing"
    readiness = json.loads(run("readiness", "--year", "2026", "--quarter", "4", "--format", "json").stdout)
    assert readiness["verdict"] == "not yet" and readiness["missing"] == ["adoption_85"]
    assert len(readiness["prerequisites"]) == 8 and len(readiness["checklists"]) == 4
    missing = run("maturity", "--year", "2026", "--quarter", "4", "--unit", "Atlantis")
    assert missing.returncode == 1 and "No maturity assessment" in missing.stderr


def test_maturity_import_rejects_bad_rows(store, tmp_path):
    path = tmp_path / "maturity.csv"
    path.write_text("unit,year,quarter,dimension,score\nMexico,2026,Q1,strategy,3.2\nMexico,2026,Q1,vibes,3\n"
                    "Mexico,2026,Q1,people,6\nMexico,2026,Q5,process,2\n")
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", store.target, "import", "maturity", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "line 3: dimension" in result.stderr and "line 4: score" in result.stderr
    assert "line 5: quarter" in result.stderr
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM maturity_assessments") == 0


def test_maturity_page_radar_has_current_target_and_previous(demo_store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/maturity.py").run()
    assert not at.exception and not at.error
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in radar["data"]] == ["Brazil", "Colombia", "Mexico", "USA"]  # all units
    at.multiselect(key="mat_units").set_value(["Mexico"]).run()
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace["name"] for trace in radar["data"]]
    assert names == ["Target", "Previous (2026-Q3)", "Current (2026-Q4)"]
    at.multiselect(key="mat_units").set_value(["Mexico", "USA", "Brazil"]).run()
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in radar["data"]] == ["Brazil", "Mexico", "USA"]
    assert any("Level 3: Defined" in m.value for m in at.markdown)
