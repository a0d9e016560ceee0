"""The innovation funnel (SPEC section 7): use cases, conversion between stages, the pipeline by
horizon against the target mix, launches per quarter, success rate, stuck use cases, patterns.

Definitions: a use case *reached* a stage when its history has that stage or a later one.
*Launched* = entered `scaled`. *Success rate* at a date = scaled / (scaled + stopped after
reaching experimentation): ideas dropped before a proof of concept are triage, not failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from kpis.derived import INNOVATION_KPIS
from kpis.periods import quarter_end, quarter_of, shift_quarter
from kpis.periods import today as current_day
from kpis.roles import Actor, require
from kpis.store import Session, Store, in_list

if TYPE_CHECKING:
    import pandas as pd

    from kpis.records import UseCaseRecord

__all__ = [
    "FUNNEL_STAGES",
    "HORIZON_MIX",
    "PATTERN_ROI",
    "REFERENCE_FUNNEL",
    "UseCase",
    "derived_observations",
    "funnel",
    "horizon_mix",
    "launches_by_quarter",
    "load_use_cases",
    "pattern_counts",
    "save_use_cases",
    "stuck",
    "success_rate",
]

FUNNEL_STAGES = ("idea", "evaluation", "experimentation", "validation", "scaled")
REFERENCE_FUNNEL = {"idea": 100, "evaluation": 20, "experimentation": 10, "validation": 5, "scaled": 2.5}
HORIZON_MIX = {"H1": 20.0, "H2": 30.0, "H3": 10.0, "operational_excellence": 40.0}  # % of investment
PATTERN_ROI = {"replication": (3, 5), "adaptation": (2, 4), "evolution": (4, 6), "innovation": (5, 10),
               "platform": (10, 20)}


@dataclass(frozen=True)
class UseCase:
    name: str
    stage: str
    horizon: str
    pattern: str | None
    region: str | None
    department: str | None
    started: date | None
    stage_changed: date | None
    history: tuple[tuple[str, date], ...] = field(default=())  # (stage, entered), oldest first

    def reached(self, stage: str, by: date | None = None) -> bool:
        target = FUNNEL_STAGES.index(stage)
        return any(s in FUNNEL_STAGES and FUNNEL_STAGES.index(s) >= target and (by is None or d <= by)
                   for s, d in self.history)

    def stage_on(self, day: date) -> str | None:
        known = [s for s, d in self.history if d <= day]
        return known[-1] if known else None

    def entered(self, stage: str) -> date | None:
        return next((d for s, d in self.history if s == stage), None)


def funnel(cases: list[UseCase], year: int) -> list[tuple[str, int, float | None]]:
    """(stage, use cases started in `year` that reached it, conversion from the previous stage)."""
    cohort = [c for c in cases if c.started and c.started.year == year]
    rows, previous = [], None
    for stage in FUNNEL_STAGES:
        count = sum(1 for c in cohort if c.reached(stage))
        rows.append((stage, count, None if previous in (None, 0) else count / previous))
        previous = count
    return rows


def horizon_mix(cases: list[UseCase]) -> dict[str, tuple[int, float]]:
    """Per horizon: active use cases (not stopped) and their share in %, beside HORIZON_MIX."""
    active = [c for c in cases if c.stage != "stopped"]
    total = len(active) or 1
    return {h: (n := sum(1 for c in active if c.horizon == h), 100 * n / total) for h in HORIZON_MIX}


def launches_by_quarter(cases: list[UseCase], first: tuple[int, int], last: tuple[int, int]) -> dict:
    """(year, quarter) -> use cases that entered `scaled` in that quarter."""
    counts = {}
    quarter = first
    while quarter <= last:
        counts[quarter] = sum(1 for c in cases if (d := c.entered("scaled")) and quarter_of(d) == quarter)
        quarter = shift_quarter(*quarter, 1)
    return counts


def success_rate(cases: list[UseCase], on: date) -> float | None:
    """Scaled / (scaled + stopped after reaching experimentation), as of `on`, in %."""
    scaled = sum(1 for c in cases if c.reached("scaled", on))
    failed = sum(1 for c in cases if c.stage_on(on) == "stopped" and c.reached("experimentation", on))
    return None if scaled + failed == 0 else 100 * scaled / (scaled + failed)


def stuck(cases: list[UseCase], on: date, days: int) -> list[tuple[UseCase, int]]:
    """Use cases still in progress whose current stage is older than `days` days, longest first."""
    found = [(c, (on - c.stage_changed).days) for c in cases
             if c.stage not in ("scaled", "stopped") and c.stage_changed and (on - c.stage_changed).days > days]
    return sorted(found, key=lambda pair: -pair[1])


def pattern_counts(cases: list[UseCase]) -> dict[str, int]:
    return {p: sum(1 for c in cases if c.pattern == p) for p in PATTERN_ROI}


def derived_observations(cases: list[UseCase]) -> pd.DataFrame:
    """The scorecard's innovation KPIs per quarter, computed from the use-case records (one
    organisation-level observation per KPI at each quarter end; for the last quarter, at the date of
    the newest record, never a date in the future). The Innovation page reads the same dates."""
    import pandas as pd

    days = [d for c in cases for _, d in c.history]
    if not days:
        return pd.DataFrame(columns=["kpi_id", "period", "region", "department", "value", "source"])
    first, last = quarter_of(min(days)), quarter_of(max(days))
    rows = []
    for (year, quarter), launched in launches_by_quarter(cases, first, last).items():
        end = min(quarter_end(year, quarter), max(days))  # the quarter in progress: as of the last record
        rows.append(("new_use_cases", end, None, None, float(launched), "use_cases"))
        rows.append(("pipeline_in_evaluation", end, None, None,
                     float(sum(1 for c in cases if c.stage_on(end) == "evaluation")), "use_cases"))
        rate = success_rate(cases, end)
        if rate is not None:
            rows.append(("use_case_success_rate_pct", end, None, None, round(rate, 4), "use_cases"))
    return pd.DataFrame(rows, columns=["kpi_id", "period", "region", "department", "value", "source"])


def load_use_cases(session: Session) -> list[UseCase]:
    history: dict[str, list[tuple[str, date]]] = {}
    for row in session.rows("use_case_stages"):
        history.setdefault(row["name"], []).append((row["stage"], row["entered"]))
    return [UseCase(r["name"], r["stage"], r["horizon"], r["pattern"], r["region"], r["department"], r["started"],
                    r["stage_changed"], tuple(sorted(history.get(r["name"], []), key=lambda h: h[1])))
            for r in session.rows("use_cases")]


def save_use_cases(store: Store, actor: Actor, records: list[UseCaseRecord], channel: str = "form",
                   history: list[tuple[str, str, date]] | None = None) -> int:
    """Insert or update use cases, append a stage-history entry for every stage change, and
    refresh the innovation KPIs derived from them, in one transaction."""
    require(actor, "editor", "change use cases")
    with store.write_session() as session:
        return write_use_cases(session, actor, records, channel, history)


def write_use_cases(session: Session, actor: Actor, records: list[UseCaseRecord], channel: str = "form",
                    history: list[tuple[str, str, date]] | None = None) -> int:
    """save_use_cases inside an open session (joins its transaction)."""
    import pandas as pd

    require(actor, "editor", "change use cases")
    today = current_day()
    frame = pd.DataFrame([r.model_dump() for r in records])
    frame["started"] = frame["started"].where(frame["started"].notna(), today)
    frame["stage_changed"] = [r.stage_changed or r.started or today for r in records]
    with session.transaction():
        stored = {r["name"]: r for r in session.rows("use_cases")}
        entries = list(history or [])
        for record, changed in zip(records, frame["stage_changed"]):
            before = stored.get(record.name)
            if before is None and record.stage != "idea" and not history:
                entries.append((record.name, "idea", record.started or changed))
            if before is None or before["stage"] != record.stage:
                entries.append((record.name, record.stage, changed))
        written = session.upsert_keyed(
            "use_cases", ("name",), ("stage", "horizon", "pattern", "region", "department", "started", "stage_changed"),
            frame, entity="use_case", actor=actor.name, channel=channel,
            stamps={"updated_by": "actor", "updated_at": "now"})
        if entries:
            session.con.executemany(
                "INSERT INTO use_case_stages VALUES (?, ?, ?, ?, now()) ON CONFLICT DO NOTHING",
                [(name, stage, day, actor.name) for name, stage, day in entries])
        refresh_derived(session, actor.name, derived_observations(load_use_cases(session)))
    return written


def refresh_derived(session: Session, actor: str, derived: pd.DataFrame) -> None:
    """Make the organisation-level observations of the derived KPIs equal `derived`: changed values
    are replaced and stale ones deleted, each with an audit row. Observations are identified by the
    KPI being derived (never by their free-text source), and other KPIs are never touched."""
    import pandas as pd

    keep = [f"{row.kpi_id}|{pd.Timestamp(row.period).date().isoformat()}" for row in derived.itertuples()]
    session.delete_observations(
        f"kpi_id IN {in_list(INNOVATION_KPIS)} AND region IS NULL AND department IS NULL "
        f"AND kpi_id || '|' || period::VARCHAR NOT IN {in_list(keep)}",
        [*INNOVATION_KPIS, *keep], actor=actor, channel="derived",
        reason="no longer derived from the use-case records")
    session.upsert_observations(derived, actor=actor, channel="derived")
