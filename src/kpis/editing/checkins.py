"""Check-ins: an editor's note on a KPI for a quarter and scope (what happened, next step), with an
owner and a confidence. Every check-in is kept (history and audit); the latest one is shown on the
card, in "Why this status?", in the deck and in the digest."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kpis.catalog import Catalog
from kpis.editing.reasons import reason_of
from kpis.errors import Reason, ValidationError, field_words, joined
from kpis.escaping import text_problem
from kpis.kinds import CONFIDENCES, Confidence
from kpis.reference.names import require_names
from kpis.roles import Actor, require
from kpis.store import Session, Store, utc_now

__all__ = ["CONFIDENCES", "Checkin", "add_checkin", "checkin_history", "latest_checkins"]

MAX_NOTE = 2000


@dataclass(frozen=True)
class Checkin:
    kpi_id: str
    year: int
    quarter: int
    region: str | None
    department: str | None
    note: str
    owner: str | None
    confidence: Confidence
    by: str
    at: datetime

    def record(self) -> dict[str, Any]:
        """The JSON form (`scorecard --format json`: checkin)."""
        return {"note": self.note, "owner": self.owner, "confidence": self.confidence, "by": self.by,
                "at": self.at.isoformat(timespec="seconds") + "Z"}


@functools.cache
def _input_model():
    """The pydantic model of a check-in, built on first use: building a model class costs ~10 ms,
    which every read-only command (scorecard reads check-ins) would otherwise pay at import."""
    import pydantic

    class CheckinInput(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

        kpi_id: str
        year: int = pydantic.Field(ge=2000, le=2100)
        quarter: int = pydantic.Field(ge=1, le=4)
        note: str = pydantic.Field(min_length=1, max_length=MAX_NOTE)
        owner: str | None = pydantic.Field(default=None, max_length=200)
        confidence: Confidence = "medium"

        @pydantic.field_validator("note", "owner", mode="before")
        @classmethod
        def _text(cls, value: Any) -> Any:
            if isinstance(value, str) and (problem := text_problem(value)) is not None:
                raise ValueError(Reason(f"text_{problem}"))
            return value

    return CheckinInput


def _row(row: dict[str, Any]) -> Checkin:
    return Checkin(kpi_id=row["kpi_id"], year=int(row["year"]), quarter=int(row["quarter"]), region=row["region"],
                   department=row["department"], note=row["note"], owner=row["owner"],
                   confidence=row["confidence"], by=row["created_by"], at=row["created_at"])


def add_checkin(store: Store, catalog: Catalog, *, actor: Actor, kpi_id: str, year: int, quarter: int,
                note: str, owner: str | None = None, confidence: str = "medium", region: str | None = None,
                department: str | None = None, channel: str = "cli") -> Checkin:
    """Validate and record one check-in (with its audit entry, in one transaction)."""
    require(actor, "editor", "record a check-in")
    if kpi_id not in catalog:
        raise ValidationError.keyed("error.checkin_invalid", why=Reason("unknown_kpi", kpi=kpi_id))
    import pydantic

    try:
        data = _input_model()(kpi_id=kpi_id, year=year, quarter=quarter, note=note, owner=owner or None,
                            confidence=confidence)
    except pydantic.ValidationError as exc:
        why = joined([Reason("field", field=field_words(".".join(str(p) for p in err["loc"])), reason=reason_of(err))
                      for err in exc.errors()])
        raise ValidationError.keyed("error.checkin_invalid", why=why) from None
    now = utc_now()
    with store.write_session() as session:
        require_names(session, region=region, department=department)
        with session.transaction():
            session.con.execute(
                "INSERT INTO checkins (kpi_id, year, quarter, region, department, note, owner, confidence, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [data.kpi_id, data.year, data.quarter, region, department, data.note, data.owner, data.confidence,
                 actor.name, now])
            session.con.execute(
                "INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id, new_value, "
                "reason) VALUES (?, ?, ?, 'create', 'checkin', ?, ?, ?, ?)",
                [now, actor.name, channel,
                 f"{data.kpi_id} / {data.year}-Q{data.quarter} / {region or '*'} / {department or '*'}", data.kpi_id,
                 json.dumps({"owner": data.owner, "confidence": data.confidence}), data.note[:500]])
    return Checkin(data.kpi_id, data.year, data.quarter, region, department, data.note, data.owner,
                   data.confidence, actor.name, now)


def _records(session: Session, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = session.con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def latest_checkins(session: Session, year: int, quarter: int, region: str | None = None,
                    department: str | None = None) -> dict[str, Checkin]:
    """Per KPI id, the newest check-in for exactly this quarter and scope."""
    rows = _records(session, """SELECT * FROM checkins
        WHERE year = ? AND quarter = ? AND region IS NOT DISTINCT FROM ? AND department IS NOT DISTINCT FROM ?
        QUALIFY row_number() OVER (PARTITION BY kpi_id ORDER BY created_at DESC, checkin_id DESC) = 1""",
                    [year, quarter, region, department])
    return {row["kpi_id"]: _row(row) for row in rows}


def checkin_history(session: Session, kpi_id: str | None = None, year: int | None = None,
                    quarter: int | None = None, region: str | None = None,
                    department: str | None = None, limit: int = 200) -> list[Checkin]:
    """Check-ins, newest first: every one for a KPI x quarter x scope, or the newest `limit` overall."""
    if kpi_id is None:
        rows = _records(session, "SELECT * FROM checkins ORDER BY created_at DESC, checkin_id DESC LIMIT ?", [limit])
    else:
        rows = _records(session, """SELECT * FROM checkins WHERE kpi_id = ? AND year = ? AND quarter = ?
            AND region IS NOT DISTINCT FROM ? AND department IS NOT DISTINCT FROM ?
            ORDER BY created_at DESC, checkin_id DESC LIMIT ?""", [kpi_id, year, quarter, region, department, limit])
    return [_row(row) for row in rows]
