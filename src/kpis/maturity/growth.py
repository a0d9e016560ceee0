"""Growth-phase gates and the risk register (optional pack, SPEC sections 4 and 7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from kpis.catalog import Catalog, Kpi
from kpis.packs import Criterion, GrowthPack, Phase, Risk
from kpis.scorecard import Grid
from kpis.status import Evaluation, Status, evaluate

__all__ = ["CriterionResult", "PhaseView", "RiskResult", "evaluate_phases", "evaluate_risks", "in_currency"]


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    kpi: Kpi
    actual: float | None
    met: bool | None
    evaluation: Evaluation  # the flag against the criterion's threshold as a target


@dataclass(frozen=True)
class PhaseView:
    """The phase a program has completed (0 = none yet) and the next phase's criteria."""

    current: Phase | None
    next: Phase | None
    next_criteria: tuple[CriterionResult, ...]

    @property
    def met_count(self) -> int:
        return sum(1 for c in self.next_criteria if c.met)


@dataclass(frozen=True)
class RiskResult:
    risk: Risk
    thresholds: tuple[CriterionResult, ...]

    @property
    def breached(self) -> int:
        """Thresholds not met; unknown (no data) counts as not breached but is shown."""
        return sum(1 for c in self.thresholds if c.met is False)

    @property
    def level(self) -> Status:
        """0 breaches on track, 1 at risk, 2+ off track; no data at all: no data."""
        if all(c.met is None for c in self.thresholds):
            return "no_data"
        return "on_track" if self.breached == 0 else "at_risk" if self.breached == 1 else "off_track"


def _judge(criterion: Criterion, catalog: Catalog, actual: float | None) -> CriterionResult:
    kpi = catalog.get(criterion.kpi)
    direction = "lower_is_better" if criterion.op.startswith("<") else "higher_is_better"
    judged = kpi if kpi.direction == direction else kpi.model_copy(update={"direction": direction})
    return CriterionResult(criterion, kpi, actual, criterion.holds(actual), evaluate(actual, criterion.value, judged))


def _latest(grid: Grid, kpi_id: str) -> float | None:
    for year, quarter in reversed(grid.quarters):
        value = grid.cells[(kpi_id, year, quarter)].actual if (kpi_id, year, quarter) in grid.cells else None
        if value is not None:
            return value
    return None


def evaluate_phases(pack: GrowthPack, catalog: Catalog, grid: Grid) -> PhaseView:
    """Completed phase = the highest phase whose criteria all hold now. Not cumulative on purpose:
    some thresholds fall as a program grows (MRR growth 20% in phase 1, 5% in phase 4)."""
    current = None
    for phase in sorted(pack.phases, key=lambda p: p.number):
        if all(_judge(c, catalog, _latest(grid, c.kpi)).met for c in phase.criteria):
            current = phase
    later = [p for p in pack.phases if p.number > (current.number if current else 0)]
    following = min(later, key=lambda p: p.number) if later else None
    criteria = tuple(_judge(c, catalog, _latest(grid, c.kpi)) for c in following.criteria) if following else ()
    return PhaseView(current, following, criteria)


def evaluate_risks(pack: GrowthPack, catalog: Catalog, grid: Grid) -> list[RiskResult]:
    """Each risk with its thresholds judged against the latest data."""
    return [RiskResult(risk, tuple(_judge(c, catalog, _latest(grid, c.kpi)) for c in risk.thresholds))
            for risk in pack.risks]


def _converted(result: CriterionResult, money: Callable[[float, str], float], currency: str) -> CriterionResult:
    kpi = result.kpi
    if kpi.unit != "currency" or kpi.currency in (None, currency):
        return result
    return replace(result, kpi=kpi.model_copy(update={"currency": currency}),
                   criterion=result.criterion.model_copy(update={"value": money(result.criterion.value, kpi.currency)}),
                   actual=None if result.actual is None else money(result.actual, kpi.currency))


def in_currency(view: PhaseView, risks: list[RiskResult], money: Callable[[float, str], float],
                currency: str) -> tuple[PhaseView, list[RiskResult]]:
    """The phase view and risks with every money figure (actual and threshold) in the reporting `currency`
    (`money(amount, from_currency)` raises when a rate is missing). Judgements do not change: both sides of
    each comparison move with the same rate."""
    return (replace(view, next_criteria=tuple(_converted(c, money, currency) for c in view.next_criteria)),
            [replace(r, thresholds=tuple(_converted(c, money, currency) for c in r.thresholds)) for r in risks])
