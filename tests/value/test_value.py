"""Cumulative value math (SPEC section 7), hand-computed from the seed figures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.value.fx import FxError, FxTable
from kpis.value.projection import STREAMS, ProgramLedger, Scenario, npv, payback_months, simulate, summarise

SEED_STREAMS = {
    "direct_savings": {1: 10e6, 2: 25e6, 3: 50e6},
    "revenue_increase": {1: 5e6, 2: 15e6, 3: 35e6},
    "risk_reduction": {1: 8e6, 2: 20e6, 3: 40e6},
    "innovation_value": {1: 2e6, 2: 10e6, 3: 30e6},
}
SEED_GROWTH = {"direct_savings": 1.5, "revenue_increase": 2.0, "risk_reduction": 1.8, "innovation_value": 3.0}


def ledger(investments: dict[int, float] | None = None, streams=SEED_STREAMS, growth=SEED_GROWTH) -> ProgramLedger:
    return ProgramLedger("bank", streams, growth, {y: {"general": a} for y, a in (investments or {}).items()})


def test_seed_streams_total_250m_over_three_years():
    summary = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN")
    assert [row.value for row in summary.years] == [25e6, 70e6, 155e6]
    assert summary.cumulative_value == 250e6
    assert not any(row.projected for row in summary.years)


def test_net_roi_and_multiple_are_different_numbers():
    summary = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN")
    assert summary.cumulative_investment == 65e6
    assert summary.net_roi_pct == pytest.approx((250 - 65) / 65 * 100)  # 284.6%
    assert summary.benefit_cost_multiple == pytest.approx(250 / 65)  # 3.85x


def test_payback_interpolates_within_the_year():
    # Investment is committed on each year's first day, value accrues evenly (SPEC section 10).
    # Year 1: -30 committed, +25 accrued -> -5 at month 12. Year 2: -20 committed on its first day -> -25,
    # then +70 over the year: 25 / 70 of it -> month 12 + 4.29 = 16.3.
    summary = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN")
    assert summary.payback_months == 16.3


def test_payback_inside_year_one_is_a_real_number_of_months():
    # 50M committed up front, 100M of value over year 1: half the year -> month 6 (never "0.0 months").
    assert payback_months([100, 70, 155], [50, 0, 0]) == 6.0
    # value and investment equal in year 1: paid back on the last day of the year, month 12
    assert payback_months([25, 70, 155], [25, 25, 0]) == 12.0


def test_payback_in_a_later_year():
    # 40/40: year 1 ends at -40 + 25 = -15; year 2 commits 40 -> -55, then +70: 55 / 70 of it -> month 21.4.
    assert payback_months([25, 70, 155], [40, 40, 0]) == 21.4


def test_a_payback_that_relapses_keeps_its_first_point():
    # Year 1: -10 then +20: paid back at month 6. Year 2 commits 50: behind again (-40), +20 -> -40 at its end;
    # the first point where value reached investment is still month 6.
    assert payback_months([20, 20, 60], [10, 50, 0]) == 6.0


def test_payback_never_reached_is_none():
    assert payback_months([1, 1, 1], [10, 10, 10]) is None


@pytest.mark.parametrize(("values", "investments", "months"), [
    ([25, 70], [0, 0], 0.0),          # nothing to pay back
    ([0, 30], [0, 12], 16.8),         # investment starts in year 2 (committed at month 12): 12 / 30 of year 2
    ([10, 10, 10], [30, 0, 0], 36.0),  # exactly at the end of year 3
])
def test_payback_edge_cases(values, investments, months):
    assert payback_months(values, investments) == months


def test_projected_investment_is_a_plan_else_the_run_cost_else_the_recorded_average():
    recorded = {1: 30e6, 2: 20e6, 3: 10e6}  # average 20M a year
    plan = summarise([ledger({**recorded, 4: 12e6})], currency="MXN", horizon=5)
    assert [(r.investment, r.investment_basis) for r in plan.years[3:]] == [(12e6, "plan"), (20e6, "average")]
    run = summarise([ledger(recorded)], currency="MXN", horizon=5, scenario=Scenario("lean", run_cost=5e6))
    assert [(r.investment, r.investment_basis) for r in run.years[3:]] == [(5e6, "run_cost"), (5e6, "run_cost")]
    average = summarise([ledger(recorded)], currency="MXN", horizon=4)
    assert average.years[3].investment == 20e6 and average.years[3].investment_basis == "average"
    assert [r.investment_basis for r in average.years[:3]] == ["recorded"] * 3


def test_realised_investment_is_committed_on_the_years_first_day():
    from datetime import date

    from kpis.value.projection import accrued

    program = ledger({1: 30e6, 2: 20e6})
    start = date(2025, 1, 1)
    assert accrued(program, start, date(2025, 1, 1)) == pytest.approx((25e6 / 365, 30e6))  # day one: all of year 1
    value, investment = accrued(program, start, date(2026, 1, 1))  # year 2's first day: its 20M committed
    assert investment == 50e6 and value == pytest.approx(25e6 + 70e6 / 365)


def test_zero_investment_gives_null_roi_and_multiple():
    summary = summarise([ledger({})], currency="MXN")
    assert summary.cumulative_investment == 0
    assert summary.net_roi_pct is None and summary.benefit_cost_multiple is None
    assert summary.payback_months == 0.0


def test_no_models_gives_null_value_per_model():
    assert summarise([ledger({1: 1e6})], currency="MXN", models_in_production=None).value_per_model is None
    assert summarise([ledger({1: 1e6})], currency="MXN", models_in_production=0).value_per_model is None
    assert summarise([ledger({1: 1e6})], currency="MXN", models_in_production=50).value_per_model == 5e6


def test_horizon_beyond_recorded_years_projects_by_growth_rate():
    summary = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN", horizon=5)
    year4, year5 = summary.years[3], summary.years[4]
    assert year4.projected and year5.projected
    assert year4.streams["direct_savings"] == pytest.approx(75e6)  # 50 x 1.5
    assert year4.streams["revenue_increase"] == pytest.approx(70e6)  # 35 x 2.0
    assert year4.streams["risk_reduction"] == pytest.approx(72e6)  # 40 x 1.8
    assert year4.streams["innovation_value"] == pytest.approx(90e6)  # 30 x 3.0
    assert year5.streams["innovation_value"] == pytest.approx(270e6)
    # no plan recorded for year 4 and no run cost in the scenario: the recorded years' average, never 0
    assert (year4.investment, year4.investment_basis) == (pytest.approx(65e6 / 3), "average")
    with_run_cost = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN", horizon=5,
                              scenario=Scenario("run", run_cost=12e6))
    assert [row.investment for row in with_run_cost.years] == [30e6, 20e6, 15e6, 12e6, 12e6]


def test_recorded_year_with_value_and_no_investment_counts_zero_and_is_named():
    summary = summarise([ledger({1: 30e6})], currency="MXN")
    assert summary.cumulative_investment == 30e6
    assert summary.net_roi_pct == pytest.approx((250e6 - 30e6) / 30e6 * 100)  # 733%, not 178%
    assert summary.uninvested_years == (2, 3)


def test_scenario_scales_growth_increment_and_investment_and_caps_growth():
    scenario = Scenario("conservative", growth_scale=0.6, investment_scale=1.1, growth_cap=2.0)
    assert scenario.growth(1.5) == pytest.approx(1.3)
    assert scenario.growth(3.0) == pytest.approx(2.0)  # 2.2 capped at 2.0
    summary = summarise([ledger({1: 30e6, 2: 20e6, 3: 15e6})], currency="MXN", horizon=4, scenario=scenario)
    assert summary.years[0].investment == pytest.approx(33e6)
    assert summary.years[3].streams["innovation_value"] == pytest.approx(60e6)


def test_programs_add_up_year_by_year():
    small = ProgramLedger("small", {"direct_savings": {1: 1e6}}, {}, {1: {"general": 2e6}})
    summary = summarise([ledger({1: 30e6}), small], currency="MXN")
    assert summary.years[0].value == 26e6 and summary.years[0].investment == 32e6
    assert summary.programs == ("bank", "small")


def test_npv_discounts_each_year_end():
    assert npv([110], [0], 0.10) == pytest.approx(100)
    assert npv([0, 121], [0, 0], 0.10) == pytest.approx(100)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=6),
       st.floats(min_value=0.5, max_value=3.0), st.integers(min_value=1, max_value=10))
def test_cumulative_value_never_decreases_with_non_negative_streams(amounts, growth, horizon):
    streams = {"direct_savings": {year: amount for year, amount in enumerate(amounts, start=1)}}
    summary = summarise([ProgramLedger("p", streams, {"direct_savings": growth}, {})], currency="MXN",
                        horizon=horizon)
    cumulative = [row.cumulative_value for row in summary.years]
    assert all(b >= a for a, b in itertools.pairwise(cumulative))


def test_monte_carlo_is_reproducible_and_p50_is_near_the_deterministic_path():
    book = [ledger({1: 30e6, 2: 20e6, 3: 15e6})]
    first = simulate(book, horizon=6, seed=11)
    second = simulate(book, horizon=6, seed=11)
    assert first.p50 == second.p50 and first.probabilities == second.probabilities
    deterministic = [row.cumulative_value for row in summarise(book, currency="MXN", horizon=6).years]
    assert np.allclose(first.p50, deterministic, rtol=0.03)
    assert first.p10[:3] == first.p90[:3] == tuple(deterministic[:3])  # recorded years are certain
    assert all(lo <= mid <= hi for lo, mid, hi in zip(first.p10, first.p50, first.p90))
    assert first.p90[-1] > first.p50[-1] > first.p10[-1]
    assert set(first.probabilities) == {"net_roi_500_by_month_18", "net_roi_200_by_month_12",
                                        "net_roi_500_by_month_24", "net_roi_1000_by_month_36",
                                        "payback_by_month_24"}
    assert first.probabilities["payback_by_month_24"] == 1.0  # paid back at 16.3 months in every draw


def test_fx_direct_inverse_cross_and_dated():
    from datetime import date

    fx = FxTable((("USD", "MXN", date(2025, 1, 1), 20.0), ("USD", "MXN", date(2026, 1, 1), 18.0),
                  ("USD", "BRL", date(2026, 1, 1), 5.0)))
    assert fx.convert(10, "USD", "MXN") == 180
    assert fx.convert(10, "USD", "MXN", on=date(2025, 6, 30)) == 200
    assert fx.convert(180, "MXN", "USD") == pytest.approx(10)
    assert fx.convert(5, "BRL", "MXN") == pytest.approx(18)  # via USD
    with pytest.raises(FxError, match="No exchange rate from COP to MXN"):
        fx.convert(1, "COP", "MXN")


def test_streams_are_the_spec_four():
    assert STREAMS == ("direct_savings", "revenue_increase", "risk_reduction", "innovation_value")


def test_convert_grid_moves_money_kpis_and_keeps_status(demo_store, catalog):
    from kpis.scorecard import build_grid, convert_grid
    from kpis.value.ledger import fx_table

    with demo_store.session() as session:
        grid = build_grid(session, catalog, (2026, 2), (2026, 2))
        fx = fx_table(session)
    usd = convert_grid(grid, lambda amount, source, on: fx.convert(amount, source, "USD", on), "USD")
    before, after = grid.cell("revenue_attributed", 2026, 2), usd.cell("revenue_attributed", 2026, 2)
    assert after.kpi.currency == "USD" and after.actual == pytest.approx(before.actual / 18.6)
    assert after.target_value == pytest.approx(before.target_value / 18.6)
    assert after.status == before.status
    assert usd.cell("new_users", 2026, 2) is grid.cell("new_users", 2026, 2)


def test_missing_fx_rate_is_a_clear_error_not_a_number(store, catalog, add_observations):
    from kpis.scorecard import build_grid, convert_grid
    from kpis.value.fx import FxError
    from kpis.value.ledger import fx_table

    add_observations(("revenue_attributed", "2026-03-31", None, None, 1_000_000))
    with store.session() as session:
        grid = build_grid(session, catalog, (2026, 1), (2026, 1))
        fx = fx_table(session)
    with pytest.raises(FxError, match="No exchange rate from MXN to BRL on or before 2026-03-31"):
        convert_grid(grid, lambda amount, source, on: fx.convert(amount, source, "BRL", on), "BRL")
