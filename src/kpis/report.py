"""One report per quarter: every figure any surface shows for (quarter, scope, reporting currency), built once.

The pages, the deck, chart and table exports, the digest, alerts and the CLI render a QuarterReport and
compute no figure of their own (SPEC section 10). Its rules:

- **Cut-off.** A complete quarter is reported as of its last day: nothing dated after it is read. The
  quarter in progress is reported to the day its data runs to (`cutoff`, labelled "quarter to date").
- **One judgement per KPI.** In the quarter in progress a flow KPI is judged against its target
  pro-rated to the cut-off; that is its status in every count (`Cell.full_quarter` keeps the
  evaluation against the whole quarter's target beside it).
- **One currency.** Every money figure is in `currency` (the store's reporting currency unless the
  reader picks another), converted with the dated FX table; a missing rate raises FxError, never a
  figure in another currency.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from kpis.catalog import Catalog
from kpis.changes import Changes, what_changed
from kpis.editing.checkins import Checkin, latest_checkins
from kpis.errors import KpiError, ValidationError
from kpis.formatting import format_attainment, format_value
from kpis.i18n import t
from kpis.innovation.funnel import HORIZON_MIX, funnel, horizon_mix, launches_by_quarter, load_use_cases
from kpis.maturity.readiness import ORGANISATION, evaluate_checklists, maturity_for
from kpis.maturity.verdict import Verdict, verdict, verdict_text
from kpis.packs import load_checklists
from kpis.periods import Quarter, quarter_end, quarter_start, shift_quarter, today
from kpis.reference.names import load_names, spanish_names
from kpis.scorecard import Cell, Grid, Scope, build_grid, convert_grid, quarter_cutoffs, region_grids, scorecard_records
from kpis.status import STATUS_ICONS, STATUSES
from kpis.store import Session
from kpis.value.fx import CURRENCIES
from kpis.value.ledger import fx_table, realised_on, reporting_currency

__all__ = ["InnovationFigures", "QuarterFacts", "QuarterReport", "build_report", "full_quarter_text", "quarter_facts",
           "report_currency", "report_quarter", "scope_facts", "status_counts", "status_word", "target_text"]


@dataclass(frozen=True)
class InnovationFigures:
    """The innovation page's figures as of the report's cut-off (use cases as they stood on that day)."""

    cases: tuple[Any, ...]  # kpis.innovation.funnel.UseCase, cut to their history up to the cut-off
    funnel: tuple[tuple[str, int, float | None], ...]  # use cases started in the report's year, stage reached
    launches: tuple[tuple[Quarter, int], ...]  # use cases scaled per quarter of the year, to the report's quarter
    horizons: tuple[tuple[str, int, float], ...]  # active use cases per horizon and their share in %


@dataclass(frozen=True)
class QuarterReport:
    """Everything one quarter says, for one scope and reporting currency. Immutable: pages share it."""

    year: int
    quarter: int
    scope: Scope
    currency: str
    as_of: datetime | None  # targets in force at that moment (None: now)
    cutoff: date  # nothing dated after this day is in the report
    in_progress: bool  # the quarter to date
    grid: Grid  # every KPI from the trend's first quarter to Q4 of the year, actuals to the cut-off
    cells: tuple[Cell, ...]  # the quarter, catalog order
    verdict: Verdict
    changes: Changes
    gate: Any  # kpis.maturity.readiness.Gate of the scope's unit
    checklists: tuple[Any, ...]  # kpis.maturity.readiness.ChecklistResult
    checkins: dict[str, Checkin] = field(default_factory=dict)
    realised: Any = None  # kpis.value.projection.Realised at the cut-off, in `currency`; None without a value ledger
    innovation: InnovationFigures | None = None
    regions: dict[str, Grid] = field(default_factory=dict)  # every known region, this quarter
    maturities: tuple[Any, ...] = ()  # kpis.maturity.levels.Maturity of every unit assessed this quarter
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # reference data's Spanish names
    catalog: Catalog | None = field(default=None, repr=False, compare=False)  # the KPI definitions it was built with

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def unit(self) -> str:
        return _unit(self.scope)

    @property
    def data_to(self) -> date | None:
        """The newest day the quarter's data runs to (None: no data in the quarter yet)."""
        return max((c.last_period for c in self.cells if c.last_period is not None), default=None)

    @property
    def counts(self) -> dict[str, int]:
        """KPIs per status (the chips, the doughnut, the digest): `no_target` separately from `no_data`."""
        return status_counts(self.cells)

    @property
    def on_track(self) -> int:
        """On track or ahead: the verdict's count."""
        return self.verdict.on_track

    @property
    def judged(self) -> int:
        return self.verdict.judged

    def cell(self, kpi_id: str) -> Cell:
        return self.grid.cell(kpi_id, self.year, self.quarter)

    @property
    def models_in_production(self) -> float | None:
        cells = {c.kpi.id: c for c in self.cells}
        return cells["models_in_production"].actual if "models_in_production" in cells else None

    def when(self, lang: str) -> str:
        """'2026-Q4 (quarter to date)' or '2026-Q3'."""
        return self.label + (f" ({t('card.quarter_to_date_short', lang)})" if self.in_progress else "")

    def verdict_text(self, lang: str) -> str:
        """The answer in one sentence (the dashboard's first line, the deck's headline, `readiness`)."""
        return verdict_text(self.verdict, self.catalog, lang)

    def records(self, lang: str = "en") -> list[dict[str, Any]]:
        """The CLI's JSON/CSV rows (and the HTTP API's): SPEC section 8 fields first."""
        return scorecard_records(self.grid, list(self.cells), lang, self.checkins)


def status_word(cell: Cell, lang: str) -> str:
    """'No target' where a KPI has actuals and no target, on every surface; else the status word."""
    return t("status.no_target" if cell.no_target else f"status.{cell.status}", lang)


def target_text(cell: Cell, lang: str) -> str:
    """The target a KPI is judged against, as displayed beside its attainment: '3,500', or for a flow KPI in
    the quarter in progress its pro-rated target, '2,321 to date' (the whole quarter's is shown beside it)."""
    if cell.prorated is not None:
        return t("card.target_to_date", lang, target=format_value(cell.prorated_target, cell.kpi, lang))
    return format_value(cell.target_value, cell.kpi, lang)


def full_quarter_text(cell: Cell, lang: str) -> str | None:
    """'Quarter target 3,500: 81% ⚠ At risk' for a pro-rated KPI (its whole quarter beside its status)."""
    if cell.prorated is None:
        return None
    full = cell.full_quarter_view
    return t("card.full_quarter", lang, target=format_value(cell.target_value, cell.kpi, lang),
             attainment=format_attainment(full.attainment),
             status=f"{STATUS_ICONS[full.status]} {t('status.' + full.status, lang)}")


def report_currency(session: Session, currency: str | None = None, catalog: Catalog | None = None) -> str:
    """The reader's pick, else the store's reporting currency (an admin setting; the demo's is MXN). A store
    where no admin has set one reports in the currency its money is recorded in: the value ledger's, else
    that of the money KPI with the most observations, else MXN (so a store of request logs alone, whose cost
    per prediction is in US$, needs no exchange rate until someone picks another currency)."""
    chosen = (currency or session.get_setting("reporting_currency") or _recorded_currency(session, catalog)).upper()
    if chosen not in CURRENCIES:
        raise ValidationError.keyed("error.unknown_currency", currency=chosen, known=", ".join(CURRENCIES))
    return chosen


def _recorded_currency(session: Session, catalog: Catalog | None) -> str:
    ledger = session.rows("value_streams", program=None) + session.rows("investments", program=None)
    if ledger or catalog is None:
        return reporting_currency(session, ledger)
    money = {kpi.id: kpi.currency for kpi in catalog if kpi.unit == "currency" and kpi.currency}
    if not money:
        return "MXN"
    counts = session.con.execute(
        f"SELECT kpi_id, count(*) FROM observations WHERE kpi_id IN ({', '.join('?' * len(money))}) "
        "GROUP BY kpi_id ORDER BY count(*) DESC, kpi_id LIMIT 1", list(money)).fetchall()
    return money[counts[0][0]] if counts else "MXN"


def report_quarter(session: Session, year: int | None = None, quarter: int | None = None) -> Quarter:
    """The quarter asked for, else the latest quarter with data up to today's (the quarter in progress when
    it has some)."""
    if year is not None and quarter is not None:
        return year, quarter
    found = data_quarters(session)
    if not found:
        raise KpiError.keyed("error.no_data_quarter")
    day = today()
    current = (day.year, (day.month - 1) // 3 + 1)
    return max((q for q in found if q <= current), default=found[-1])


def data_quarters(session: Session) -> tuple[Quarter, ...]:
    """The quarters with at least one observation, oldest first."""
    return session.remember(("data_quarters",), lambda: tuple(sorted(
        (int(r["year"]), int(r["quarter"])) for r in session.rows("data_quarters"))))


def _first_quarter(session: Session, year: int, quarter: int) -> Quarter:
    """The trend's first quarter: the first with data, at most two years back, and never after Q1 of the year
    or the quarter before the report's (the change column needs it)."""
    earliest = min(data_quarters(session), default=(year, 1))
    return min(max(earliest, (year - 2, 1)), (year, 1), shift_quarter(year, quarter, -1))


def _cut_cases(cases: list[Any], cutoff: date) -> list[Any]:
    """Use cases as they stood at the end of `cutoff`: later stage changes unknown, later ones not begun."""
    cut = []
    for case in cases:
        history = tuple((stage, day) for stage, day in case.history if day <= cutoff)
        if not history and (case.started is None or case.started > cutoff):
            continue
        stage, changed = history[-1] if history else (case.stage, case.stage_changed)
        cut.append(replace(case, stage=stage, stage_changed=changed, history=history))
    return cut


def _innovation(session: Session, year: int, quarter: int, cutoff: date) -> InnovationFigures | None:
    cases = _cut_cases(load_use_cases(session), cutoff)
    if not cases:
        return None
    mix = horizon_mix(cases)
    return InnovationFigures(
        cases=tuple(cases), funnel=tuple(funnel(cases, year)),
        launches=tuple(launches_by_quarter(cases, (year, 1), (year, quarter)).items()),
        horizons=tuple((h, *mix[h]) for h in HORIZON_MIX))


@dataclass(frozen=True)
class QuarterFacts:
    """The parts of a quarter's report that do not depend on its scope: built once per quarter, cut-off,
    currency and as-of, and shared by the reports of every scope (the regions page, the value ledger and the
    use cases are the organisation's)."""

    regions: dict[str, Grid]
    realised: Any
    innovation: InnovationFigures | None
    maturities: tuple[Any, ...]
    names: dict[str, dict[str, str]]


def quarter_facts(session: Session, catalog: Catalog, year: int, quarter: int, cutoff: date, currency: str,
                  as_of: datetime | None = None) -> QuarterFacts:
    """Every region's grid of the quarter, realised value at `cutoff`, the use cases as they stood that day,
    maturity and reference names; money in `currency`."""
    fx = fx_table(session)
    grids = region_grids(session, catalog, (year, quarter), (year, quarter), list(load_names(session).regions),
                         as_of, cutoff=min(quarter_end(year, quarter), today()))
    return QuarterFacts(
        regions={name: convert_grid(g, lambda amount, source, on: fx.convert(amount, source, currency, on),
                                    currency) for name, g in grids.items()},
        realised=realised_on(session, cutoff, currency=currency),
        innovation=_innovation(session, year, quarter, cutoff),
        maturities=tuple(maturity_for(session, year, quarter)), names=spanish_names(session))


def scope_facts(session: Session) -> Callable[[date, str], QuarterFacts]:
    """`facts` for a surface that renders only the scope's own figures (the CLI's scorecard and readiness): the
    reference names, and no other region's grid, value ledger, use cases or maturity. The scope's cells,
    verdict, gate and check-ins are the same as in the full report; only the organisation-wide parts are empty."""
    return lambda cutoff, currency: QuarterFacts(regions={}, realised=None, innovation=None, maturities=(),
                                                 names=spanish_names(session))


def build_report(session: Session, catalog: Catalog, year: int, quarter: int, scope: Scope | None = None, *,
                 currency: str | None = None, as_of: datetime | None = None,
                 facts: Callable[[date, str], QuarterFacts] | None = None) -> QuarterReport:
    """The report of (year, quarter) for `scope` in `currency` (default: the store's reporting currency),
    targets as in force at `as_of` (default: now). Reads everything once; raises FxError when a money
    figure has no rate to the reporting currency. `facts(cutoff, currency)`: the scope-independent parts
    when the caller keeps them (the app shares them between scopes); default: quarter_facts."""
    scope = scope or Scope()
    currency = report_currency(session, currency, catalog)
    end = min(quarter_end(year, quarter), today())
    recorded = build_grid(session, catalog, _first_quarter(session, year, quarter), (year, 4), scope, as_of,
                          cutoff=end)
    cutoff = quarter_cutoffs({k: {"last_period": c.last_period} for k, c in recorded.cells.items()
                              if c.actual is not None}, ((year, quarter),), end).get((year, quarter))
    cutoff = cutoff or quarter_start(year, quarter)
    checklists, gate = evaluate_checklists(session, catalog, load_checklists(), _unit(scope), year, quarter,
                                           recorded)  # thresholds are in the currency the data was recorded in
    fx = fx_table(session)
    grid = convert_grid(recorded, lambda amount, source, on: fx.convert(amount, source, currency, on), currency)
    cells = tuple(grid.cell(kpi.id, year, quarter) for kpi in catalog)
    shared = (facts or (lambda on, money: quarter_facts(session, catalog, year, quarter, on, money, as_of)))(
        cutoff, currency)
    return QuarterReport(
        year=year, quarter=quarter, scope=scope, currency=currency, as_of=as_of, cutoff=cutoff,
        in_progress=quarter_start(year, quarter) <= today() <= quarter_end(year, quarter),
        grid=grid, cells=cells, verdict=verdict(list(cells), gate), changes=what_changed(grid, list(cells)),
        gate=gate, checklists=tuple(checklists),
        checkins=latest_checkins(session, year, quarter, scope.region, scope.department),
        realised=shared.realised, innovation=shared.innovation, regions=shared.regions, maturities=shared.maturities,
        names=shared.names, catalog=catalog)


def _unit(scope: Scope) -> str:
    return scope.region or scope.department or ORGANISATION


def status_counts(cells: list[Cell] | tuple[Cell, ...]) -> dict[str, int]:
    """KPIs per status with "no target" counted apart (the same split as QuarterReport.counts)."""
    found = Counter("no_target" if c.no_target else c.status for c in cells)
    return {status: found[status] for status in (*STATUSES, "no_target")}


def json_ready(value: Any) -> Any:
    """JSON-ready: dates as ISO text, NaN and infinities as null (the CLI's and the API's JSON is always valid)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value
