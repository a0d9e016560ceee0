"""Status rules of SPEC section 5, as hand-computed cases."""

from __future__ import annotations

import pytest

from kpis.catalog import Bands, Catalog
from kpis.status import band_for, evaluate

HIGHER = "models_in_production"
LOWER = "api_latency_p95_ms"
BUDGET = "availability_pct"


@pytest.mark.parametrize(
    ("kpi_id", "actual", "target", "status", "attainment", "rule"),
    [
        # higher is better: actual / target, band edges belong to the better band
        (HIGHER, 110, 100, "ahead", 1.10, "higher_is_better"),
        (HIGHER, 109.9, 100, "on_track", 1.099, "higher_is_better"),
        (HIGHER, 95, 100, "on_track", 0.95, "higher_is_better"),
        (HIGHER, 94.9, 100, "at_risk", 0.949, "higher_is_better"),
        (HIGHER, 80, 100, "at_risk", 0.80, "higher_is_better"),
        (HIGHER, 79.9, 100, "off_track", 0.799, "higher_is_better"),
        (HIGHER, 0, 100, "off_track", 0.0, "higher_is_better"),
        (HIGHER, 0.76, 0.8, "on_track", 0.95, "higher_is_better"),  # float edge: 0.76/0.8
        (HIGHER, 0.88, 0.8, "ahead", 1.10, "higher_is_better"),  # float edge: 0.88/0.8
        # lower is better: target / actual
        (LOWER, 100, 110, "ahead", 1.10, "lower_is_better"),
        (LOWER, 100, 95, "on_track", 0.95, "lower_is_better"),
        (LOWER, 125, 100, "at_risk", 0.80, "lower_is_better"),
        (LOWER, 182, 100, "off_track", 100 / 182, "lower_is_better"),
        (LOWER, 50, 100, "ahead", 2.0, "lower_is_better"),
        (LOWER, 0, 100, "ahead", None, "zero_actual"),
        # error budget: (100 - target) / (100 - actual)
        (BUDGET, 99.95, 99.99, "off_track", 0.2, "error_budget"),
        (BUDGET, 99.99, 99.99, "on_track", 1.0, "error_budget"),
        (BUDGET, 99.995, 99.99, "ahead", 2.0, "error_budget"),
        (BUDGET, 99.9875, 99.99, "at_risk", 0.8, "error_budget"),
        (BUDGET, 100, 99.99, "ahead", None, "error_budget_full"),
        (BUDGET, 100, 100, "ahead", None, "error_budget_full"),
        (BUDGET, 99.9, 100, "off_track", 0.0, "error_budget"),
        # zero target
        (HIGHER, 0, 0, "on_track", None, "zero_target"),
        (HIGHER, 5, 0, "on_track", None, "zero_target"),
        (HIGHER, -1, 0, "off_track", None, "zero_target"),
        (LOWER, 0, 0, "on_track", None, "zero_target"),
        (LOWER, 3, 0, "off_track", None, "zero_target"),
        # missing values
        (HIGHER, None, 100, "no_data", None, "no_actual"),
        (HIGHER, 100, None, "no_data", None, "no_target"),
        (HIGHER, None, None, "no_data", None, "no_actual"),
        (LOWER, float("nan"), 100, "no_data", None, "no_actual"),
        (BUDGET, 99.9, None, "no_data", None, "no_target"),
    ],
)
def test_evaluate_hand_computed_case_gives_expected_status(catalog: Catalog, kpi_id, actual, target, status,
                                                           attainment, rule):
    result = evaluate(actual, target, catalog.get(kpi_id))
    assert result.status == status
    assert result.rule == rule
    if attainment is None:
        assert result.attainment is None
    else:
        assert result.attainment == pytest.approx(attainment, abs=1e-9)


def test_evaluate_error_budget_differs_from_plain_ratio(catalog: Catalog):
    # 99.95 / 99.99 = 0.9996 would read "on track"; the error budget says five times over budget.
    assert evaluate(99.95, 99.99, catalog.get(BUDGET)).status == "off_track"


def test_evaluate_per_kpi_bands_override_defaults(catalog: Catalog):
    strict = catalog.get(HIGHER).model_copy(update={"bands": Bands(ahead=1.5, on_track=1.0, at_risk=0.9)})
    assert evaluate(97, 100, strict).status == "at_risk"
    assert evaluate(97, 100, catalog.get(HIGHER)).status == "on_track"


@pytest.mark.parametrize(("attainment", "status"), [(1.1, "ahead"), (0.95, "on_track"), (0.8, "at_risk"),
                                                     (0.7999999, "off_track"), (-3, "off_track")])
def test_band_for_edges_belong_to_better_band(attainment, status):
    assert band_for(attainment, Bands()) == status


def test_bands_out_of_order_are_rejected():
    with pytest.raises(ValueError, match="ahead > on_track > at_risk"):
        Bands(ahead=0.9, on_track=0.95, at_risk=0.8)
