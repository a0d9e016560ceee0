"""Platform KPIs from raw request logs (Parquet or CSV): monthly observations per region and for
the organisation (all events pooled, never an average of regions).

Per month: api_latency_p95_ms = exact p95 of latency_ms (linear interpolation, as quantile_cont
and numpy's default); availability_pct = 100 x ok events / all events; transactions_per_day =
events / days in the month; cost_per_prediction_usd = mean cost_usd; concurrent_models =
distinct model_id serving in the month.

Incremental and idempotent: a file already ingested (same path, size and modification time) is
skipped; new files recompute only the months they touch, re-reading any earlier file that also
has events in those months (so keep raw logs where they were ingested from).
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpis.errors import KpiError, RowError, ValidationError
from kpis.roles import Actor, require
from kpis.store import Store, utc_now

__all__ = ["EVENT_COLUMNS", "EVENT_KPIS", "IngestResult", "expand_paths", "ingest_events", "monthly_kpis_sql"]

EVENT_COLUMNS = ("timestamp", "region", "tenant", "model_id", "latency_ms", "status")
OPTIONAL_COLUMNS = ("cost_usd",)
EVENT_KPIS = ("api_latency_p95_ms", "availability_pct", "transactions_per_day", "cost_per_prediction_usd",
              "concurrent_models")
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class IngestResult:
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    rows: int
    months: tuple[str, ...]
    observations: int


def expand_paths(patterns: list[str]) -> list[Path]:
    """Files named directly, by glob, or inside a directory (*.parquet, *.csv), sorted, unique."""
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
        elif any(ch in pattern for ch in "*?["):
            found += [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
        elif path.exists():
            found.append(path)
        else:
            raise ValidationError(f"{pattern}: no such file or directory.")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise ValidationError("No event files matched.")
    bad = [p for p in unique if p.suffix.lower() not in (".parquet", ".csv")]
    if bad:
        raise ValidationError(f"{bad[0]}: only .parquet and .csv event files are read.")
    return unique


def _literal_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _source(paths: list[Path], has_cost: bool, with_filename: bool = False) -> str:
    """A relation of typed events (bad values become NULL via TRY_CAST) from Parquet or CSV files."""
    names = ", filename = true" if with_filename else ""
    if all(p.suffix.lower() == ".parquet" for p in paths):
        reader = f"read_parquet({_literal_list(paths)}, union_by_name = true{names})"
        typed = "{}"
    elif all(p.suffix.lower() == ".csv" for p in paths):
        reader = f"read_csv({_literal_list(paths)}, header = true, all_varchar = true, union_by_name = true{names})"
        # nullif() keeps DuckDB from pushing the cast into the CSV reader, which would raise on a
        # bad value instead of turning it into NULL (and so into a reported bad row)
        typed = "nullif({}, '')"
    else:
        raise ValidationError("Ingest Parquet and CSV files in separate runs.")
    cost = f"TRY_CAST({typed.format('cost_usd')} AS DOUBLE)" if has_cost else "CAST(NULL AS DOUBLE)"
    return (f"SELECT {'filename, ' if with_filename else ''}TRY_CAST({typed.format('timestamp')} AS TIMESTAMP) AS ts, "
            f"CAST(region AS VARCHAR) AS region, CAST(model_id AS VARCHAR) AS model_id, "
            f"TRY_CAST({typed.format('latency_ms')} AS DOUBLE) AS latency_ms, CAST(status AS VARCHAR) AS status, "
            f"{cost} AS cost_usd FROM {reader}")


BAD_ROW = ("ts IS NULL OR region IS NULL OR region = '' OR model_id IS NULL OR latency_ms IS NULL "
           "OR latency_ms < 0 OR status IS NULL OR status NOT IN ('ok', 'error')")


def monthly_kpis_sql(source: str, month_filter: str = "") -> str:
    """Per (month, region) and per month over all events (GROUPING SETS): the five KPIs, and the
    bad rows of each group, so validation and computation are one pass over the files. Bad rows
    are counted, never used; the pooled groups' bad counts add up to the file's."""
    where = f"WHERE {month_filter}" if month_filter else ""
    return f"""
        WITH flagged AS (SELECT *, ({BAD_ROW}) AS bad FROM ({source}))
        SELECT strftime(date_trunc('month', ts), '%Y-%m') AS month,
               region,
               GROUPING(region) = 1 AS pooled,
               quantile_cont(latency_ms, 0.95) FILTER (WHERE NOT bad) AS api_latency_p95_ms,
               100.0 * count(*) FILTER (WHERE NOT bad AND status = 'ok') / count(*) FILTER (WHERE NOT bad)
                   AS availability_pct,
               count(*) FILTER (WHERE NOT bad) / day(last_day(min(ts))) AS transactions_per_day,
               avg(cost_usd) FILTER (WHERE NOT bad) AS cost_per_prediction_usd,
               count(*) FILTER (WHERE NOT bad) AS events,
               count(*) FILTER (WHERE bad) AS bad_rows
        FROM flagged {where}
        GROUP BY GROUPING SETS ((date_trunc('month', ts), region), (date_trunc('month', ts)))
    """


def models_sql(source: str, month_filter: str = "") -> str:
    """Distinct models per (month, region) and per month. A separate, narrow query: reducing to
    distinct (month, region, model) triples first is much cheaper than a DISTINCT aggregate inside
    the wide one (measured: 1.6 s -> 0.86 s + 0.33 s at 10M events)."""
    where = f"AND {month_filter}" if month_filter else ""
    return f"""
        WITH pairs AS (
            SELECT date_trunc('month', ts) AS m, region, model_id
            FROM ({source}) WHERE NOT ({BAD_ROW}) {where}
            GROUP BY ALL)
        SELECT strftime(m, '%Y-%m') AS month, region, GROUPING(region) = 1 AS pooled,
               count(DISTINCT model_id) AS concurrent_models
        FROM pairs
        GROUP BY GROUPING SETS ((m, region), (m))
    """


def _with_models(session, frame: pd.DataFrame, source: str, month_filter: str = "") -> pd.DataFrame:
    models = session.con.execute(models_sql(source, month_filter)).df()
    frame = frame.assign(region=frame["region"].fillna("*"))
    models = models.assign(region=models["region"].fillna("*"))
    merged = frame.merge(models, on=["month", "region", "pooled"], how="left")
    return merged.assign(region=merged["region"].where(merged["region"] != "*", None))


def _columns(session, paths: list[Path]) -> set[str]:
    path = paths[0]
    reader = "read_parquet" if path.suffix.lower() == ".parquet" else "read_csv"
    query = f"DESCRIBE SELECT * FROM {reader}({_literal_list(paths)}, union_by_name = true)"
    return {row[0].lower() for row in session.con.execute(query).fetchall()}


def _bad_rows(session, source: str, csv: bool) -> tuple[RowError, ...]:
    rows = session.con.execute(f"""
        WITH events AS (SELECT *, row_number() OVER (PARTITION BY filename) AS n FROM ({source}))
        SELECT filename, n, ts IS NULL, region IS NULL OR region = '', model_id IS NULL, latency_ms IS NULL,
               latency_ms < 0, status IS NULL OR status NOT IN ('ok', 'error')
        FROM events WHERE {BAD_ROW} ORDER BY filename, n LIMIT {MAX_REPORTED_ERRORS}""").fetchall()
    reasons = ("timestamp: missing or not a date-time", "region: missing", "model_id: missing",
               "latency_ms: missing or not a number", "latency_ms: negative", "status: must be 'ok' or 'error'")
    errors = []
    for filename, n, *flags in rows:
        why = "; ".join(r for r, flag in zip(reasons, flags) if flag)
        line = n + 1 if csv else n  # CSV: the header is line 1; Parquet: row number
        errors.append(RowError(line, f"{Path(filename).name}: {why}"))
    return tuple(errors)


def _observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Long form: one observation per KPI, month end and scope (pooled rows -> region NULL)."""
    rows = []
    for record in frame.to_dict("records"):
        period = (pd.Period(record["month"], "M").end_time.normalize()).date()
        region = None if record["pooled"] else record["region"]
        for kpi_id in EVENT_KPIS:
            value = record[kpi_id]
            if value is not None and not pd.isna(value):
                rows.append((kpi_id, period, region, None, float(value), "events"))
    return pd.DataFrame(rows, columns=["kpi_id", "period", "region", "department", "value", "source"])


def ingest_events(store: Store, patterns: list[str], *, actor: Actor, progress: bool = False) -> IngestResult:
    """Validate new event files (every bad row reported, nothing written on any), compute the
    affected months and write their observations with an audit entry for the run."""
    require(actor, "editor", "ingest event logs")
    paths = expand_paths(patterns)
    with store.write_session() as session:
        if progress:
            session.con.execute("SET enable_progress_bar = true")
        known = {r[0]: (r[1], r[2], json.loads(r[3])) for r in session.con.execute(
            "SELECT path, size_bytes, mtime_ns, months FROM event_files").fetchall()}
        stats = {p: p.stat() for p in paths}
        new = [p for p in paths if known.get(str(p), (None, None))[:2] != (stats[p].st_size, stats[p].st_mtime_ns)]
        skipped = tuple(str(p) for p in paths if p not in new)
        if not new:
            return IngestResult((), skipped, 0, (), 0)
        columns = _columns(session, new)
        missing = [c for c in EVENT_COLUMNS if c not in columns]
        if missing:
            raise ValidationError(f"{new[0].name}: missing column(s) {', '.join(missing)}; expected "
                                  f"{', '.join(EVENT_COLUMNS)} (and optionally cost_usd).",
                                  (RowError(1, f"missing column(s): {', '.join(missing)}"),))
        source = _source(new, "cost_usd" in columns)
        frame = session.con.execute(monthly_kpis_sql(source)).df()
        bad = int(frame.loc[frame["pooled"], "bad_rows"].sum())
        frame = frame[frame["events"] > 0]
        if bad or frame.empty:
            errors = _bad_rows(session, _source(new, "cost_usd" in columns, with_filename=True),
                               csv=new[0].suffix.lower() == ".csv") if bad else ()
            raise ValidationError(f"{bad:,} bad event row(s) in {len(new)} file(s); nothing was written"
                                  + (f" (first {len(errors)} shown)" if bad > len(errors) else "") + "."
                                  if bad else "No events in the given files; nothing was written.", errors)
        months = sorted(set(frame["month"]))
        rows = int(frame.loc[frame["pooled"], "events"].sum())
        frame = _with_models(session, frame, source)
        per_file = _file_rows(session, new)
        overlapping = [Path(path) for path, (_, _, file_months) in known.items()
                       if Path(path) not in new and set(file_months) & set(months)]
        if overlapping:  # a month shared with earlier files: recompute it from all of them
            missing_files = [p for p in overlapping if not p.exists()]
            if missing_files:
                raise KpiError(f"{missing_files[0]} was ingested earlier and shares a month with the new files, but "
                               "it is no longer there; restore it (raw logs must stay where they were ingested from).")
            has_cost = "cost_usd" in columns and all("cost_usd" in _columns(session, [p]) for p in overlapping)
            union = _source(new + overlapping, has_cost)
            month_list = ", ".join(f"'{m}'" for m in months)
            month_filter = f"strftime(date_trunc('month', ts), '%Y-%m') IN ({month_list})"
            frame = session.con.execute(monthly_kpis_sql(union, month_filter)).df()
            frame = _with_models(session, frame[frame["events"] > 0], union, month_filter)
        observations = _observations(frame)
        with session.transaction():  # files, observations and the audit entry: all or nothing
            for path in new:
                stat = stats[path]
                # every file of the batch is registered with the batch's months: a superset, which
                # only makes a later recomputation read a file that has no events for a month
                session.con.execute("INSERT OR REPLACE INTO event_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    [str(path), stat.st_size, stat.st_mtime_ns, per_file.get(str(path), 0),
                                     json.dumps(months), actor.name, utc_now()])
            written = session.upsert_observations(observations, actor=actor.name, channel="ingest")
            session.record_audit(actor=actor.name, channel="ingest", action="ingest", entity="event_files",
                                 entity_key=json.dumps({"files": [str(p) for p in new], "months": months,
                                                        "rows": rows, "observations_written": written}),
                                 reason=None)
    return IngestResult(tuple(str(p) for p in new), skipped, rows, tuple(months), written)


def _file_rows(session, paths: list[Path]) -> dict[str, int]:
    """Rows per file: from Parquet metadata (no scan); CSV files are counted."""
    if all(p.suffix.lower() == ".parquet" for p in paths):
        rows = session.con.execute(
            f"SELECT file_name, num_rows FROM parquet_file_metadata({_literal_list(paths)})").fetchall()
    else:
        rows = session.con.execute(
            f"SELECT filename, count(*) FROM read_csv({_literal_list(paths)}, header = true, all_varchar = true, "
            "filename = true) GROUP BY filename").fetchall()
    return {str(Path(name).resolve()): int(count) for name, count in rows}
