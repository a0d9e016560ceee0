"""Run-rate forecast of a KPI's year-end (Q4) value, and whether it will reach the Q4 target.

Method (SPEC section 5, "will the run-rate reach the year-end target?"):

1. The year's quarter values so far, Q1 up to the quarter being looked at. A flow KPI (summed over
   time) in the quarter in progress is scaled to a full quarter at its pace so far (actual / share
   of the quarter's days the data covers); every other value is taken as it is.
2. Q4 in progress: its pace so far is the year-end figure ("pace"). Otherwise one value: the level
   holds (Q4 = that value). Two or more: the ordinary least-squares straight line through them
   (Python's statistics.linear_regression), extended to Q4; the trend of the year so far.
3. The projection is kept inside the KPI's possible range: the catalog's min/max, and for a count
   of regions or departments the number the store knows (the cap its actuals have); counts are
   never rounded (a page rounds for display only; the judgement and the JSON use the projection).
4. The projection is judged against the Q4 target with the KPI's own status rule (bands,
   direction, error budget): ahead or on track = "will reach"; at risk or off track = "will miss".

A forecast is never an actual: it has its own fields (`forecast_q4`, `forecast_status`), is drawn
dotted and labelled as a forecast, and there is none once Q4 has its full-quarter actual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from kpis.catalog import Kpi
from kpis.periods import quarter_end, quarter_start
from kpis.status import Evaluation, evaluate

__all__ = ["FORECAST_STATUSES", "Forecast", "project_q4"]

ForecastStatus = Literal["will_reach", "will_miss", "no_data"]
FORECAST_STATUSES: tuple[ForecastStatus, ...] = ("will_reach", "will_miss", "no_data")


@dataclass(frozen=True)
class Forecast:
    """The projected Q4 value of a KPI from the year's quarters up to `as_of_quarter`."""

    year: int
    as_of_quarter: int
    value: float
    target: float | None
    evaluation: Evaluation
    method: Literal["level", "trend", "pace"]
    basis: tuple[tuple[int, float], ...]  # (quarter, value used) in quarter order

    @property
    def status(self) -> ForecastStatus:
        if self.evaluation.status in ("ahead", "on_track"):
            return "will_reach"
        if self.evaluation.status in ("at_risk", "off_track"):
            return "will_miss"
        return "no_data"


def _full_quarter(kpi: Kpi, year: int, quarter: int, actual: float, last_period: date | None,
                  in_progress: bool) -> float:
    """A flow KPI's partial quarter at its pace so far, scaled to the whole quarter."""
    if not in_progress or kpi.over_time != "sum" or last_period is None:
        return actual
    first, last = quarter_start(year, quarter), quarter_end(year, quarter)
    share = ((last_period - first).days + 1) / ((last - first).days + 1)
    return actual / share if share > 0 else actual


def _bounded(kpi: Kpi, value: float, limit: float | None) -> float:
    if kpi.min_value is not None:
        value = max(value, kpi.min_value)
    for high in (kpi.max_value, limit):
        if high is not None:
            value = min(value, high)
    return float(f"{value:.12g}")  # a fitted line's last-bit noise (11.999999999999996) is not a figure


def project_q4(kpi: Kpi, year: int, as_of_quarter: int,
               quarters: dict[int, tuple[float | None, date | None, bool]],
               q4_target: float | None, limit: float | None = None) -> Forecast | None:
    """`quarters`: quarter -> (actual, last period with data, in progress) for the year's quarters
    1..as_of_quarter; `limit`: a ceiling the KPI's actuals are held to (a count of known regions).
    None when no quarter has a value yet, or when Q4 itself is done (its actual is the answer)."""
    if as_of_quarter == 4 and not quarters.get(4, (None, None, False))[2] and quarters.get(4, (None,))[0] is not None:
        return None
    basis = tuple(
        (q, _full_quarter(kpi, year, q, actual, last, in_progress))
        for q in range(1, as_of_quarter + 1)
        for actual, last, in_progress in [quarters.get(q, (None, None, False))]
        if actual is not None
    )
    if not basis:
        return None
    if basis[-1][0] == 4:  # Q4 in progress: its own pace is the year-end figure (one number, not a line beside it)
        basis, value, method = basis[-1:], basis[-1][1], "pace"
    elif len(basis) == 1:
        value, method = basis[0][1], "level"
    else:
        from statistics import linear_regression

        slope, intercept = linear_regression([q for q, _ in basis], [v for _, v in basis])
        value, method = float(intercept + slope * 4), "trend"
    value = _bounded(kpi, value, limit)  # never rounded: judged as projected (pages round for display only)
    return Forecast(year=year, as_of_quarter=as_of_quarter, value=value, target=q4_target,
                    evaluation=evaluate(value, q4_target, kpi), method=method, basis=basis)
