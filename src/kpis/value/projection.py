"""Cumulative value: stream projections, net ROI, benefit/cost multiple, payback, NPV, Monte Carlo.

Conventions (SPEC section 7): program year 1, 2, 3...; value and investment accrue evenly
within a year, so cumulative curves are straight between year ends and payback interpolates to
the month. Net ROI % = (cumulative value - cumulative investment) / cumulative investment x 100;
the benefit/cost multiple = cumulative value / cumulative investment. They are different
numbers and are always labelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads only for the Monte Carlo (a report that reads the ledger does not)
    import numpy as np

__all__ = [
    "INVESTMENT_BASES",
    "STREAMS",
    "ProgramLedger",
    "Realised",
    "Scenario",
    "Simulation",
    "TargetChance",
    "ValueSummary",
    "YearRow",
    "accrued",
    "investment_bases",
    "npv",
    "payback_months",
    "realised",
    "simulate",
    "summarise",
]

STREAMS = ("direct_savings", "revenue_increase", "risk_reduction", "innovation_value")
BUILT_IN_SCENARIOS: dict[str, tuple[float, float, float | None, str]] = {
    # name: (growth scale, investment scale, growth cap, note)
    "conservative": (0.6, 1.1, 2.0, "Growth 40% below plan, investment 10% over, growth capped at 2x"),
    "base": (1.0, 1.0, None, "The ledger as recorded; growth rates as given"),
    "optimistic": (1.3, 1.0, None, "Growth 30% above plan"),
}


@dataclass(frozen=True)
class Scenario:
    """Scales the growth *increment* (rate 1.5 at scale 0.6 -> 1.3) and every year's investment; an
    optional yearly run cost (reporting currency) is spent in projected years without a recorded plan."""

    name: str = "base"
    growth_scale: float = 1.0
    investment_scale: float = 1.0
    growth_cap: float | None = None
    run_cost: float | None = None  # yearly spending in projected years that have no recorded plan

    def growth(self, rate: float) -> float:
        scaled = 1 + (rate - 1) * self.growth_scale
        return min(scaled, self.growth_cap) if self.growth_cap is not None else scaled


@dataclass(frozen=True)
class ProgramLedger:
    """One program's recorded rows, already in the reporting currency."""

    program: str
    streams: dict[str, dict[int, float]]  # stream -> program year -> amount
    growth: dict[str, float | None]  # stream -> growth rate for years after the last recorded one
    investments: dict[int, dict[str, float]]  # program year -> category -> amount

    @property
    def last_year(self) -> int:
        years = [y for by_year in self.streams.values() for y in by_year]
        return max(years, default=0)


@dataclass(frozen=True)
class YearRow:
    year: int
    streams: dict[str, float]
    value: float
    investment: float
    cumulative_value: float
    cumulative_investment: float
    projected: bool
    investment_basis: str = "recorded"  # recorded, plan, run_cost, average (INVESTMENT_BASES) or mixed


@dataclass(frozen=True)
class ValueSummary:
    currency: str
    programs: tuple[str, ...]
    scenario: Scenario
    years: tuple[YearRow, ...]
    cumulative_value: float
    cumulative_investment: float
    net_roi_pct: float | None
    benefit_cost_multiple: float | None
    payback_months: float | None
    npv: float
    discount_rate: float
    models_in_production: float | None
    value_per_model: float | None = field(default=None)
    uninvested_years: tuple[int, ...] = ()  # recorded years with value and no investment recorded (count 0)
    realised: Realised | None = None  # what has happened to date (ledger.realised_on), beside the projection

    @property
    def last_recorded_year(self) -> int:
        return max((row.year for row in self.years if not row.projected), default=0)


@dataclass(frozen=True)
class Realised:
    """Value and investment recorded and accrued (evenly within each program year) up to `on`: what
    has happened, never a projection. Programs without a start date are left out (`unstarted`)."""

    on: date
    cumulative_value: float
    cumulative_investment: float
    unstarted: tuple[str, ...] = ()

    @property
    def net_roi_pct(self) -> float | None:
        ratio = _ratio(self.cumulative_value - self.cumulative_investment, self.cumulative_investment)
        return None if ratio is None else ratio * 100

    @property
    def benefit_cost_multiple(self) -> float | None:
        return _ratio(self.cumulative_value, self.cumulative_investment)


def _program_year_span(start: date, year: int) -> tuple[date, date]:
    """First day of program year `year` and the first day of the next one."""
    def shifted(years: int) -> date:
        try:
            return start.replace(year=start.year + years)
        except ValueError:  # 29 February
            return start.replace(year=start.year + years, day=28)
    return shifted(year - 1), shifted(year)


def accrued(ledger: ProgramLedger, start: date, on: date) -> tuple[float, float]:
    """(value, investment) of one program to the end of day `on` (SPEC section 10): a program year's
    investment is committed on its first day; its value accrues evenly over the year."""
    value = investment = 0.0
    years = {y for by_year in ledger.streams.values() for y in by_year} | set(ledger.investments)
    for year in sorted(years):
        first, after = _program_year_span(start, year)
        if on < first:
            continue
        share = min(((on + timedelta(days=1)) - first).days / (after - first).days, 1.0)
        value += share * sum(by_year.get(year, 0.0) for by_year in ledger.streams.values())
        investment += sum(ledger.investments.get(year, {}).values())
    return value, investment


def realised(ledgers: list[ProgramLedger], starts: dict[str, date | None], on: date) -> Realised:
    """Every started program's value and investment accrued to `on`, added up."""
    value = investment = 0.0
    for ledger in ledgers:
        start = starts.get(ledger.program)
        if start is None:
            continue
        v, i = accrued(ledger, start, on)
        value, investment = value + v, investment + i
    return Realised(on, value, investment, tuple(ledger.program for ledger in ledgers
                                                 if starts.get(ledger.program) is None))


def _stream_path(by_year: dict[int, float], rate: float | None, last_year: int, horizon: int,
                 scenario: Scenario) -> list[float]:
    """Recorded amounts up to the program's last year (missing = 0), then last x growth per year."""
    path = [by_year.get(year, 0.0) for year in range(1, min(last_year, horizon) + 1)]
    growth = scenario.growth(rate if rate is not None else 1.0)
    level = by_year.get(max(by_year), 0.0) if by_year else 0.0
    for _ in range(last_year + 1, horizon + 1):
        level *= growth
        path.append(level)
    return path


INVESTMENT_BASES = ("recorded", "plan", "run_cost", "average")


def _investment_path(ledger: ProgramLedger, horizon: int, scenario: Scenario) -> list[tuple[float, str]]:
    """(investment, basis) per program year 1..horizon (SPEC section 10). A recorded year: what was recorded
    (a year with value and no investment counts 0, and is named). A projected year is never silently zero:
    a recorded plan for it, else the scenario's yearly run cost, else the recorded years' average yearly
    investment."""
    totals = {year: sum(categories.values()) for year, categories in ledger.investments.items()}
    recorded = [totals.get(year, 0.0) for year in range(1, ledger.last_year + 1)]
    average = sum(recorded) / len(recorded) if recorded else 0.0
    path = []
    for year in range(1, horizon + 1):
        if year <= ledger.last_year:
            amount, basis = totals.get(year, 0.0), "recorded"
        elif year in totals:
            amount, basis = totals[year], "plan"
        elif scenario.run_cost:
            amount, basis = scenario.run_cost, "run_cost"
        else:
            amount, basis = average, "average"
        path.append((scenario.investment_scale * amount, basis))
    return path


def project(ledger: ProgramLedger, horizon: int, scenario: Scenario) -> tuple[dict[str, list[float]], list[float]]:
    """Stream amounts and investment per program year 1..horizon."""
    streams = {
        stream: _stream_path(ledger.streams.get(stream, {}), ledger.growth.get(stream), ledger.last_year,
                             horizon, scenario)
        for stream in STREAMS
    }
    return streams, [amount for amount, _ in _investment_path(ledger, horizon, scenario)]


def investment_bases(ledgers: list[ProgramLedger], horizon: int, scenario: Scenario) -> list[str]:
    """Per program year, where its investment comes from: one of INVESTMENT_BASES, or 'mixed' when
    programs differ."""
    per_program = [[basis for _, basis in _investment_path(ledger, horizon, scenario)] for ledger in ledgers]
    return [bases.pop() if len(bases := set(column)) == 1 else "mixed" for column in zip(*per_program)] \
        if per_program else ["recorded"] * horizon


def payback_months(values: list[float], investments: list[float]) -> float | None:
    """Months from the program's start until cumulative value first reaches cumulative investment (SPEC
    section 10): each year's investment is committed on its first day, its value accrues evenly, so the
    point is interpolated within the year. 0 when nothing is invested; None if never within the years given.
    A payback that relapses (a later year's investment puts the program behind again) keeps its first point."""
    if sum(investments) <= 0:
        return 0.0
    gap = invested = 0.0
    for index, (value, investment) in enumerate(zip(values, investments)):
        gap, invested = gap - investment, invested + investment  # committed on the year's first day
        if invested > 0 and gap >= 0:
            return 12.0 * index
        if invested > 0 and value > 0 and gap + value >= 0:
            return round(12.0 * (index + -gap / value), 1)
        gap += value
    return None


def npv(values: list[float], investments: list[float], rate: float) -> float:
    """Net present value of each year's net flow, discounted at the end of its year."""
    return float(sum((v - i) / (1 + rate) ** (k + 1) for k, (v, i) in enumerate(zip(values, investments))))


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def summarise(ledgers: list[ProgramLedger], *, currency: str, horizon: int | None = None,
              scenario: Scenario = Scenario(), discount_rate: float = 0.10,
              models_in_production: float | None = None) -> ValueSummary:
    """Per-year and cumulative figures over all given programs, projected to `horizon` (default:
    the last recorded year)."""
    horizon = horizon or max((ledger.last_year for ledger in ledgers), default=0)
    streams = {stream: [0.0] * horizon for stream in STREAMS}
    investment = [0.0] * horizon
    for ledger in ledgers:
        program_streams, program_investment = project(ledger, horizon, scenario)
        for stream, path in program_streams.items():
            streams[stream] = [a + b for a, b in zip(streams[stream], path)]
        investment = [a + b for a, b in zip(investment, program_investment)]
    values = [sum(streams[s][k] for s in STREAMS) for k in range(horizon)]
    last_recorded = max((ledger.last_year for ledger in ledgers), default=0)
    bases = investment_bases(ledgers, horizon, scenario)
    rows, cv, ci = [], 0.0, 0.0
    for k in range(horizon):
        cv, ci = cv + values[k], ci + investment[k]
        rows.append(YearRow(k + 1, {s: streams[s][k] for s in STREAMS}, values[k], investment[k], cv, ci,
                            projected=k + 1 > last_recorded, investment_basis=bases[k]))
    net = _ratio(cv - ci, ci)
    models = models_in_production if models_in_production else None
    uninvested = tuple(k + 1 for k in range(min(horizon, last_recorded)) if values[k] > 0 and not any(
        ledger.investments.get(k + 1) for ledger in ledgers))
    return ValueSummary(
        currency=currency, programs=tuple(ledger.program for ledger in ledgers), scenario=scenario,
        years=tuple(rows), cumulative_value=cv, cumulative_investment=ci,
        net_roi_pct=None if net is None else net * 100, benefit_cost_multiple=_ratio(cv, ci),
        payback_months=payback_months(values, investment), npv=npv(values, investment, discount_rate),
        discount_rate=discount_rate, models_in_production=models,
        value_per_model=None if models is None else cv / models, uninvested_years=uninvested,
    )


@dataclass(frozen=True)
class TargetChance:
    """P(metric reaches threshold by month `by_month`); metric 'net_roi' (threshold in %) or 'payback'."""

    metric: str
    threshold: float | None
    by_month: float
    probability: float
    source: str = ""  # where the threshold comes from: "scaling" (500% in 18 months), "vision" (year N), "reader"

    @property
    def key(self) -> str:
        if self.metric == "payback":
            return f"payback_by_month_{self.by_month:g}"
        return f"net_roi_{self.threshold:g}_by_month_{self.by_month:g}"


@dataclass(frozen=True)
class Simulation:
    """Monte Carlo over the growth rates of projected years: bands and target probabilities."""

    draws: int
    seed: int
    sigma: float
    p10: tuple[float, ...]  # cumulative value at each year end
    p50: tuple[float, ...]
    p90: tuple[float, ...]
    cumulative_investment: tuple[float, ...]
    chances: tuple[TargetChance, ...]

    @property
    def probabilities(self) -> dict[str, float]:
        return {chance.key: chance.probability for chance in self.chances}


def _cumulative_at_month(cumulative: np.ndarray, month: float) -> np.ndarray:
    """Interpolate cumulative year-end columns (draws x years) at a month (even accrual: value)."""
    import numpy as np

    padded = np.concatenate([np.zeros((cumulative.shape[0], 1)), cumulative], axis=1)
    position = min(month / 12, cumulative.shape[1])
    low = int(np.floor(position))
    high = min(low + 1, cumulative.shape[1])
    weight = position - low
    return padded[:, low] * (1 - weight) + padded[:, high] * weight


def _committed_at_month(cumulative: np.ndarray, month: float) -> np.ndarray:
    """Cumulative investment at the end of `month` (columns: years): every year begun by then is committed
    in full on its first day."""
    import math

    years = min(max(math.ceil(month / 12), 1), cumulative.shape[1])
    return cumulative[:, years - 1]


def _payback_by(values: np.ndarray, investment: np.ndarray, month: float) -> float:
    """Share of draws whose cumulative value has reached the committed investment at some month up to
    `month` (the first payback point, as payback_months; a later relapse does not undo it)."""
    import numpy as np

    cumulative, committed = np.cumsum(values, axis=1), np.cumsum(investment)[None, :]
    paid = np.zeros(values.shape[0], dtype=bool)
    for at in [*range(1, int(month) + 1), month]:
        paid |= _cumulative_at_month(cumulative, at) >= _committed_at_month(committed, at)
    return float(np.mean(paid))


def simulate(ledgers: list[ProgramLedger], *, horizon: int, scenario: Scenario = Scenario(),
             draws: int = 10_000, seed: int = 7, sigma: float = 0.25, payback_by_month: float = 24,
             ) -> Simulation:
    """Each projected year's growth increment is multiplied by a lognormal factor (median 1, so the
    P50 path stays near the deterministic one); recorded years are fixed. Vectorised: draws x years."""
    import numpy as np

    rng = np.random.default_rng(seed)
    values = np.zeros((draws, horizon))
    investment = np.zeros(horizon)
    for ledger in ledgers:
        _, program_investment = project(ledger, horizon, scenario)
        investment += np.asarray(program_investment)
        last = ledger.last_year
        for stream in STREAMS:
            by_year = ledger.streams.get(stream, {})
            recorded = [by_year.get(year, 0.0) for year in range(1, min(last, horizon) + 1)]
            values[:, : len(recorded)] += np.asarray(recorded)
            extra = horizon - len(recorded)
            if extra <= 0 or not by_year:
                continue
            rate = scenario.growth(ledger.growth.get(stream) or 1.0)
            factors = 1 + (rate - 1) * rng.lognormal(0.0, sigma, size=(draws, extra))
            values[:, len(recorded):] += by_year[max(by_year)] * np.cumprod(factors, axis=1)
    cumulative = np.cumsum(values, axis=1)
    cumulative_investment = np.cumsum(investment)
    p10, p50, p90 = np.percentile(cumulative, [10, 50, 90], axis=0)

    def roi_at(month: float) -> np.ndarray:
        invested = _committed_at_month(cumulative_investment[None, :], month)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(invested > 0, (_cumulative_at_month(cumulative, month) - invested) / invested * 100,
                            np.nan)

    # The seeds' targets: net ROI 500% within 18 months; the vision of 200/500/1000% by year 1/2/3.
    goals = [(500.0, 18.0)] + [(target, 12.0 * year) for year, target in ((1, 200.0), (2, 500.0), (3, 1000.0))
                               if year <= horizon]
    chances = [TargetChance("net_roi", target, month, float(np.mean(roi_at(month) >= target)),
                            "scaling" if index == 0 else "vision") for index, (target, month) in enumerate(goals)]
    chances.append(TargetChance("payback", None, payback_by_month, _payback_by(values, investment, payback_by_month),
                                "reader"))
    return Simulation(draws, seed, sigma, tuple(p10), tuple(p50), tuple(p90), tuple(cumulative_investment),
                      tuple(chances))
