"""The shipped catalog and the validation of catalog files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kpis.catalog import Catalog, load_catalog
from kpis.errors import CatalogError

SPEC_IDS = {
    "new_users": ("adoption", "count", "higher_is_better", "sum", "sum"),
    "departments_using": ("adoption", "count", "higher_is_better", "last", "sum"),
    "departments_using_pct": ("adoption", "percent", "higher_is_better", "last", "mean"),
    "regions_covered": ("adoption", "count", "higher_is_better", "last", "sum"),
    "adoption_rate_pct": ("adoption", "percent", "higher_is_better", "last", "mean"),
    "availability_pct": ("technical", "percent", "higher_is_better", "mean", "mean"),
    "api_latency_p95_ms": ("technical", "ms", "lower_is_better", "max", "max"),
    "transactions_per_day": ("technical", "count", "higher_is_better", "mean", "sum"),
    "concurrent_models": ("technical", "count", "higher_is_better", "last", "sum"),
    "models_in_production": ("technical", "count", "higher_is_better", "last", "sum"),
    "reusability_index_pct": ("technical", "percent", "higher_is_better", "last", "mean"),
    "roi_pct": ("business", "percent", "higher_is_better", "last", "mean"),
    "cost_per_prediction_usd": ("business", "currency", "lower_is_better", "mean", "mean"),
    "time_to_new_solution_weeks": ("business", "weeks", "lower_is_better", "mean", "mean"),
    "revenue_attributed": ("business", "currency", "higher_is_better", "sum", "sum"),
    "new_use_cases": ("innovation", "count", "higher_is_better", "sum", "sum"),
    "pipeline_in_evaluation": ("innovation", "count", "higher_is_better", "last", "sum"),
    "use_case_success_rate_pct": ("innovation", "percent", "higher_is_better", "last", "mean"),
    "patents_filed": ("innovation", "count", "higher_is_better", "sum", "sum"),
    "papers_published": ("innovation", "count", "higher_is_better", "sum", "sum"),
    "oss_contributions": ("innovation", "count", "higher_is_better", "sum", "sum"),
}


def test_shipped_catalog_has_exactly_the_spec_kpis(catalog: Catalog):
    assert set(catalog.ids) == set(SPEC_IDS)
    for kpi in catalog:
        assert (kpi.family, kpi.unit, kpi.direction, kpi.over_time, kpi.across_scope) == SPEC_IDS[kpi.id]


def test_only_availability_uses_the_error_budget(catalog: Catalog):
    assert [k.id for k in catalog if k.error_budget] == ["availability_pct"]


def test_every_kpi_has_both_languages(catalog: Catalog):
    for kpi in catalog:
        assert kpi.name_en and kpi.name_es and kpi.description_en and kpi.description_es


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
[[kpi]]
id = "a"
family = "adoption"
name_en = "A"
name_es = "A"
unit = "count"
direction = "higher_is_better"
over_time = "sum"
across_scope = "sum"
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace('"higher_is_better"', '"up"'), r"entry 1 \(a\): direction"),
        (GOOD.replace('over_time = "sum"', 'over_time = "median"'), r"entry 1 \(a\): over_time"),
        (GOOD + GOOD, r"entry 2 \(a\): duplicate id"),
        (GOOD.replace('id = "a"', 'id = "Bad Id"'), r"entry 1 \(Bad Id\): id"),
        (GOOD + 'colour = "red"\n', r"entry 1 \(a\): colour"),
        (GOOD.replace('unit = "count"', 'unit = "currency"'), r"entry 1 \(a\).*currency"),
        (GOOD + "bands = { ahead = 0.5 }\n", r"entry 1 \(a\): bands"),
        ("[[kpi]\n", "not valid TOML"),
        ("title = 'x'\n", "no \\[\\[kpi\\]\\] entries"),
    ],
)
def test_bad_catalog_entry_names_file_entry_and_problem(tmp_path: Path, body: str, message: str):
    path = _write(tmp_path, body)
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_missing_catalog_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.toml")


def test_kpi_definitions_are_immutable(catalog: Catalog):
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.get("new_users").unit = "ms"
