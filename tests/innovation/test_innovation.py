"""The innovation funnel, conversions, stuck use cases, success rate and the derived scorecard KPIs."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from kpis.innovation.funnel import (
    UseCase,
    derived_observations,
    funnel,
    horizon_mix,
    launches_by_quarter,
    load_use_cases,
    save_use_cases,
    stuck,
    success_rate,
)
from kpis.records import UseCaseRecord
from kpis.roles import Actor
from kpis.scorecard import quarter_scorecard


def case(name: str, *steps: tuple[str, date], horizon: str = "H1") -> UseCase:
    return UseCase(name, steps[-1][0], horizon, None, None, None, steps[0][1], steps[-1][1], tuple(steps))


D = date
CASES = [
    case("a", ("idea", D(2025, 1, 5)), ("evaluation", D(2025, 2, 1)), ("experimentation", D(2025, 3, 1)),
         ("validation", D(2025, 5, 1)), ("scaled", D(2025, 6, 20))),
    case("b", ("idea", D(2025, 2, 5)), ("evaluation", D(2025, 3, 1)), ("experimentation", D(2025, 4, 1)),
         ("stopped", D(2025, 6, 1))),
    case("c", ("idea", D(2025, 3, 5)), ("evaluation", D(2025, 4, 1)), ("stopped", D(2025, 5, 1))),
    case("d", ("idea", D(2025, 4, 5)), horizon="H3"),
    case("e", ("idea", D(2024, 11, 5)), ("evaluation", D(2025, 1, 1)), ("experimentation", D(2025, 2, 1)),
         ("validation", D(2025, 3, 1)), ("scaled", D(2025, 9, 1)), horizon="H2"),
]


def test_funnel_counts_cases_that_reached_each_stage_with_conversion():
    rows = funnel(CASES, 2025)  # cohort: a, b, c, d (e started in 2024)
    assert [(stage, count) for stage, count, _ in rows] == [
        ("idea", 4), ("evaluation", 3), ("experimentation", 2), ("validation", 1), ("scaled", 1)]
    assert [rate for _, _, rate in rows] == [None, 0.75, pytest.approx(2 / 3), 0.5, 1.0]


def test_success_rate_counts_only_failures_after_a_poc():
    # scaled: a (June), e (Sept); stopped after experimentation: b; c stopped at evaluation does not count
    assert success_rate(CASES, D(2025, 12, 31)) == pytest.approx(100 * 2 / 3)
    assert success_rate(CASES, D(2025, 6, 30)) == pytest.approx(50)  # a scaled, b stopped
    assert success_rate(CASES, D(2025, 1, 31)) is None


def test_launches_per_quarter_and_horizon_mix():
    assert launches_by_quarter(CASES, (2025, 1), (2025, 4)) == {(2025, 1): 0, (2025, 2): 1, (2025, 3): 1,
                                                                 (2025, 4): 0}
    mix = horizon_mix(CASES)  # active: a, d, e (b and c stopped)
    assert mix["H1"] == (1, pytest.approx(100 / 3)) and mix["H3"] == (1, pytest.approx(100 / 3))
    assert mix["operational_excellence"] == (0, 0)


def test_stuck_lists_in_progress_cases_longer_than_the_limit():
    found = stuck(CASES, D(2025, 7, 1), 60)
    assert [(c.name, days) for c, days in found] == [("d", 87)]
    assert stuck(CASES, D(2025, 7, 1), 90) == []


def test_derived_kpis_per_quarter_end():
    frame = derived_observations(CASES)
    q2 = frame[frame["period"] == D(2025, 6, 30)].set_index("kpi_id")["value"].to_dict()
    assert q2 == {"new_use_cases": 1.0, "pipeline_in_evaluation": 0.0, "use_case_success_rate_pct": 50.0}
    q1 = frame[frame["period"] == D(2025, 3, 31)].set_index("kpi_id")["value"].to_dict()
    assert q1["pipeline_in_evaluation"] == 1.0  # on 31 March only b is in evaluation


def test_scorecard_innovation_kpis_agree_with_the_records(demo_store, catalog):
    with demo_store.session() as session:
        cases = load_use_cases(session)
        cells = {c.kpi.id: c for c in quarter_scorecard(session, catalog, 2026, 2)[1]}
    expected = launches_by_quarter(cases, (2026, 2), (2026, 2))[(2026, 2)]
    assert cells["new_use_cases"].actual == expected
    assert cells["use_case_success_rate_pct"].actual == pytest.approx(success_rate(cases, D(2026, 6, 30)))


def test_moving_a_use_case_appends_history_and_refreshes_kpis(store, catalog):
    admin = Actor("ana", "admin")
    save_use_cases(store, admin, [UseCaseRecord(name="Voice biometrics", stage="validation", horizon="H2",
                                                started=D(2025, 1, 10), stage_changed=D(2025, 2, 1))])
    save_use_cases(store, admin, [UseCaseRecord(name="Voice biometrics", stage="scaled", horizon="H2",
                                                started=D(2025, 1, 10), stage_changed=D(2025, 3, 15))])
    with store.session() as session:
        (only,) = load_use_cases(session)
        cells = {c.kpi.id: c for c in quarter_scorecard(session, catalog, 2025, 1)[1]}
    assert [s for s, _ in only.history] == ["idea", "validation", "scaled"]
    assert cells["new_use_cases"].actual == 1
    assert cells["use_case_success_rate_pct"].actual == 100


def test_use_case_import_rejects_bad_rows(store, tmp_path):
    path = tmp_path / "uc.csv"
    path.write_text("name,stage,horizon,started\nOK case,PoC,oe,2026-01-05\nBad,launched,H2,2026-01-05\n"
                    "Worse,idea,H7,yesterday\n")
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", store.target, "import", "use-cases", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "line 3: stage" in result.stderr and "line 4: horizon" in result.stderr and "started" in result.stderr
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM use_cases") == 0
