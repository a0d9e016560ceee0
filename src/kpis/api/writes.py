"""Writes over HTTP: rows of actuals or targets validated exactly as an import file (every row or none), and
one target's state with the version a client must send back to change it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kpis.catalog import Catalog
from kpis.editing.forms import current_target
from kpis.editing.imports import parse_rows, reference_context, write_parsed
from kpis.errors import RowError, ValidationError, localize
from kpis.packs import full_catalog, load_growth_pack
from kpis.roles import Actor
from kpis.store import Session, Store

__all__ = ["RowsRefused", "TargetState", "target_state", "write_rows"]

_HEADER = 1  # parse_rows numbers rows as a file's lines: the header is line 1, rows[0] is line 2


class RowsRefused(ValidationError):
    """Some rows of a request were bad: nothing was written. Each problem names its row's index."""

    def __init__(self, errors: tuple[RowError, ...]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the rows; nothing was written.", errors,
                         key="api.rows_refused", bad=len(errors))
        self.errors = errors

    def problems(self, lang: str) -> list[dict[str, Any]]:
        return [{"index": None if e.line <= _HEADER else e.line - _HEADER - 1, "reason": localize(e.reason, lang)}
                for e in self.errors]


def write_rows(store: Store, catalog: Catalog, kind: str, rows: list[dict[str, Any]], actor: Actor, *,
               create_missing: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Validate every row as an import of `kind` would (model, catalog bounds, duplicates, known names, derived
    KPIs, the target-change reason rule) and write them all in one transaction, or raise RowsRefused."""
    names: list[str] = []
    for row in rows:
        names += [key for key in row if key not in names]
    numbered = [(index + _HEADER + 1, dict(row)) for index, row in enumerate(rows)]
    reference, derived = reference_context(store)
    everything = full_catalog(catalog, load_growth_pack())
    parsed = parse_rows(kind, names, numbered, everything, reference, create_missing, derived)
    if parsed.errors:
        raise RowsRefused(parsed.errors)
    try:
        written = write_parsed(store, parsed, actor=actor, channel="api", dry_run=dry_run)
    except ValidationError as exc:
        if exc.rows:
            raise RowsRefused(exc.rows) from None
        raise
    return {"kind": kind, "rows": len(parsed.frame), "written": written,
            "unchanged": 0 if dry_run else len(parsed.frame) - written, "dry_run": dry_run,
            "added": {k: list(v) for k, v in parsed.missing.items()}}


class TargetState(BaseModel):
    """A target in force and its version; `etag` goes back in If-Match to change it."""

    kpi_id: str
    year: int
    quarter: int
    region: str | None
    department: str | None
    target: float | None = Field(description="null: no target set for this key yet")
    version: int | None
    changed_by: str | None
    changed_at: datetime | None
    reason: str | None
    etag: str = Field(description="Send it back as If-Match to change this target.")

    @staticmethod
    def version_of(etag: str) -> int | bool | None:
        """The version an If-Match names: an int, None for 'no target yet', False for something else."""
        value = etag.strip()
        value = value[2:] if value.startswith("W/") else value
        value = value.strip('"')
        if value == "none":
            return None
        if value.startswith("v") and value[1:].isdigit() and len(value) < 20:
            return int(value[1:])
        return False


def target_state(session: Session, kpi_id: str, year: int, quarter: int, region: str | None,
                 department: str | None) -> TargetState:
    row = current_target(session, kpi_id, year, quarter, region, department)
    version = None if row is None else int(row["version_id"])
    return TargetState(kpi_id=kpi_id, year=year, quarter=quarter, region=region, department=department,
                       target=None if row is None else row["target"], version=version,
                       changed_by=None if row is None else row["changed_by"],
                       changed_at=None if row is None else row["changed_at"],
                       reason=None if row is None else row["reason"],
                       etag="none" if version is None else f"v{version}")

