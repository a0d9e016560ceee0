"""The write path for forms: role checks, validation, optimistic concurrency, audit.

A form remembers the version it loaded (a target's version_id, an observation's obs_id; None
when nothing existed). Saving over a newer version raises ConflictError naming who changed it
and when; nothing is written, and the caller keeps the user's input on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from kpis.catalog import Catalog
from kpis.derived import derived_kpis
from kpis.errors import ConflictError, Reason, RowError, ValidationError, joined
from kpis.escaping import text_problem
from kpis.periods import quarter_start
from kpis.periods import today as current_day
from kpis.records import (
    InvestmentRecord,
    MaturityRecord,
    ObservationRecord,
    TargetRecord,
    TickRecord,
    ValueRecord,
    field_words,
)
from kpis.reference.names import require_names
from kpis.roles import Actor, require
from kpis.store import Session, Store

__all__ = [
    "Change",
    "current_observation",
    "current_target",
    "delete_actual",
    "freeze_quarter",
    "frozen_quarters",
    "record_actual",
    "save_fx_rate",
    "save_investment",
    "save_maturity",
    "save_ticks",
    "save_value_stream",
    "set_reporting_currency",
    "set_target",
]


@dataclass(frozen=True)
class Change:
    """What a save did, for the confirmation message (old -> new)."""

    entity: str
    key: str
    old: float | None
    new: float | None
    restatement: bool = False


def _scope_text(region: str | None, department: str | None) -> str:
    return " / ".join([region or "all regions", department or "all departments"])


def current_target(session: Session, kpi_id: str, year: int, quarter: int, region: str | None,
                   department: str | None) -> dict[str, Any] | None:
    rows = session.rows("current_target", kpi_id=kpi_id, year=year, quarter=quarter, region=region,
                        department=department)
    return rows[0] if rows else None


def current_observation(session: Session, kpi_id: str, period: date, region: str | None,
                        department: str | None) -> dict[str, Any] | None:
    rows = session.rows("current_observation", kpi_id=kpi_id, period=period, region=region, department=department)
    return rows[0] if rows else None


def frozen_quarters(session: Session) -> dict[tuple[int, int], dict[str, Any]]:
    return {(r["year"], r["quarter"]): r for r in session.rows("frozen_quarters")}


def _check_kpi(record: Any, catalog: Catalog, field: str, value: float) -> None:
    """The same catalog checks as imports (Catalog.value_problems), raised as one ValidationError."""
    problems = catalog.value_problems(record.kpi_id, field, value)
    if problems:
        raise ValidationError.keyed("error.sentence", tuple(RowError(1, p) for p in problems), reason=joined(problems))


def _conflict(session: Session, entity: str, key: str, what: str) -> ConflictError:
    rows = session.rows("last_change", entity=entity, entity_key=key)
    who = Reason("by_at", actor=rows[0]["actor"], at=rows[0]["logged_at"]) if rows else Reason("someone")
    return ConflictError(f"{what} was changed by {who} after you opened it. Nothing was saved; "
                         "your input is still in the form: review the new value and save again.",
                         key="error.conflict", who=who)


def set_target(store: Store, catalog: Catalog, actor: Actor, record: TargetRecord, *,
               expected_version: int | None, today: date | None = None, channel: str = "form") -> Change:
    """Append a new target version if nobody changed the target since `expected_version` was
    loaded. Changing a target in force needs a reason once the quarter has started, and for frozen
    quarters (a restatement): apply_target_rule, the same rule as imports."""
    require(actor, "editor", "change targets")
    _check_kpi(record, catalog, "target", record.target)
    today = today or current_day()
    key = f"{record.kpi_id} / {record.year}-Q{record.quarter} / {record.region or '*'} / {record.department or '*'}"
    with store.write_session() as session:
        require_names(session, region=record.region, department=record.department)
        current = current_target(session, record.kpi_id, record.year, record.quarter, record.region,
                                 record.department)
        if (current["version_id"] if current else None) != expected_version:
            raise _conflict(session, "target", key, f"The target {key}")
        old = current["target"] if current else None
        if old == record.target:
            return Change("target", key, old, record.target)
        frame, errors = apply_target_rule(session, pd.DataFrame([record.model_dump()]), (1,), today)
        if errors:
            raise ValidationError(f"A reason is required: {errors[0].reason.params['reason']}.", errors,
                                  key="error.reason_required", quarter=f"{record.year}-Q{record.quarter}")
        session.append_targets(frame, actor=actor.name, channel=channel)
        frozen = (record.year, record.quarter) in frozen_quarters(session)
    return Change("target", key, old, record.target, restatement=frozen)


def apply_target_rule(session: Session, frame: pd.DataFrame, lines: tuple[int, ...],
                      today: date | None = None) -> tuple[pd.DataFrame, tuple[RowError, ...]]:
    """The one rule for every target write (form, import): a row that changes a target already in
    force for a quarter that has started, or is frozen, needs a reason, and a frozen quarter's change
    is marked as a restatement. A first target for a quarter (recording the plan) needs none.
    Returns the rows with their reasons as they will be stored, and every row that breaks the rule
    (by its line)."""
    today = today or current_day()
    frozen = frozen_quarters(session)
    reasons, errors = [], []
    for line, row in zip(lines, frame.itertuples(index=False)):
        reason = None if row.reason is None or pd.isna(row.reason) else str(row.reason)
        is_frozen = (int(row.year), int(row.quarter)) in frozen
        started = quarter_start(int(row.year), int(row.quarter)) <= today
        changes = _target_changes(session, row)
        if changes and (started or is_frozen) and not reason:
            why = Reason("needs_reason_frozen" if is_frozen else "needs_reason_started",
                         quarter=f"{int(row.year)}-Q{int(row.quarter)}")
            errors.append(RowError(line, Reason("field", field="reason", reason=why)))
        reasons.append(f"[restatement] {reason}" if changes and is_frozen and reason else reason)
    return frame.assign(reason=reasons), tuple(errors)


def _target_changes(session: Session, row: Any) -> bool:
    region = None if row.region is None or pd.isna(row.region) else row.region
    department = None if row.department is None or pd.isna(row.department) else row.department
    current = current_target(session, row.kpi_id, int(row.year), int(row.quarter), region, department)
    return current is not None and current["target"] is not None and current["target"] != row.target


def record_actual(store: Store, catalog: Catalog, actor: Actor, record: ObservationRecord, *,
                  expected_obs_id: int | None) -> Change:
    """Insert or replace one observation if it is unchanged since `expected_obs_id` was loaded."""
    require(actor, "editor", "record actuals")
    _check_kpi(record, catalog, "value", record.value)
    key = f"{record.kpi_id} / {record.period} / {record.region or '*'} / {record.department or '*'}"
    with store.write_session() as session:
        require_names(session, region=record.region, department=record.department)
        derived = derived_kpis(session)
        if record.kpi_id in derived:
            raise ValidationError.keyed("error.derived", (RowError(1, Reason("field", field="kpi_id",
                                                                           reason=derived[record.kpi_id])),),
                                        kpi=catalog.get(record.kpi_id).words, reason=derived[record.kpi_id])
        current = current_observation(session, record.kpi_id, record.period, record.region, record.department)
        if (current["obs_id"] if current else None) != expected_obs_id:
            raise _conflict(session, "observation", key, f"The actual {key}")
        session.upsert_observations(pd.DataFrame([record.model_dump()]), actor=actor.name, channel="form")
    return Change("observation", key, current["value"] if current else None, record.value)


def delete_actual(store: Store, actor: Actor, *, obs_id: int, reason: str | None) -> Change:
    """Delete a mistaken observation (kept in deleted_observations and the audit log)."""
    require(actor, "editor", "delete actuals")
    if not reason or not reason.strip() or text_problem(reason) == "invisible":
        raise ValidationError.keyed("error.delete_reason",
                                    (RowError(1, Reason("field", field="reason", reason=Reason("delete_reason"))),))
    _check_text("reason", reason)
    with store.write_session() as session:
        row = session.con.execute(
            "SELECT kpi_id, period, region, department, value FROM observations WHERE obs_id = ?", [obs_id]
        ).fetchone()
        if row is None:
            raise ConflictError.keyed("error.actual_gone")
        session.delete_observation(obs_id, actor=actor.name, channel="form", reason=reason.strip())
    kpi_id, period, region, department, value = row
    return Change("observation", f"{kpi_id} / {period} / {_scope_text(region, department)}", value, None)


def _check_text(field: str, value: str) -> None:
    """A typed text with a control character or nothing visible is refused (kpis.escaping.text_problem)."""
    problem = text_problem(value)
    if problem is not None:
        why = Reason("field", field=field_words(field), reason=Reason(f"text_{problem}"))
        raise ValidationError.keyed("error.sentence", (RowError(1, why),), reason=why)


def freeze_quarter(store: Store, actor: Actor, year: int, quarter: int, note: str | None = None) -> None:
    """Freeze a quarter as the board-approved snapshot (admins)."""
    require(actor, "admin", "freeze a quarter")
    if note:
        _check_text("note", note)
    with store.write_session() as session:
        if (year, quarter) in frozen_quarters(session):
            raise ConflictError.keyed("error.already_frozen", quarter=f"{year}-Q{quarter}")
        session.freeze_quarter(year, quarter, actor=actor.name, channel="form", note=note)


def _save_records(store: Store, actor: Actor, records: list, writer: str, action: str) -> int:
    """Validate the role, then write the records in one transaction with the named Session writer."""
    require(actor, "editor", action)
    if not records:
        return 0
    with store.write_session() as session:
        return getattr(session, writer)(pd.DataFrame([r.model_dump() for r in records]), actor=actor.name,
                                        channel="form")


def save_value_stream(store: Store, actor: Actor, record: ValueRecord) -> int:
    """Insert or replace one value-stream amount (audited)."""
    return _save_records(store, actor, [record], "upsert_value_streams", "change value streams")


def save_investment(store: Store, actor: Actor, record: InvestmentRecord) -> int:
    """Insert or replace one investment amount (audited)."""
    return _save_records(store, actor, [record], "upsert_investments", "change investments")


def save_maturity(store: Store, actor: Actor, records: list[MaturityRecord]) -> int:
    """Insert or replace a unit's dimension scores for a quarter (audited)."""
    return _save_records(store, actor, records, "upsert_maturity", "enter maturity assessments")


def save_ticks(store: Store, actor: Actor, records: list[TickRecord]) -> int:
    """Insert or replace checklist ticks (only items that are not decided from data)."""
    return _save_records(store, actor, records, "upsert_ticks", "tick checklist items")


def save_fx_rate(store: Store, actor: Actor, base: str, quote: str, day: date, rate: float) -> int:
    """Insert or replace a dated exchange rate (1 base = rate quote), audited; editors and admins."""
    require(actor, "editor", "change FX rates")
    if not math.isfinite(rate) or rate <= 0 or rate > 1e6 or base == quote:  # nan, inf, negative: never a rate
        raise ValidationError.keyed("error.bad_rate",
                                    (RowError(1, Reason("field", field="rate", reason=Reason("bad_rate"))),))
    with store.write_session() as session:
        return session.upsert_fx_rates(pd.DataFrame([(base, quote, day, rate)],
                                                    columns=["base", "quote", "day", "rate"]),
                                       actor=actor.name, channel="form")


def set_reporting_currency(store: Store, actor: Actor, currency: str) -> None:
    """Change the store's reporting currency (admins), audited."""
    require(actor, "admin", "change the reporting currency")
    with store.write_session() as session, session.transaction():
        old = session.get_setting("reporting_currency")
        session.set_setting("reporting_currency", currency)
        session.record_audit(actor=actor.name, channel="form", action="update", entity="setting",
                             entity_key=f"reporting_currency: {old} -> {currency}", reason=None)
