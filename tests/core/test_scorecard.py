"""Quarter values, roll-ups, targets in force and the scorecard, on real DuckDB files."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from kpis.catalog import Catalog
from kpis.changes import what_changed
from kpis.scorecard import Scope, build_grid, quarter_scorecard, scorecard_records
from kpis.store import Store

ALL = Scope()


def actual(store: Store, catalog: Catalog, kpi_id: str, year: int = 2025, quarter: int = 1,
           scope: Scope = ALL) -> float | None:
    with store.session() as session:
        grid = build_grid(session, catalog, (year, quarter), (year, quarter), scope)
    return grid.cell(kpi_id, year, quarter).actual


def test_sum_over_time_adds_the_quarters_observations(store, catalog, add_observations):
    add_observations(("new_users", "2025-01-31", None, None, 100), ("new_users", "2025-02-28", None, None, 200),
                     ("new_users", "2025-03-31", None, None, 300), ("new_users", "2025-04-30", None, None, 999))
    assert actual(store, catalog, "new_users") == 600


def test_last_takes_latest_date_not_file_order(store, catalog, add_observations):
    add_observations(("models_in_production", "2025-03-15", None, None, 12),
                     ("models_in_production", "2025-01-31", None, None, 5),
                     ("models_in_production", "2025-02-28", None, None, 9))
    assert actual(store, catalog, "models_in_production") == 12


def test_mean_over_time_averages(store, catalog, add_observations):
    add_observations(("transactions_per_day", "2025-01-31", None, None, 10_000),
                     ("transactions_per_day", "2025-02-28", None, None, 20_000),
                     ("transactions_per_day", "2025-03-31", None, None, 60_000))
    assert actual(store, catalog, "transactions_per_day") == 30_000


def test_max_over_time_takes_worst_latency(store, catalog, add_observations):
    add_observations(("api_latency_p95_ms", "2025-01-31", None, None, 80),
                     ("api_latency_p95_ms", "2025-02-28", None, None, 140),
                     ("api_latency_p95_ms", "2025-03-31", None, None, 90))
    assert actual(store, catalog, "api_latency_p95_ms") == 140


def test_region_values_roll_up_by_across_scope_rule(store, catalog, add_observations):
    add_observations(
        ("new_users", "2025-01-31", "Mexico", None, 100), ("new_users", "2025-01-31", "USA", None, 50),
        ("adoption_rate_pct", "2025-03-31", "Mexico", None, 90), ("adoption_rate_pct", "2025-03-31", "USA", None, 70),
        ("api_latency_p95_ms", "2025-02-28", "Mexico", None, 80),
        ("api_latency_p95_ms", "2025-02-28", "Brazil", None, 120),
    )
    assert actual(store, catalog, "new_users") == 150  # sum
    assert actual(store, catalog, "adoption_rate_pct") == 80  # mean
    assert actual(store, catalog, "api_latency_p95_ms") == 120  # max


def test_organisation_observation_wins_over_roll_up_for_its_period(store, catalog, add_observations):
    add_observations(
        ("models_in_production", "2025-03-31", None, None, 20),
        ("models_in_production", "2025-03-31", "Mexico", None, 15),
        ("models_in_production", "2025-03-31", "USA", None, 12),
    )
    assert actual(store, catalog, "models_in_production") == 20
    assert actual(store, catalog, "models_in_production", scope=Scope(region="USA")) == 12


def test_roll_up_applies_per_period_where_organisation_figure_is_missing(store, catalog, add_observations):
    add_observations(
        ("new_users", "2025-01-31", None, None, 500),
        ("new_users", "2025-01-31", "Mexico", None, 300),  # ignored: January has an org figure
        ("new_users", "2025-02-28", "Mexico", None, 40),
        ("new_users", "2025-02-28", "USA", None, 60),
    )
    assert actual(store, catalog, "new_users") == 600


def test_last_rolls_up_the_latest_period(store, catalog, add_observations):
    add_observations(
        ("departments_using", "2025-01-31", "Mexico", None, 2), ("departments_using", "2025-01-31", "USA", None, 1),
        ("departments_using", "2025-03-31", "Mexico", None, 4), ("departments_using", "2025-03-31", "USA", None, 3),
    )
    assert actual(store, catalog, "departments_using") == 7


def test_department_level_rolls_up_to_region_and_organisation(store, catalog, add_observations):
    add_observations(
        ("new_users", "2025-01-31", "Mexico", "Credit Risk", 10),
        ("new_users", "2025-01-31", "Mexico", "Marketing", 20),
        ("new_users", "2025-01-31", "USA", "Credit Risk", 5),
    )
    assert actual(store, catalog, "new_users") == 35
    assert actual(store, catalog, "new_users", scope=Scope(region="Mexico")) == 30
    assert actual(store, catalog, "new_users", scope=Scope(department="Credit Risk")) == 15
    assert actual(store, catalog, "new_users", scope=Scope("Mexico", "Marketing")) == 20


def test_region_level_is_preferred_over_department_level_to_avoid_double_counting(store, catalog, add_observations):
    add_observations(
        ("new_users", "2025-01-31", "Mexico", None, 30),
        ("new_users", "2025-01-31", "Mexico", "Credit Risk", 10),
        ("new_users", "2025-01-31", "Mexico", "Marketing", 20),
    )
    assert actual(store, catalog, "new_users") == 30


def test_empty_quarter_has_no_data(store, catalog, add_observations, add_targets):
    add_observations(("new_users", "2025-01-31", None, None, 100))
    add_targets(("new_users", 2025, 2, None, None, 1000))
    with store.session() as session:
        _, cells = quarter_scorecard(session, catalog, 2025, 2)
    cell = next(c for c in cells if c.kpi.id == "new_users")
    assert (cell.actual, cell.target_value, cell.status) == (None, 1000, "no_data")


def test_zero_values_are_data_not_missing(store, catalog, add_observations, add_targets):
    add_observations(("new_use_cases", "2025-02-28", None, None, 0))
    add_targets(("new_use_cases", 2025, 1, None, None, 2))
    with store.session() as session:
        _, cells = quarter_scorecard(session, catalog, 2025, 1)
    cell = next(c for c in cells if c.kpi.id == "new_use_cases")
    assert (cell.actual, cell.attainment, cell.status) == (0, 0, "off_track")


def test_reimporting_an_observation_replaces_it_instead_of_double_counting(store, catalog, add_observations):
    add_observations(("new_users", "2025-01-31", None, None, 100))
    add_observations(("new_users", "2025-01-31", None, None, 120))
    assert actual(store, catalog, "new_users") == 120


def test_sum_kpi_region_does_not_inherit_organisation_target(store, catalog, add_observations, add_targets):
    add_observations(("new_users", "2025-01-31", "Mexico", None, 100),
                     ("api_latency_p95_ms", "2025-01-31", "Mexico", None, 90))
    add_targets(("new_users", 2025, 1, None, None, 500), ("api_latency_p95_ms", 2025, 1, None, None, 100))
    with store.session() as session:
        grid = build_grid(session, catalog, (2025, 1), (2025, 1), Scope(region="Mexico"))
    assert grid.cell("new_users", 2025, 1).target is None
    latency = grid.cell("api_latency_p95_ms", 2025, 1)
    assert (latency.target_value, latency.target.inherited) == (100, True)


def test_scope_target_beats_inherited_one(store, catalog, add_observations, add_targets):
    add_observations(("api_latency_p95_ms", "2025-01-31", "Brazil", None, 110))
    add_targets(("api_latency_p95_ms", 2025, 1, None, None, 100), ("api_latency_p95_ms", 2025, 1, "Brazil", None, 120))
    with store.session() as session:
        grid = build_grid(session, catalog, (2025, 1), (2025, 1), Scope(region="Brazil"))
    cell = grid.cell("api_latency_p95_ms", 2025, 1)
    assert (cell.target_value, cell.target.inherited, cell.status) == (120, False, "on_track")


def test_target_changes_are_appended_and_as_of_sees_the_old_one(store, catalog, add_targets):
    add_targets(("new_users", 2025, 1, None, None, 500))
    add_targets(("new_users", 2025, 1, None, None, 800))
    with store.session() as session:
        versions = session.con.execute("SELECT target, previous FROM target_versions ORDER BY version_id").fetchall()
        then = build_grid(session, catalog, (2025, 1), (2025, 1), as_of=datetime(2000, 1, 1))
        now = build_grid(session, catalog, (2025, 1), (2025, 1))
    assert versions == [(500, None), (800, 500)]
    assert then.cell("new_users", 2025, 1).target is None
    assert now.cell("new_users", 2025, 1).target_value == 800


def test_scorecard_records_have_spec_fields_and_change(store, catalog, add_observations, add_targets):
    add_observations(("models_in_production", "2024-12-31", None, None, 4),
                     ("models_in_production", "2025-03-31", None, None, 6))
    add_targets(("models_in_production", 2025, 1, None, None, 5))
    with store.session() as session:
        grid, cells = quarter_scorecard(session, catalog, 2025, 1)
    records = {r["kpi_id"]: r for r in scorecard_records(grid, cells)}
    assert len(records) == len(catalog)
    row = records["models_in_production"]
    assert row | {"name": None} == row | {
        "kpi_id": "models_in_production", "family": "technical", "year": 2025, "quarter": 1, "region": None,
        "department": None, "actual": 6.0, "target": 5.0, "attainment": pytest.approx(1.2), "status": "ahead",
        "previous_actual": 4.0, "change": 2.0, "name": None,
    }


def test_what_changed_lists_moves_misses_and_gains(store, catalog, add_observations, add_targets):
    add_observations(("models_in_production", "2024-12-31", None, None, 10),
                     ("models_in_production", "2025-03-31", None, None, 7),
                     ("new_users", "2024-12-31", None, None, 50), ("new_users", "2025-03-31", None, None, 130))
    add_targets(("models_in_production", 2024, 4, None, None, 10), ("models_in_production", 2025, 1, None, None, 10),
                ("new_users", 2024, 4, None, None, 100), ("new_users", 2025, 1, None, None, 100))
    with store.session() as session:
        grid, cells = quarter_scorecard(session, catalog, 2025, 1)
    changes = what_changed(grid, cells)
    moves = {m.cell.kpi.id: (m.before, m.after, m.direction) for m in changes.status_moves}
    assert moves == {"models_in_production": ("on_track", "off_track", -1),
                     "new_users": ("off_track", "ahead", 1)}
    assert changes.status_moves[0].cell.kpi.id == "models_in_production"  # worsening first
    assert [m.cell.kpi.id for m in changes.biggest_misses] == ["models_in_production"]
    assert [m.cell.kpi.id for m in changes.biggest_gains] == ["new_users"]


def test_demo_program_shows_every_status(demo_store, catalog):
    seen = set()
    with demo_store.session() as session:
        for year in (2025, 2026):
            for quarter in (1, 2, 3, 4):
                seen |= {c.status for c in quarter_scorecard(session, catalog, year, quarter)[1]}
    assert {"ahead", "on_track", "at_risk", "off_track"} <= seen


def test_demo_program_is_deterministic():
    from kpis.demo import demo_observations

    first, second = demo_observations(), demo_observations()
    pd.testing.assert_frame_equal(first, second)
    assert len(first) > 2000
    assert set(first["region"].dropna()) == {"Mexico", "USA", "Brazil", "Colombia"}


def test_region_grids_read_once_and_equal_one_grid_per_region(demo_store):
    """The grouped query (every region in one scan) gives exactly what one build_grid per region gives."""
    from kpis.catalog import load_catalog
    from kpis.editing.forms import current_target, freeze_quarter, set_target
    from kpis.records import TargetRecord
    from kpis.roles import Actor
    from kpis.scorecard import Scope, build_grid, region_grids

    catalog = load_catalog()
    admin = Actor("ana@bank.mx", "admin")
    freeze_quarter(demo_store, admin, 2026, 1)  # then restate a regional and an organisation target
    for region, kpi_id, value in (("Mexico", "adoption_rate_pct", 61.0), (None, "availability_pct", 99.5)):
        with demo_store.session() as session:
            current = current_target(session, kpi_id, 2026, 1, region, None)
        set_target(demo_store, catalog, admin, TargetRecord(kpi_id=kpi_id, year=2026, quarter=1, region=region,
                                                            target=value, reason="restated"),
                   expected_version=current["version_id"] if current else None)
    with demo_store.session() as session:
        session.con.execute("INSERT INTO observations (kpi_id, period, region, department, value, source, loaded_at) "
                            "VALUES ('new_users', DATE '2026-03-31', 'Mexico', 'Collections', 7, 'test', now()), "
                            "('availability_pct', DATE '2026-03-31', 'USA', 'Finance', 99.1, 'test', now())")
        regions = ["Brazil", "Colombia", "Mexico", "USA", "Nowhere"]
        grouped = region_grids(session, catalog, (2025, 4), (2026, 2), regions)
        for region in regions:
            one = build_grid(session, catalog, (2025, 4), (2026, 2), Scope(region=region))
            assert grouped[region].scope == one.scope
            for key, cell in one.cells.items():
                other = grouped[region].cells[key]
                assert (other.actual, other.target_value, other.status, other.periods, other.last_period,
                        other.restated_from, other.target) == (
                    cell.actual, cell.target_value, cell.status, cell.periods, cell.last_period,
                    cell.restated_from, cell.target), (region, key)
        assert any(c.restated_from is not None for c in grouped["Mexico"].cells.values())
