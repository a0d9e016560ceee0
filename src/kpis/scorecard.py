"""Quarterly scorecard: quarter values from observations, targets in force, status per KPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kpis.catalog import Catalog, Kpi
from kpis.derived import derived_kpis
from kpis.forecast import Forecast, project_q4
from kpis.periods import (
    EARLIEST_DATE,
    Quarter,
    last_complete_month_end,
    quarter_end,
    quarter_of,
    quarter_start,
    shift_quarter,
    today,
)
from kpis.status import Evaluation, Status, evaluate
from kpis.store import Session
from kpis.targets import Scope, Target, nullable, target_rows, targets_in_force
from kpis.value.ledger import realised_roi_by_quarter

if TYPE_CHECKING:
    from kpis.editing.checkins import Checkin

__all__ = [
    "Cell",
    "Grid",
    "Scope",
    "Target",
    "build_grid",
    "convert_grid",
    "quarter_cutoffs",
    "quarter_scorecard",
    "quarter_values",
    "region_grids",
    "scorecard_records",
    "targets_in_force",
]


@dataclass(frozen=True)
class Cell:
    """One KPI in one quarter: actual, target and the evaluation between them."""

    kpi: Kpi
    year: int
    quarter: int
    actual: float | None
    target: Target | None
    evaluation: Evaluation
    periods: int = 0
    last_period: date | None = None
    restated_from: Target | None = None  # the board-approved target, when it was changed after the freeze
    # The quarter in progress: data runs to `last_period`; a flow KPI (summed over time) is judged against
    # its target pro-rated to that day (SPEC section 10): that judgement is `evaluation` (the status on every
    # surface), and `full_quarter` keeps the evaluation against the whole quarter's target beside it.
    in_progress: bool = False
    prorated_target: float | None = None
    full_quarter: Evaluation | None = None
    capped_at: int | None = None  # a count KPI held to the number of departments/regions the store knows
    # the run-rate projection of this KPI's Q4 value from the year's quarters up to this one (kpis.forecast);
    # None when the grid does not reach Q4, no quarter has data yet, or Q4 is complete
    forecast: Forecast | None = None

    @property
    def target_value(self) -> float | None:
        return None if self.target is None else self.target.value

    @property
    def status(self) -> Status:
        return self.evaluation.status

    @property
    def attainment(self) -> float | None:
        return self.evaluation.attainment

    @property
    def prorated(self) -> Evaluation | None:
        """The judgement against the pro-rated target (a flow KPI in the quarter in progress), else None."""
        return None if self.full_quarter is None else self.evaluation

    @property
    def full_quarter_view(self) -> Evaluation:
        """The evaluation against the whole quarter's target (the status itself outside a pro-rated quarter)."""
        return self.full_quarter or self.evaluation

    @property
    def no_target(self) -> bool:
        """An actual and no target: "No target" on every surface, never "No data"."""
        return self.evaluation.rule == "no_target"


@dataclass(frozen=True)
class Grid:
    """Cells for every catalog KPI and every quarter of a range, in one scope."""

    scope: Scope
    quarters: tuple[Quarter, ...]
    cells: dict[tuple[str, int, int], Cell] = field(repr=False)

    def cell(self, kpi_id: str, year: int, quarter: int) -> Cell:
        return self.cells[(kpi_id, year, quarter)]

    def previous(self, cell: Cell) -> Cell | None:
        year, quarter = shift_quarter(cell.year, cell.quarter, -1)
        return self.cells.get((cell.kpi.id, year, quarter))

    def change(self, cell: Cell) -> float | None:
        """Actual minus the previous quarter's actual; None when either is missing."""
        previous = self.previous(cell)
        if previous is None or cell.actual is None or previous.actual is None:
            return None
        return cell.actual - previous.actual


def quarter_values(session: Session, first: Quarter, last: Quarter, scope: Scope,
                   cutoff: date | None = None) -> dict[tuple[str, int, int], dict]:
    """Actual per (kpi_id, year, quarter) from observations, per the catalog's aggregation rules; nothing
    dated after `cutoff` (default: today) is read. A session with a memo reads the scope's every quarter to
    today once and answers each range from it (the same figures: quarters aggregate their own periods, and a
    range ends on a quarter's last day or today)."""
    end = _end(last, cutoff)
    day, until = today(), quarter_of(end)
    if session.memo is not None and end in (day, quarter_end(*until)):
        every = session.remember(("quarter_values", scope.region, scope.department, day),
                                 lambda: _values(session, EARLIEST_DATE, day, scope))
        low, high = first[0] * 4 + first[1], min(last[0] * 4 + last[1], until[0] * 4 + until[1])
        return {key: dict(found) for key, found in every.items() if low <= key[1] * 4 + key[2] <= high}
    return _values(session, quarter_start(*first), end, scope)


def _values(session: Session, start: date, end: date, scope: Scope) -> dict[tuple[str, int, int], dict]:
    rows = session.rows("quarter_values", start=start, end=end, region=scope.region,
                        department=scope.department, kpi=None)
    return {
        (row["kpi_id"], int(row["year"]), int(row["quarter"])): {
            "actual": nullable(row["actual"]),
            "periods": int(row["periods"]),
            "last_period": row["last_period"],
        }
        for row in rows
    }


def _end(last: Quarter, cutoff: date | None) -> date:
    """The last day a range of quarters reads: its end, today or the cut-off, whichever comes first."""
    return min(quarter_end(*last), today(), cutoff or date.max)


def _entity_limits(session: Session, catalog: Catalog) -> dict[str, int]:
    """For count KPIs of reference entities (catalog `counts`), how many of them the store knows: a
    department live in two regions is one department, so the organisation's count never exceeds it."""
    wanted = {kpi.id: kpi.counts for kpi in catalog if kpi.counts}
    if not wanted:
        return {}
    tables = tuple(sorted(set(wanted.values())))
    known = session.remember(("entity_counts", tables), lambda: {
        table: int(session.scalar(f"SELECT count(*) FROM {table}")) for table in tables})
    return {kpi_id: known[table] for kpi_id, table in wanted.items() if known[table]}


def _realised_roi(session: Session, quarters: tuple[Quarter, ...], scope: Scope, ends: dict[Quarter, date]) -> dict:
    """Where a value ledger exists, `roi_pct` is the net ROI realised from it (the value page's figure),
    for the organisation, measured at each quarter's cut-off (`ends`); the ledger is program-wide, so a
    region or department has no ROI of its own."""
    if scope.region is not None or scope.department is not None:  # no ledger read for a scope without ROI
        return _no_roi(session, quarters)
    return {("roi_pct", year, quarter): {"actual": roi, "periods": int(on is not None), "last_period": on}
            for (year, quarter), (roi, on) in realised_roi_by_quarter(session, quarters, ends).items()}


def quarter_cutoffs(values: dict[tuple[str, int, int], dict], quarters: tuple[Quarter, ...],
                    cutoff: date | None = None) -> dict[Quarter, date]:
    """The day each quarter is reported as of: a complete quarter, its last day; the quarter in progress,
    the newest day its data runs to (else the end of the last complete month); a quarter after the cut-off
    or not begun yet has none (SPEC section 10)."""
    day = min(today(), cutoff or date.max)
    newest: dict[Quarter, date] = {}
    for (kpi_id, year, quarter), found in values.items():
        on = found.get("last_period")
        if on is not None and kpi_id != "roi_pct" and on > newest.get((year, quarter), date.min):
            newest[(year, quarter)] = on
    ends = {}
    for q in quarters:
        start, end = quarter_start(*q), quarter_end(*q)
        if start > day:
            continue
        ends[q] = end if end <= day else max(start, newest.get(q, last_complete_month_end(day)))
    return ends


def _frozen_in_range(session: Session, first: Quarter, last: Quarter, as_of: datetime | None) -> list[tuple]:
    low, high = first[0] * 4 + first[1], last[0] * 4 + last[1]
    frozen = session.remember(("frozen_quarters",), lambda: tuple(
        (row["year"], row["quarter"], row["frozen_at"]) for row in session.rows("frozen_quarters")))
    return [(year, quarter, at) for year, quarter, at in frozen
            if low <= year * 4 + quarter <= high and (as_of is None or at <= as_of)]


def _no_roi(session: Session, quarters: tuple[Quarter, ...]) -> dict:
    """A region's or department's roi_pct: none of its own where the ledger defines ROI (shown as
    no data, never as an observation someone recorded for that scope)."""
    none = {"actual": None, "periods": 0, "last_period": None}
    return {("roi_pct", *q): dict(none) for q in quarters} if "roi_pct" in derived_kpis(session) else {}


def _approved_targets(session: Session, catalog: Catalog, first: Quarter, last: Quarter, scope: Scope,
                      as_of: datetime | None, frozen: list[tuple] | None = None) -> dict[tuple[str, int, int], Target]:
    """For frozen quarters in the range, the targets in force when they were frozen. `frozen`:
    (year, quarter, frozen_at, target rows or None) already read (see region_grids)."""
    approved: dict[tuple[str, int, int], Target] = {}
    if frozen is None:
        frozen = [(*item, None) for item in _frozen_in_range(session, first, last, as_of)]
    for year, quarter, frozen_at, rows in frozen:
        approved |= targets_in_force(session, catalog, (year, quarter), (year, quarter), scope, frozen_at, rows)
    return approved


def _restated(current: Target | None, approved: Target | None) -> Target | None:
    if approved is None or current is None or current.changed_at <= approved.changed_at:
        return None
    return approved if approved.value != current.value else None


def _quarters(first: Quarter, last: Quarter) -> tuple[Quarter, ...]:
    count = (last[0] * 4 + last[1]) - (first[0] * 4 + first[1]) + 1
    return tuple(shift_quarter(*first, i) for i in range(max(count, 0)))


def build_grid(session: Session, catalog: Catalog, first: Quarter, last: Quarter,
               scope: Scope = Scope(), as_of: datetime | None = None, *,
               values: dict[tuple[str, int, int], dict] | None = None,
               limits: dict[str, int] | None = None, shared: dict[str, Any] | None = None,
               forecasts: bool = True, cutoff: date | None = None) -> Grid:
    """Every catalog KPI x every quarter from `first` to `last`, evaluated, with each quarter's Q4
    forecast when the range reaches Q4 (`forecasts`). Nothing dated after `cutoff` (default: today) is
    read: a report of a complete quarter passes its last day. `values`, `limits` and `shared` (reads done
    once for several scopes, see region_grids) save reading them again."""
    shared = shared or {}
    quarters = _quarters(first, last)  # once, not per KPI (44 region grids x 21 KPIs on the regions page)
    values = dict(quarter_values(session, first, last, scope, cutoff) if values is None else values)
    if "roi_pct" in catalog:
        values.update(shared["roi"] if "roi" in shared else
                      _realised_roi(session, quarters, scope, quarter_cutoffs(values, quarters, cutoff)))
    limits = _entity_limits(session, catalog) if limits is None else limits
    targets = targets_in_force(session, catalog, first, last, scope, as_of, shared.get("targets"))
    approved = _approved_targets(session, catalog, first, last, scope, as_of, shared.get("frozen"))
    cells = {}
    day = today()
    in_progress = {q: quarter_start(*q) <= day <= quarter_end(*q) for q in quarters}
    for kpi in catalog:
        for year, quarter in quarters:
            key = (kpi.id, year, quarter)
            found = values.get(key, {})
            target = targets.get(key)
            actual = found.get("actual")
            limit = limits.get(kpi.id)
            capped = limit is not None and actual is not None and actual > limit
            actual = limit if capped else actual
            cell = Cell(
                kpi=kpi, year=year, quarter=quarter, actual=actual, target=target,
                evaluation=evaluate(actual, None if target is None else target.value, kpi),
                periods=found.get("periods", 0), last_period=found.get("last_period"),
                restated_from=_restated(target, approved.get(key)),
                in_progress=in_progress[(year, quarter)],
                capped_at=limit if capped else None,
            )
            cells[key] = _prorate(cell)
    return Grid(scope=scope, quarters=quarters,
                cells=_with_forecasts(cells, quarters, limits) if forecasts else cells)


def _with_forecasts(cells: dict[tuple[str, int, int], Cell], quarters: tuple[Quarter, ...],
                    limits: dict[str, int] | None = None, only: set[str] | None = None
                    ) -> dict[tuple[str, int, int], Cell]:
    """Each cell of a year whose Q4 is in the grid gets the forecast as of its quarter (`only`:
    just these KPIs; the others keep theirs)."""
    years = {year for year, quarter in quarters if quarter == 4}
    limits = limits or {}
    out = dict(cells)
    for (kpi_id, year, quarter), cell in cells.items():
        if year not in years or (only is not None and kpi_id not in only):
            continue
        q4 = cells.get((kpi_id, year, 4))
        seen = {q: (c.actual, c.last_period, c.in_progress) for q in range(1, quarter + 1)
                if (c := cells.get((kpi_id, year, q))) is not None}
        forecast = project_q4(cell.kpi, year, quarter, seen, None if q4 is None else q4.target_value,
                              limits.get(kpi_id))
        if forecast is not None:
            out[(kpi_id, year, quarter)] = replace(cell, forecast=forecast)
    return out


def region_grids(session: Session, catalog: Catalog, first: Quarter, last: Quarter, regions: list[str],
                 as_of: datetime | None = None, cutoff: date | None = None) -> dict[str, Grid]:
    """build_grid for each region's scope, with every region's quarter values read by one grouped
    query (sql/quarter_values_by_region.sql) instead of one scan of the observations per region;
    nothing dated after `cutoff` (default: today)."""
    rows = session.rows("quarter_values_by_region", start=quarter_start(*first), end=_end(last, cutoff))
    by_region: dict[str, dict[tuple[str, int, int], dict]] = {name: {} for name in regions}
    for row in rows:
        if row["region"] in by_region:
            by_region[row["region"]][(row["kpi_id"], int(row["year"]), int(row["quarter"]))] = {
                "actual": nullable(row["actual"]), "periods": int(row["periods"]),
                "last_period": row["last_period"]}
    limits = _entity_limits(session, catalog)
    # every region's targets, frozen-quarter targets and (absent) ROI, each read once for all of them
    shared: dict[str, Any] = {
        "targets": target_rows(session, first, last, Scope(), as_of, all_regions=True),
        "frozen": [(y, q, at, target_rows(session, (y, q), (y, q), Scope(), at, all_regions=True))
                   for y, q, at in _frozen_in_range(session, first, last, as_of)],
    }
    if "roi_pct" in catalog:
        shared["roi"] = _no_roi(session, _quarters(first, last))
    # the regions page and table compare regions in one quarter: no forecasts (they are per scope, on demand)
    return {name: build_grid(session, catalog, first, last, Scope(region=name), as_of, values=by_region[name],
                             limits=limits, shared=shared, forecasts=False) for name in regions}


def _prorate(cell: Cell) -> Cell:
    """For a flow KPI in the quarter in progress: the target pro-rated to the day the data runs to
    (days elapsed / days in the quarter) and the evaluation against it."""
    if not cell.in_progress or cell.kpi.over_time != "sum" or cell.target_value is None or cell.last_period is None:
        return cell
    first, last = quarter_start(cell.year, cell.quarter), quarter_end(cell.year, cell.quarter)
    share = ((cell.last_period - first).days + 1) / ((last - first).days + 1)
    prorated = cell.target_value * share
    return replace(cell, prorated_target=prorated, evaluation=evaluate(cell.actual, prorated, cell.kpi),
                   full_quarter=cell.evaluation)


def quarter_scorecard(session: Session, catalog: Catalog, year: int, quarter: int,
                      scope: Scope = Scope(), as_of: datetime | None = None) -> tuple[Grid, list[Cell]]:
    """The selected quarter's cells (catalog order) and the grid they came from, which also
    holds the previous quarter for the change columns and the year's quarters to Q4 (forecast)."""
    grid = build_grid(session, catalog, min(shift_quarter(year, quarter, -1), (year, 1)), (year, 4), scope, as_of)
    return grid, [grid.cell(kpi.id, year, quarter) for kpi in catalog]


def scorecard_records(grid: Grid, cells: list[Cell], lang: str = "en",
                      checkins: dict[str, Checkin] | None = None) -> list[dict[str, Any]]:
    """Plain records (the CLI's JSON/CSV): SPEC section 8 fields first, then the explanation,
    the forecast and the latest check-in (`checkins`: per KPI id, for the cells' quarter and scope)."""
    records = []
    for cell in cells:
        previous = grid.previous(cell)
        target = cell.target
        records.append({
            "kpi_id": cell.kpi.id,
            "family": cell.kpi.family,
            "year": cell.year,
            "quarter": cell.quarter,
            "region": grid.scope.region,
            "department": grid.scope.department,
            "actual": cell.actual,
            "target": cell.target_value,
            "attainment": cell.attainment,
            "status": cell.status,
            "name": cell.kpi.name(lang),
            "unit": cell.kpi.unit,
            "direction": cell.kpi.direction,
            "rule": cell.evaluation.rule,
            "formula": cell.evaluation.formula,
            "target_inherited": None if target is None else target.inherited,
            "previous_actual": None if previous is None else previous.actual,
            "previous_status": None if previous is None else previous.status,
            "change": grid.change(cell),
            "restated": cell.restated_from is not None,
            "approved_target": None if cell.restated_from is None else cell.restated_from.value,
            "restated_at": None if cell.restated_from is None or target is None else target.changed_at.isoformat(),
            "quarter_to_date": cell.in_progress,
            "data_to": cell.last_period,
            "prorated_target": cell.prorated_target,
            "prorated_status": None if cell.prorated is None else cell.prorated.status,
            "full_quarter_status": cell.full_quarter_view.status,
            "full_quarter_attainment": cell.full_quarter_view.attainment,
            "forecast_q4": None if cell.forecast is None else cell.forecast.value,
            "forecast_status": None if cell.forecast is None else cell.forecast.status,
            "forecast_target": None if cell.forecast is None else cell.forecast.target,
            "forecast_method": None if cell.forecast is None else cell.forecast.method,
            "checkin": None if checkins is None or cell.kpi.id not in checkins else checkins[cell.kpi.id].record(),
        })
    return records


def convert_grid(grid: Grid, convert: Callable[[float, str, date], float], currency: str) -> Grid:
    """The same grid with every money KPI's actual and target in `currency`, converted with the
    rate in force at each quarter's end (attainment and status do not change: both sides move
    with the same rate). `convert(amount, from_currency, on)` raises when a rate is missing."""
    cells, converted = {}, set()
    for key, cell in grid.cells.items():
        kpi = cell.kpi
        if kpi.unit != "currency" or kpi.currency == currency:
            cells[key] = cell
            continue
        converted.add(kpi.id)
        on = quarter_end(cell.year, cell.quarter)
        moved = kpi.model_copy(update={"currency": currency})

        def money(value: float | None, source: str = kpi.currency or currency, day: date = on) -> float | None:
            return None if value is None else convert(value, source, day)

        target = cell.target
        if target is not None:
            target = replace(target, value=money(target.value), previous=money(target.previous))
        restated = cell.restated_from
        if restated is not None:
            restated = replace(restated, value=money(restated.value))
        cells[key] = _prorate(replace(cell, kpi=moved, actual=money(cell.actual), target=target,
                                      restated_from=restated, prorated_target=None, forecast=None,
                                      evaluation=cell.full_quarter_view, full_quarter=None))
    return Grid(scope=grid.scope, quarters=grid.quarters, cells=_with_forecasts(cells, grid.quarters, only=converted))
