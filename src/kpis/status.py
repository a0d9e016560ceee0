"""Attainment and status flags (SPEC section 5), with the explanation behind each flag."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from kpis.catalog import Bands, Kpi

__all__ = ["STATUSES", "STATUS_ICONS", "Evaluation", "Status", "band_for", "evaluate"]

Status = Literal["ahead", "on_track", "at_risk", "off_track", "no_data"]
STATUSES: tuple[Status, ...] = ("ahead", "on_track", "at_risk", "off_track", "no_data")
# Every flag is icon + word + colour; the icon alone already tells the bands apart.
STATUS_ICONS: dict[Status, str] = {"ahead": "▲", "on_track": "✔", "at_risk": "⚠", "off_track": "✖", "no_data": "○"}

# Band edges belong to the better band; the tolerance keeps 0.76 / 0.8 (= 0.9500000000000001
# or 0.9499999999999999 in binary floating point) on the edge it is on paper.
_EDGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Evaluation:
    """A flag and why: `rule` names the branch of SPEC section 5 that fired."""

    status: Status
    attainment: float | None
    rule: str
    formula: str

    def to_dict(self) -> dict[str, object]:
        return {"status": self.status, "attainment": self.attainment, "rule": self.rule, "formula": self.formula}


def band_for(attainment: float, bands: Bands) -> Status:
    """The status band an attainment ratio falls in."""
    if attainment >= bands.ahead - _EDGE_TOLERANCE:
        return "ahead"
    if attainment >= bands.on_track - _EDGE_TOLERANCE:
        return "on_track"
    if attainment >= bands.at_risk - _EDGE_TOLERANCE:
        return "at_risk"
    return "off_track"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _ratio(rule: str, formula: str, attainment: float, bands: Bands) -> Evaluation:
    return Evaluation(band_for(attainment, bands), attainment, rule, formula)


def _error_budget(actual: float, target: float, bands: Bands) -> Evaluation:
    if actual >= 100:
        return Evaluation("ahead", None, "error_budget_full", f"actual {actual:g}% uses none of the error budget")
    attainment = (100 - target) / (100 - actual)
    formula = f"(100 - {target:g}) / (100 - {actual:g}) = {attainment:.3f}"
    return _ratio("error_budget", formula, attainment, bands)


def _zero_target(actual: float, lower: bool) -> Evaluation:
    meets = actual <= 0 if lower else actual >= 0
    sign = "<=" if lower else ">="
    status: Status = "on_track" if meets else "off_track"
    return Evaluation(status, None, "zero_target", f"target 0: actual {actual:g} {sign} 0 is {meets}")


def evaluate(actual: float | None, target: float | None, kpi: Kpi) -> Evaluation:
    """Attainment and status of one actual against one target, per the KPI's direction and bands."""
    if _missing(actual) or _missing(target):
        missing = "actual" if _missing(actual) else "target"
        return Evaluation("no_data", None, f"no_{missing}", f"no {missing} for this period")
    assert actual is not None and target is not None
    if kpi.error_budget:
        return _error_budget(actual, target, kpi.bands)
    if target == 0:
        return _zero_target(actual, kpi.lower_is_better)
    if kpi.lower_is_better:
        if actual == 0:
            return Evaluation("ahead", None, "zero_actual", f"actual 0 beats target {target:g}")
        attainment = target / actual
        return _ratio("lower_is_better", f"{target:g} / {actual:g} = {attainment:.3f}", attainment, kpi.bands)
    attainment = actual / target
    return _ratio("higher_is_better", f"{actual:g} / {target:g} = {attainment:.3f}", attainment, kpi.bands)
