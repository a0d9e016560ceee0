"""Platform KPIs from raw request logs (Parquet or CSV): monthly observations per region and for
the organisation (all events pooled, never an average of regions).

Per month: api_latency_p95_ms = exact p95 of latency_ms (linear interpolation, as quantile_cont
and numpy's default); availability_pct = 100 x ok events / all events; transactions_per_day =
events / days in the month; cost_per_prediction_usd = mean cost_usd; concurrent_models =
distinct model_id serving in the month.

Times: an offset in a timestamp (`2026-01-31T23:30-06:00`) is converted to UTC, a naive timestamp
is taken as UTC, and months are calendar months in UTC, whatever the machine's time zone.

Incremental and idempotent by content: a file whose bytes were already ingested (under any name) is
skipped; a file rewritten in place is ingested again and the months of its earlier version are
recomputed; new files recompute only the months they touch, re-reading any earlier file that also
has events in those months (so keep raw logs where they were ingested from).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpis.errors import KpiError, Reason, RowError, ValidationError, joined
from kpis.periods import today
from kpis.reference.names import add_names, load_names, unknown_reason
from kpis.roles import Actor, require
from kpis.store import Session, Store, in_list, scratch_connection, utc_now
from kpis.telemetry.duckdb_engine import DuckDBEngine
from kpis.telemetry.files import EVENT_COLUMNS, content_digest, expand_paths, file_kind
from kpis.telemetry.sql import EVENT_KPIS, REASONS, bad_rows_sql, first_rows_sql, models_sql, monthly_kpis_sql

__all__ = ["ENGINES", "IngestResult", "ingest_events", "rollup", "rollup_to_file"]




ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class IngestResult:
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    rows: int
    months: tuple[str, ...]
    observations: int
    added: tuple[str, ...] = ()  # regions added as new reference data (create_missing)


# one row per file, replaced when the file is read again
_SAVE_FILE = ("INSERT INTO event_files VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
              "size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns, rows = excluded.rows, "
              "months = excluded.months, ingested_by = excluded.ingested_by, ingested_at = excluded.ingested_at, "
              "content_sha256 = excluded.content_sha256")


def _monthly(engine, month_filter: str = "") -> pd.DataFrame:
    """The five KPIs per (month, region) and pooled, for the files `engine` has defined as events."""
    frame = engine.frame(monthly_kpis_sql(month_filter))
    frame = frame.assign(events=frame["events"].astype("int64"), bad_rows=frame["bad_rows"].astype("int64"),
                         pooled=frame["pooled"].astype(bool))
    return frame


def _with_models(engine, frame: pd.DataFrame, month_filter: str = "") -> pd.DataFrame:
    models = engine.frame(models_sql(month_filter))
    models = models.assign(pooled=models["pooled"].astype(bool))
    frame = frame.assign(region=frame["region"].fillna("*"))
    models = models.assign(region=models["region"].fillna("*"))
    merged = frame.merge(models, on=["month", "region", "pooled"], how="left")
    return merged.assign(region=merged["region"].where(merged["region"] != "*", None))


def _bad_rows(engine, paths: list[Path], has_cost: bool) -> tuple[RowError, ...]:
    engine.define_numbered(paths, has_cost)
    csv = file_kind(paths) == "csv"
    errors = []
    for filename, n, *found in engine.rows(bad_rows_sql()):
        why = joined([r for r, flag in zip(REASONS, found) if flag])
        line = n + 1 if csv else n  # CSV: the header is line 1; Parquet: row number
        errors.append(RowError(line, Reason("in_file", file=Path(filename).name, reason=why)))
    return tuple(errors)


def rollup(engine, paths: list[Path]) -> tuple[pd.DataFrame, bool]:
    """Validate and roll up event files: (monthly KPIs with models, has_cost). Any bad row: a
    ValidationError listing the first MAX_REPORTED_ERRORS with file and line (row for Parquet)."""
    columns = engine.columns(paths)
    missing = [c for c in EVENT_COLUMNS if c not in columns]
    if missing:
        raise ValidationError.keyed("error.event_columns", (RowError(1, Reason("missing_columns",
                                                                               columns=", ".join(missing))),),
                                    file=paths[0].name, missing=", ".join(missing), expected=", ".join(EVENT_COLUMNS))
    has_cost = "cost_usd" in columns
    engine.define(paths, has_cost)
    frame = _monthly(engine)
    bad = int(frame.loc[frame["pooled"], "bad_rows"].sum())
    frame = frame[frame["events"] > 0]
    if bad or frame.empty:
        errors = _bad_rows(engine, paths, has_cost) if bad else ()
        if not bad:
            raise ValidationError.keyed("error.no_events")
        raise ValidationError.keyed("error.bad_events_first" if bad > len(errors) else "error.bad_events", errors,
                                    bad=f"{bad:,}", files=len(paths), shown=len(errors))
    return frame, has_cost


def _observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Long form: one observation per KPI, month and scope (pooled rows -> region NULL), dated at the month's
    end, or today for the month in progress (an actual is never dated after today, SPEC section 10). Events
    of a month after today's are refused: a clock or a file is wrong."""
    day = today()
    future = sorted({m for m in frame["month"] if pd.Period(m, "M").start_time.date() > day})
    if future:
        raise ValidationError.keyed("error.future_events", months=", ".join(future), today=day.isoformat())
    rows = []
    for record in frame.to_dict("records"):
        period = min((pd.Period(record["month"], "M").end_time.normalize()).date(), day)
        region = None if record["pooled"] else record["region"]
        for kpi_id in EVENT_KPIS:
            value = record[kpi_id]
            if value is not None and not pd.isna(value):
                rows.append((kpi_id, period, region, None, float(value), "events"))
    return pd.DataFrame(rows, columns=["kpi_id", "period", "region", "department", "value", "source"])


def ingest_events(store: Store, patterns: list[str], *, actor: Actor, progress: bool = False,
                  create_missing: bool = False, engine: str = "duckdb", spark_master: str | None = None
                  ) -> IngestResult:
    """Validate new event files (every bad row reported, nothing written on any), compute the
    affected months and write their observations with an audit entry for the run. A region the
    store does not know is refused with the closest known name, unless `create_missing` adds it.
    `engine`: "duckdb" (in this process) or "spark" (kpis.telemetry.spark: local mode, or `spark_master`)."""
    engine_name = _engine_name(engine)
    require(actor, "editor", "ingest event logs")
    paths = expand_paths(patterns)
    with store.write_session() as session:
        # the rollup runs on DuckDB: the store's own connection, or (a PostgreSQL store) an in-memory
        # one, whose results are then written to PostgreSQL like any other observations
        compute = scratch_connection() if store.is_postgres else session.con
        if progress:
            compute.execute("SET enable_progress_bar = true")
        batch = _new_files(session, paths, actor)
        if not batch.new:
            return IngestResult((), batch.skipped, 0, (), 0)
        # a file rewritten in place: the months of its earlier version are recomputed too
        replaced = {m for p in batch.new for m in batch.known.get(str(p), (None, []))[1]}
        engine = DuckDBEngine(compute) if engine_name == "duckdb" else _spark_engine(spark_master)
        frame, has_cost = rollup(engine, batch.new)
        added = _check_regions(session, engine, frame, batch.new, has_cost, create_missing)
        months = sorted(set(frame["month"]) | replaced)
        rows = int(frame.loc[frame["pooled"], "events"].sum())
        frame = _with_models(engine, frame)
        per_file = engine.file_rows(batch.new)
        overlapping = _one_path_per_content(batch.known, batch.new, batch.digests, set(months))
        emptied: set[str] = set()
        if overlapping or replaced:  # a month shared with earlier files: recompute it from all of them
            frame, emptied = _recompute(engine, batch.new, overlapping, months, has_cost)
        written = _write_batch(session, actor, batch, added, months, per_file, emptied, _observations(frame), rows)
    return IngestResult(tuple(str(p) for p in batch.new), batch.skipped, rows, tuple(months), written, added)


@dataclass(frozen=True)
class _Batch:
    """The files named by a run: what the store already has (known: path -> (digest, months)), their sizes and
    content digests, the new ones and the skipped ones."""

    known: dict[str, tuple[str, list[str]]]
    stats: dict[Path, Any]
    digests: dict[Path, str]
    new: list[Path]
    skipped: tuple[str, ...]


def _new_files(session: Session, paths: list[Path], actor: Actor) -> _Batch:
    """Which files hold content the store has not ingested (under any name); a copy of known content under
    another name is remembered beside it (never counted twice), so the content stays reachable if the first
    name is later rewritten."""
    known = {r[0]: (r[1], json.loads(r[2])) for r in session.con.execute(
        "SELECT path, content_sha256, months FROM event_files").fetchall()}
    stats = {p: p.stat() for p in paths}
    digests = {p: content_digest(p) for p in paths}
    by_digest = {digest: months for digest, months in known.values()}
    new = [p for p in dict(zip(digests.values(), paths)).values() if digests[p] not in by_digest]
    aliases = [p for p in paths if p not in new and str(p) not in known and digests[p] in by_digest]
    for path in aliases:
        session.con.execute(_SAVE_FILE, [str(path), stats[path].st_size, stats[path].st_mtime_ns, 0,
                                         json.dumps(by_digest[digests[path]]), actor.name, utc_now(), digests[path]])
    return _Batch(known, stats, digests, new, tuple(str(p) for p in paths if p not in new))


def _recompute(engine, new: list[Path], overlapping: list[Path], months: list[str],
               has_cost: bool) -> tuple[pd.DataFrame, set[str]]:
    """The months the new files share with earlier ones, computed again from all of them; and the months no
    file has events for any more (a rewritten file's former months), whose figures must go."""
    missing_files = [p for p in overlapping if not p.exists()]
    if missing_files:
        raise KpiError.keyed("error.log_file_gone", file=missing_files[0])
    has_cost = has_cost and all("cost_usd" in engine.columns([p]) for p in overlapping)
    engine.define(new + overlapping, has_cost)
    month_list = ", ".join(f"'{m}'" for m in months)
    month_filter = f"strftime(date_trunc('month', ts), '%Y-%m') IN ({month_list})"
    frame = _monthly(engine, month_filter)
    frame = _with_models(engine, frame[frame["events"] > 0], month_filter)
    return frame, set(months) - set(frame["month"])


def _write_batch(session: Session, actor: Actor, batch: _Batch, added: tuple[str, ...], months: list[str],
                 per_file: dict[str, int], emptied: set[str], observations: pd.DataFrame, rows: int) -> int:
    """Names, files, observations and the audit entry of a run, in one transaction: all or nothing."""
    with session.transaction():
        add_names(session, {"region": added} if added else {}, actor=actor.name, channel="ingest")
        for path in batch.new:
            stat = batch.stats[path]
            # every file of the batch is registered with the batch's months: a superset, which
            # only makes a later recomputation read a file that has no events for a month
            session.con.execute(_SAVE_FILE,
                                [str(path), stat.st_size, stat.st_mtime_ns, per_file.get(str(path), 0),
                                 json.dumps(months), actor.name, utc_now(), batch.digests[path]])
        if emptied:  # months that only the replaced version of a file had: their figures go (audited)
            session.delete_observations(
                f"source = 'events' AND strftime(period, '%Y-%m') IN {in_list(emptied)}",
                sorted(emptied), actor=actor.name, channel="ingest", reason="event log file rewritten")
        redated = _redated(session, observations)
        if redated:  # the month in progress read again on a later day: its figures move to the new day
            days = sorted({p.isoformat() for p in observations["period"]})
            session.delete_observations(
                f"source = 'events' AND strftime(period, '%Y-%m') IN {in_list(redated)} "
                f"AND CAST(period AS VARCHAR) NOT IN {in_list(days)}", [*redated, *days], actor=actor.name,
                channel="ingest", reason="month in progress: figures dated to the newest day")
        written = session.upsert_observations(observations, actor=actor.name, channel="ingest")
        session.record_audit(actor=actor.name, channel="ingest", action="ingest", entity="event_files",
                             entity_key=json.dumps({"files": [str(p) for p in batch.new], "months": months,
                                                    "rows": rows, "observations_written": written}),
                             reason=None)
    return written


def _redated(session: Session, observations: pd.DataFrame) -> list[str]:
    """Months of `observations` whose events figures are stored under another day (a month in progress
    ingested earlier): those rows are replaced, never summed with the new ones."""
    periods = {p.isoformat() for p in observations["period"]}
    months = sorted({p[:7] for p in periods})
    if not months:
        return []
    stored = session.con.execute(
        f"SELECT DISTINCT strftime(period, '%Y-%m') FROM observations WHERE source = 'events' AND "
        f"strftime(period, '%Y-%m') IN {in_list(months)} AND CAST(period AS VARCHAR) NOT IN {in_list(sorted(periods))}",
        [*months, *sorted(periods)]).fetchall()
    return sorted(m for (m,) in stored)


def _check_regions(session, engine, frame: pd.DataFrame, new: list[Path], has_cost: bool,
                   create_missing: bool) -> tuple[str, ...]:
    """Regions in the logs that the store does not know: a ValidationError naming each with its file,
    first line and the closest known region; or, with `create_missing`, the names to add."""
    known = load_names(session)
    unknown = sorted(set(frame.loc[~frame["pooled"], "region"].dropna()) - set(known.regions))
    if not unknown or create_missing:
        return tuple(unknown)
    engine.define_numbered(new, has_cost)
    csv = file_kind(new) == "csv"
    firsts = engine.rows(first_rows_sql(unknown))
    errors = tuple(RowError(n + 1 if csv else n, f"{Path(name).name}: " + unknown_reason(
        "region", region, known.regions, n + 1 if csv else n)) for region, name, n in firsts)
    raise ValidationError.keyed("error.unknown_log_regions", errors, n=len(unknown))


def _engine_name(engine: str) -> str:
    if engine not in ENGINES:
        raise KpiError.keyed("error.unknown_engine", engine=engine, engines=", ".join(ENGINES))
    return engine


def _spark_engine(master: str | None):
    from kpis.telemetry.spark import SparkEngine  # deferred: pyspark (and a JVM) only when asked for

    return SparkEngine.get(master)


def rollup_to_file(patterns: list[str], out: Path | str, *, engine: str = "duckdb",
                   spark_master: str | None = None) -> tuple[int, tuple[str, ...], int]:
    """The monthly KPIs of event files written as an observations exchange file (Parquet), without a
    store: for a job that runs where the logs are. Returns (events, months, observations)."""
    engine_name = _engine_name(engine)
    paths = expand_paths(patterns, uris=engine_name == "spark")
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise ValidationError.keyed("error.rollup_parquet", path=out)
    runner = DuckDBEngine(scratch_connection()) if engine_name == "duckdb" else _spark_engine(spark_master)
    frame, _ = rollup(runner, paths)
    events = int(frame.loc[frame["pooled"], "events"].sum())
    observations = _observations(_with_models(runner, frame))
    observations = observations.assign(period=pd.to_datetime(observations["period"]).dt.date)
    tmp = out.with_name(out.name + ".tmp")
    observations.to_parquet(tmp, index=False)
    tmp.replace(out)  # never a half-written file under the final name
    return events, tuple(sorted(set(frame["month"]))), len(observations)


def _one_path_per_content(known: dict[str, tuple[str, list[str]]], new: list[Path], digests: dict[Path, str],
                          months: set[str]) -> list[Path]:
    """Earlier files with events in `months`, one path per content (an existing one where there is a
    choice), leaving out contents being ingested now and the earlier version of a rewritten file."""
    rewritten = {str(p) for p in new}
    fresh = set(digests[p] for p in new)
    chosen: dict[str, Path] = {}
    for path, (digest, file_months) in known.items():
        if path in rewritten or digest in fresh or not set(file_months) & months:
            continue
        if digest not in chosen or (not chosen[digest].exists() and Path(path).exists()):
            chosen[digest] = Path(path)
    return list(chosen.values())
