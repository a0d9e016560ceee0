"""Read the value ledger from the store into ProgramLedgers in one reporting currency."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from kpis.catalog import Catalog
from kpis.periods import Quarter, last_complete_month_end, quarter_end, quarter_start, today
from kpis.reference.names import program_starts
from kpis.store import Session
from kpis.value.fx import FxTable
from kpis.value.projection import BUILT_IN_SCENARIOS, ProgramLedger, Realised, Scenario, realised

__all__ = ["fx_table", "load_ledgers", "load_scenarios", "models_in_production", "realised_cutoff", "realised_on",
           "realised_roi_by_quarter", "reporting_currency"]


def fx_table(session: Session) -> FxTable:
    return session.remember(("fx_table",), lambda: FxTable(tuple(
        (r["base"], r["quote"], r["day"], float(r["rate"])) for r in session.rows("fx_rates"))))


def reporting_currency(session: Session, rows: list[dict[str, Any]]) -> str:
    """The store's setting, else the currency most ledger rows use, else MXN."""
    configured = session.get_setting("reporting_currency")
    if configured:
        return configured
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["currency"]] += 1
    return max(counts, key=counts.get) if counts else "MXN"


def load_ledgers(session: Session, *, program: str | None = None, currency: str | None = None,
                 on: date | None = None) -> tuple[list[ProgramLedger], str]:
    """Every program's streams, growth rates and investments, converted to `currency` (default:
    the reporting currency) with the newest FX rate on or before `on`."""
    stream_rows = session.rows("value_streams", program=program)
    investment_rows = session.rows("investments", program=program)
    currency = currency or reporting_currency(session, stream_rows + investment_rows)
    fx = fx_table(session)
    streams: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    growth: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
    investments: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for row in stream_rows:
        amount = fx.convert(row["amount"], row["currency"], currency, on)
        streams[row["program"]][row["stream"]][int(row["year"])] = amount
        if row["growth_rate"] is not None:
            latest = growth[row["program"]].get(row["stream"])
            if latest is None or latest[0] < row["year"]:
                growth[row["program"]][row["stream"]] = (int(row["year"]), float(row["growth_rate"]))
    for row in investment_rows:
        amount = fx.convert(row["amount"], row["currency"], currency, on)
        investments[row["program"]][int(row["year"])][row["category"]] = amount
    programs = sorted(set(streams) | set(investments))
    ledgers = [
        ProgramLedger(
            program=name,
            streams={s: dict(by_year) for s, by_year in streams[name].items()},
            growth={s: rate for s, (_, rate) in growth[name].items()},
            investments={y: dict(c) for y, c in investments[name].items()},
        )
        for name in programs
    ]
    return ledgers, currency


def realised_cutoff(day: date | None = None) -> date:
    """The date realised figures run to: the end of the last complete month (UTC)."""
    return last_complete_month_end(day or today())


def realised_on(session: Session, on: date | None = None, *, program: str | None = None,
                currency: str | None = None) -> Realised | None:
    """Value and investment recorded and accrued to `on` (default: realised_cutoff()); None without a
    ledger. The one source of realised ROI: the value page, the CLI, the deck and the roi_pct KPI."""
    ledgers, _ = load_ledgers(session, program=program, currency=currency)
    if not ledgers:
        return None
    return realised(ledgers, program_starts(session), on or realised_cutoff())


def realised_roi_by_quarter(session: Session, quarters: tuple[Quarter, ...],
                            ends: dict[Quarter, date]) -> dict[Quarter, tuple[float | None, date | None]]:
    """The `roi_pct` KPI where a value ledger exists: net ROI realised at each quarter's cut-off (`ends`:
    its last day, or the day the quarter in progress is reported to; a quarter without one has none),
    and the date it is measured at. Empty without a ledger (then imported roi_pct observations are the
    source)."""
    ledgers, _ = load_ledgers(session)
    if not ledgers:
        return {}
    starts = program_starts(session)
    first_start = min((d for d in starts.values() if d is not None), default=None)
    found: dict[Quarter, tuple[float | None, date | None]] = {}
    for quarter in quarters:
        on = ends.get(quarter)
        if first_start is None or on is None or on < first_start:
            found[quarter] = (None, None)
            continue
        found[quarter] = (realised(ledgers, starts, on).net_roi_pct, on)
    return found


def load_scenarios(session: Session) -> dict[str, tuple[Scenario, dict[str, Any]]]:
    """Saved scenarios (built-ins first), each with who made it and its note."""
    found = {}
    for row in session.rows("value_scenarios"):
        scenario = Scenario(row["name"], float(row["growth_scale"]), float(row["investment_scale"]),
                            None if row["growth_cap"] is None else float(row["growth_cap"]),
                            None if row.get("run_cost") is None else float(row["run_cost"]))
        found[row["name"]] = (scenario, row)
    for name, (growth, investment, cap, note) in BUILT_IN_SCENARIOS.items():
        if name not in found:
            found[name] = (Scenario(name, growth, investment, cap),
                           {"note": note, "created_by": "built-in", "created_at": None})
    order = list(BUILT_IN_SCENARIOS) + sorted(n for n in found if n not in BUILT_IN_SCENARIOS)
    return {name: found[name] for name in order}


def models_in_production(session: Session, catalog: Catalog) -> float | None:
    """The latest quarter's organisation-level value of `models_in_production` (catalog rules)."""
    quarters = session.rows("data_quarters")
    if not quarters or "models_in_production" not in catalog:
        return None
    first, last = quarters[-1], quarters[0]
    rows = session.rows("quarter_values", start=quarter_start(first["year"], first["quarter"]),
                        end=quarter_end(last["year"], last["quarter"]), region=None, department=None,
                        kpi="models_in_production")  # one KPI's rows, not every KPI's
    values = [(r["year"], r["quarter"], r["actual"]) for r in rows]
    return max(values)[2] if values else None
