"""Success checklists and the readiness-to-scale gate: items decided from data or ticked by editors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kpis.catalog import Catalog
from kpis.i18n import t
from kpis.maturity.levels import LEVEL_KEYS, Assessment, Maturity, assess
from kpis.packs import Checklist, ChecklistItem
from kpis.periods import quarter_end
from kpis.reference.names import ORGANISATION_UNIT, load_names
from kpis.scorecard import Grid, Scope, build_grid
from kpis.store import Session

__all__ = [
    "ORGANISATION",
    "ChecklistResult",
    "Gate",
    "ItemResult",
    "evaluate_checklists",
    "load_assessments",
    "maturity_for",
    "maturity_record",
    "readiness_record",
    "unit_scope",
]

ORGANISATION = ORGANISATION_UNIT  # the fixed unit for the whole organisation (reference data names it)
GATE_ID = "prerequisites"


@dataclass(frozen=True)
class ItemResult:
    checklist: str
    item: ChecklistItem
    met: bool | None  # None: decided from data but there is no data
    source: str  # "data" or "editor"
    actual: float | None = None
    ticked_by: str | None = None


@dataclass(frozen=True)
class ChecklistResult:
    checklist: Checklist
    items: tuple[ItemResult, ...]

    @property
    def done(self) -> int:
        return sum(1 for r in self.items if r.met)

    @property
    def pct(self) -> float:
        return 100 * self.done / len(self.items) if self.items else 0.0


@dataclass(frozen=True)
class Gate:
    """The verdict from the eight prerequisites: ready to scale, or what is missing."""

    items: tuple[ItemResult, ...]

    @property
    def ready(self) -> bool:
        return all(r.met for r in self.items)

    @property
    def missing(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if not r.met)


def unit_scope(session: Session, unit: str) -> Scope:
    """A unit named like a known region or department (reference data: every name the data uses)
    reads that scope; else the organisation. Reads the small reference tables, not the observations."""
    names = load_names(session)
    if unit in names.regions:
        return Scope(region=unit)
    if unit in names.departments:
        return Scope(department=unit)
    return Scope()


def _first_positive(session: Session, kpi_id: str, scope: Scope, end: date) -> date | None:
    return session.rows("first_positive_period", kpi_id=kpi_id, end=end, region=scope.region,
                        department=scope.department)[0]["first_period"]


def _months_live(session: Session, kpi_id: str, scope: Scope, year: int, quarter: int) -> float | None:
    end = quarter_end(year, quarter)
    if session.memo is None:
        first = _first_positive(session, kpi_id, scope, end)
    else:  # the first ever, kept per version of the data: it is the first up to `end` if it is not after it
        first = session.remember(("first_positive", kpi_id, scope.region, scope.department),
                                 lambda: _first_positive(session, kpi_id, scope, date.max))
    if first is None or first > end:
        return None
    return (end.year - first.year) * 12 + end.month - first.month


def evaluate_checklists(session: Session, catalog: Catalog, checklists: tuple[Checklist, ...], unit: str,
                        year: int, quarter: int, grid: Grid | None = None) -> tuple[list[ChecklistResult], Gate]:
    """Every checklist with % complete, and the gate. Data items use the unit's quarter values: from
    `grid` when it is that unit's scope (current targets) and holds the quarter (the dashboard's own
    grid, so its cards and its gate read one computation), else from a grid built here."""
    scope = unit_scope(session, unit)
    if grid is None or grid.scope != scope or (year, quarter) not in grid.quarters:
        grid = build_grid(session, catalog, (year, quarter), (year, quarter), scope)
    ticks = {(r["checklist"], r["item"]): r for r in session.rows("checklist_ticks", unit=unit, year=year,
                                                                   quarter=quarter)}
    results, gate = [], Gate(())
    for checklist in checklists:
        items = []
        for item in checklist.items:
            criterion = item.criterion
            if criterion is not None and criterion.kpi in catalog:
                actual = (_months_live(session, criterion.kpi, scope, year, quarter) if criterion.op == "months_live>"
                          else grid.cell(criterion.kpi, year, quarter).actual)
                items.append(ItemResult(checklist.id, item, criterion.holds(actual), "data", actual))
            else:
                tick = ticks.get((checklist.id, item.id))
                items.append(ItemResult(checklist.id, item, bool(tick and tick["done"]), "editor",
                                        ticked_by=tick["updated_by"] if tick else None))
        if checklist.id == GATE_ID:
            gate = Gate(tuple(items))
        else:
            results.append(ChecklistResult(checklist, tuple(items)))
    return results, gate


def load_assessments(session: Session, year: int, quarter: int, unit: str | None = None
                     ) -> dict[str, list[Assessment]]:
    """Per unit, its assessments up to (year, quarter), newest first."""
    by_key: dict[tuple[str, int, int], dict[str, Any]] = {}
    for row in session.rows("maturity_scores", year=year, quarter=quarter, unit=unit):
        entry = by_key.setdefault((row["unit"], row["year"], row["quarter"]),
                                  {"scores": {}, "targets": {}, "evidence": {}, "assessor": row["assessor"]})
        entry["scores"][row["dimension"]] = float(row["score"])
        entry["targets"][row["dimension"]] = None if row["target"] is None else float(row["target"])
        entry["evidence"][row["dimension"]] = row["evidence"]
    units: dict[str, list[Assessment]] = {}
    for (name, y, q), entry in by_key.items():
        units.setdefault(name, []).append(Assessment(name, y, q, entry["scores"], entry["targets"],
                                                     entry["assessor"], entry["evidence"]))
    for assessments in units.values():
        assessments.sort(key=lambda a: (a.year, a.quarter), reverse=True)
    return units


def maturity_for(session: Session, year: int, quarter: int, unit: str | None = None) -> list[Maturity]:
    """Each unit assessed in (year, quarter), compared with its previous assessment."""
    found = []
    for assessments in load_assessments(session, year, quarter, unit).values():
        current = assessments[0]
        if (current.year, current.quarter) != (year, quarter):
            continue
        previous = assessments[1] if len(assessments) > 1 else None
        found.append(assess(current, previous))
    return sorted(found, key=lambda m: m.assessment.unit)



def _item_record(result: ItemResult, lang: str) -> dict[str, Any]:
    return {"id": result.item.id, "label": result.item.label(lang), "met": result.met, "source": result.source,
            "kpi": result.item.kpi, "threshold": result.item.value, "actual": result.actual}


def maturity_record(maturity: Maturity, lang: str = "en") -> dict[str, Any]:
    """The `maturity --format json` object for one unit."""
    def name(level: int | None) -> str | None:
        return None if level is None else t(f"level.{LEVEL_KEYS[level]}", lang)

    a = maturity.assessment
    return {
        "unit": a.unit, "year": a.year, "quarter": a.quarter,
        "level": maturity.level, "level_name": name(maturity.level),
        "mean_level": maturity.mean_level, "mean_level_name": name(maturity.mean_level),
        "mean_score": maturity.mean_score, "level_rule": "gated",
        "scores": a.scores, "targets": a.targets, "gaps": maturity.gaps,
        "weakest": list(maturity.weakest), "missing": list(maturity.missing),
        "blocking_next_level": list(maturity.blocking_next_level),
        "previous_level": maturity.previous_level, "level_change": maturity.level_change,
        "score_change": maturity.score_change, "assessor": a.assessor,
    }


def readiness_record(unit: str, year: int, quarter: int, checklists: list[ChecklistResult], gate: Gate,
                     lang: str = "en") -> dict[str, Any]:
    """The `readiness --format json` object: the verdict, what is missing, and every checklist."""
    return {
        "unit": unit, "year": year, "quarter": quarter, "ready": gate.ready,
        "verdict": "ready to scale" if gate.ready else "not yet",
        "missing": [r.item.id for r in gate.missing],
        "missing_labels": [r.item.label(lang) for r in gate.missing],
        "prerequisites": [_item_record(r, lang) for r in gate.items],
        "checklists": [
            {"id": c.checklist.id, "name": c.checklist.name(lang), "done": c.done, "total": len(c.items),
             "pct": c.pct, "items": [_item_record(r, lang) for r in c.items]}
            for c in checklists
        ],
    }
