"""The answers the HTTP API and the MCP server give: plain JSON-ready records built from one quarter's report.

Both doors ask the same questions (the report and its verdict, why a KPI has its status, forecast misses,
regions, value, readiness, maturity, the audit log) and answer from the same `QuarterReport` as the pages,
the deck and the CLI, so a figure never differs between them. Every report answer starts with `context`:
the quarter, the scope, the reporting currency and the cut-off it was built for."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import astuple, dataclass
from datetime import date, datetime
from typing import Any

from kpis.catalog import Catalog
from kpis.changes import Move
from kpis.errors import KpiError, ValidationError
from kpis.explain import checkin_lines, explain_cell, forecast_lines
from kpis.maturity.readiness import ORGANISATION, maturity_for, maturity_record, readiness_record, unit_scope
from kpis.periods import today
from kpis.reference.names import label, require_names, scope_label
from kpis.report import (
    QuarterReport,
    build_report,
    json_ready,
    report_currency,
    report_quarter,
    status_counts,
    status_word,
)
from kpis.scorecard import Scope
from kpis.store import Session, Store
from kpis.value.valuation import value_headline, value_record, value_summary

__all__ = [
    "AUDIT_PAGE",
    "Query",
    "ReportCache",
    "asked_quarter",
    "audit_page",
    "catalog_records",
    "forecast_misses",
    "maturity_answer",
    "readiness_answer",
    "regions_answer",
    "report_answer",
    "scorecard_answer",
    "value_answer",
    "why_answer",
]

AUDIT_PAGE = 100  # audit entries per page unless the caller asks for fewer or more (up to AUDIT_MAX)
AUDIT_MAX = 1000


@dataclass(frozen=True)
class Query:
    """Which report: a quarter (None: the latest with data up to today), a scope, a reporting currency
    (None: the store's), targets as they stood at `as_of` (None: now), and the reader's language."""

    year: int | None = None
    quarter: int | None = None
    region: str | None = None
    department: str | None = None
    currency: str | None = None
    as_of: datetime | None = None
    lang: str = "en"

    def report(self, session: Session, catalog: Catalog) -> QuarterReport:
        require_names(session, region=self.region, department=self.department)
        year, quarter = asked_quarter(session, self.year, self.quarter)
        return build_report(session, catalog, year, quarter, Scope(self.region, self.department),
                            currency=self.currency, as_of=self.as_of)  # build_report checks the currency


def asked_quarter(session: Session, year: int | None, quarter: int | None) -> tuple[int, int]:
    """The quarter a question names (both year and quarter), else the latest with data up to today."""
    if (year is None) != (quarter is None):
        raise ValidationError.keyed("error.year_and_quarter")
    return report_quarter(session, year, quarter)


class ReportCache:
    """The reports a server built lately, reused while the store is unchanged (its data version) on the same
    day: a report is immutable and does not depend on the reader's language, so every request and every
    process thread may share it. Any write to the store changes the version, so nothing stale is served."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._reports: OrderedDict[tuple, QuarterReport] = OrderedDict()
        self._reads: OrderedDict[tuple, dict] = OrderedDict()  # Session.memo per (store, data version, day)
        self._lock = threading.Lock()

    def report(self, store: Store, catalog: Catalog, query: Query) -> QuarterReport:
        key = (store.target, store.data_version(), today(), *astuple(query)[:-1])  # all but the language
        with self._lock:
            found = self._reports.get(key)
            if found is not None:
                self._reports.move_to_end(key)
                return found
            reads = self._reads.setdefault(key[:3], {})  # reads every report of this data version shares
            self._reads.move_to_end(key[:3])
            while len(self._reads) > 4:
                self._reads.popitem(last=False)
        with store.session() as session:
            session.memo = reads
            found = query.report(session, catalog)
        with self._lock:
            self._reports[key] = found
            while len(self._reports) > self.size:
                self._reports.popitem(last=False)
        return found


def context(report: QuarterReport, lang: str) -> dict[str, Any]:
    """What every answer names: its quarter, scope, currency and cut-off (and whether it is to date)."""
    return {
        "quarter": report.label, "year": report.year, "quarter_number": report.quarter,
        "quarter_to_date": report.in_progress, "cutoff": report.cutoff, "data_to": report.data_to,
        "region": report.scope.region, "department": report.scope.department,
        "scope_label": scope_label(report.scope.region, report.scope.department, lang, report.names),
        "currency": report.currency, "when": report.when(lang),
    }


def catalog_records(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    return [{"id": k.id, "name": k.name(lang), "family": k.family, "unit": k.unit, "direction": k.direction,
             "over_time": k.over_time, "across_scope": k.across_scope} for k in catalog]


def scorecard_answer(report: QuarterReport, lang: str) -> list[dict[str, Any]]:
    """The rows of `scorecard --format json` for the same query, value for value."""
    return json_ready(report.records(lang))


def _move(move: Move, lang: str) -> dict[str, Any]:
    return {"kpi_id": move.cell.kpi.id, "name": move.cell.kpi.name(lang), "before": move.before,
            "after": move.after, "attainment": move.cell.attainment, "attainment_change": move.attainment_delta}


def report_answer(report: QuarterReport, lang: str) -> dict[str, Any]:
    """The quarter's report: the verdict sentence (the dashboard's first line), the counts behind the chips,
    what changed since the quarter before, and every scorecard row."""
    changes = report.changes
    return json_ready({
        "context": context(report, lang),
        "verdict": report.verdict_text(lang), "on_track": report.on_track, "judged": report.judged,
        "counts": report.counts,
        "changes": {"status_moves": [_move(m, lang) for m in changes.status_moves],
                    "biggest_misses": [_move(m, lang) for m in changes.biggest_misses],
                    "biggest_gains": [_move(m, lang) for m in changes.biggest_gains]},
        "scorecard": report.records(lang),
    })


def why_answer(report: QuarterReport, catalog: Catalog, kpi_id: str, lang: str) -> dict[str, Any]:
    """Why one KPI has its status: the rule, the numbers, the bands, the aggregation, where the target came
    from, the forecast and the latest check-in, as the dashboard's "Why this status?" says them."""
    if kpi_id not in catalog:
        raise KpiError.keyed("error.unknown_kpi", kpi=kpi_id)
    cell = report.cell(kpi_id)
    record = next(r for r in report.records(lang) if r["kpi_id"] == kpi_id)
    lines = [f"{name}: {text}" if name else text for name, text in explain_cell(cell, lang)]
    return json_ready({
        "context": context(report, lang), "kpi_id": kpi_id, "name": cell.kpi.name(lang),
        "status": cell.status, "status_word": status_word(cell, lang), "actual": cell.actual,
        "target": cell.target_value, "attainment": cell.attainment, "explanation": lines,
        "forecast": forecast_lines(cell, lang), "checkin": checkin_lines(report.checkins.get(kpi_id), lang),
        "row": record,
    })


def forecast_misses(report: QuarterReport, lang: str) -> dict[str, Any]:
    """KPIs whose Q4 forecast falls short of the Q4 target, with the forecast in words."""
    misses = [cell for cell in report.cells if cell.forecast is not None and cell.forecast.status == "will_miss"]
    return json_ready({
        "context": context(report, lang), "count": len(misses),
        "misses": [{"kpi_id": c.kpi.id, "name": c.kpi.name(lang), "forecast_q4": c.forecast.value,
                    "forecast_target": c.forecast.target, "forecast_method": c.forecast.method,
                    "status": c.status, "words": forecast_lines(c, lang)} for c in misses],
    })


def regions_answer(report: QuarterReport, lang: str) -> dict[str, Any]:
    """Every known region this quarter: its counts per status and each KPI's actual, target and status."""
    regions = []
    for name, grid in sorted(report.regions.items()):
        cells = [grid.cell(c.kpi.id, report.year, report.quarter) for c in report.cells]
        counts = status_counts(cells)
        regions.append({
            "region": name, "label": label("region", name, lang, report.names), "counts": counts,
            "on_track": counts.get("ahead", 0) + counts.get("on_track", 0),
            "kpis": [{"kpi_id": c.kpi.id, "actual": c.actual, "target": c.target_value,
                      "attainment": c.attainment, "status": c.status} for c in cells],
        })
    return json_ready({"context": context(report, lang), "regions": regions})


def value_answer(session: Session, catalog: Catalog, *, program: str | None = None, horizon: int | None = None,
                 scenario: str = "base", currency: str | None = None, discount_rate: float = 0.10,
                 lang: str = "en") -> dict[str, Any]:
    """`value --format json` (realised to today and projected over the horizon) with its headline in words."""
    require_names(session, program=program)
    summary = value_summary(session, catalog, program=program, horizon=horizon, scenario=scenario,
                            currency=report_currency(session, currency) if currency else None,
                            discount_rate=discount_rate)
    record = value_record(summary)
    record["headline"] = [{"label": name, "text": text} for name, text in value_headline(summary, lang)]
    return json_ready(record)


def readiness_answer(session: Session, catalog: Catalog, year: int | None, quarter: int | None,
                     unit: str = ORGANISATION, lang: str = "en") -> dict[str, Any]:
    """`readiness --format json` for a unit (the organisation, a region or a department) and quarter."""
    year, quarter = asked_quarter(session, year, quarter)
    report = build_report(session, catalog, year, quarter, unit_scope(session, unit))
    record = readiness_record(unit, year, quarter, list(report.checklists), report.gate, lang)
    record["verdict_text"] = report.verdict_text(lang)
    record["context"] = context(report, lang)
    return json_ready(record)


def maturity_answer(session: Session, year: int | None, quarter: int | None, unit: str | None = None,
                    lang: str = "en") -> dict[str, Any]:
    """`maturity --format json`: each unit assessed in the quarter, against its previous assessment."""
    year, quarter = asked_quarter(session, year, quarter)
    found = maturity_for(session, year, quarter, unit)
    if unit and not found:
        raise KpiError.keyed("error.no_maturity_unit", unit=unit, quarter=f"{year}-Q{quarter}")
    return json_ready({"quarter": f"{year}-Q{quarter}", "units": [maturity_record(m, lang) for m in found]})


def _parsed(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def audit_page(session: Session, *, before: int | None = None, limit: int = AUDIT_PAGE, actor: str | None = None,
               kpi_id: str | None = None, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """Audit entries newest first, `limit` at a time; `next_before` fetches the page after (None: the last)."""
    limit = max(1, min(int(limit), AUDIT_MAX))
    rows = session.rows("audit_page", before=before, actor=actor, kpi_id=kpi_id, since=since, until=until,
                        max_rows=limit + 1)
    more = len(rows) > limit
    entries = [{**row, "old_value": _parsed(row["old_value"]), "new_value": _parsed(row["new_value"])}
               for row in rows[:limit]]
    return json_ready({"entries": entries, "next_before": entries[-1]["audit_id"] if more else None})
