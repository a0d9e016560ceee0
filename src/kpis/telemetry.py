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

import glob
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpis.errors import KpiError, RowError, ValidationError
from kpis.records import EARLIEST_DATE, latest_date
from kpis.reference import add_names, load_names, unknown_reason
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
    added: tuple[str, ...] = ()  # regions added as new reference data (create_missing)


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
    # to UTC: an offset is applied, a naive time is read as UTC (the session's time zone is UTC).
    # Text goes through TIMESTAMPTZ (the only cast that applies an offset written in the text); a
    # typed column is cast to TIMESTAMP, which converts a zoned value to UTC and leaves a naive one
    # as it is, without the per-row time-zone arithmetic that cost 5x the whole ingest (bench/ingest.py)
    text = f"timezone('UTC', TRY_CAST({typed.format('timestamp')} AS TIMESTAMPTZ))"
    utc = (f"CASE WHEN typeof(timestamp) = 'VARCHAR' THEN {text} "
           f"ELSE TRY_CAST({typed.format('timestamp')} AS TIMESTAMP) END")
    return (f"SELECT {'filename, ' if with_filename else ''}{utc} AS ts, "
            f"CAST(region AS VARCHAR) AS region, CAST(model_id AS VARCHAR) AS model_id, "
            f"TRY_CAST({typed.format('latency_ms')} AS DOUBLE) AS latency_ms, CAST(status AS VARCHAR) AS status, "
            f"{cost} AS cost_usd FROM {reader}")


# One test per reason in _REASONS (same order); NaN and infinities are bad values, never dropped silently.
_CHECKS = (
    "ts IS NULL",
    f"ts < TIMESTAMP '{EARLIEST_DATE}' OR ts >= TIMESTAMP '{{latest}}' + INTERVAL 1 DAY",
    "region IS NULL OR region = ''",
    "model_id IS NULL",
    "latency_ms IS NULL OR NOT isfinite(latency_ms)",
    "latency_ms < 0",
    "status IS NULL OR status NOT IN ('ok', 'error')",
    "cost_usd IS NOT NULL AND (NOT isfinite(cost_usd) OR cost_usd < 0 OR cost_usd > 1e6)",
)
_REASONS = ("timestamp: missing or not a date-time", "timestamp: outside the accepted dates",
            "region: missing", "model_id: missing", "latency_ms: missing or not a finite number",
            "latency_ms: negative", "status: must be 'ok' or 'error'",
            "cost_usd: must be a finite number from 0 to 1,000,000")


def _bad_row() -> str:
    latest = latest_date().isoformat()
    return "coalesce(" + " OR ".join(f"({check.format(latest=latest)})" for check in _CHECKS) + ", true)"


def monthly_kpis_sql(source: str, month_filter: str = "") -> str:
    """Per (month, region) and per month over all events (GROUPING SETS): the five KPIs, and the
    bad rows of each group, so validation and computation are one pass over the files. Bad rows
    are counted, never used; the pooled groups' bad counts add up to the file's."""
    where = f"WHERE {month_filter}" if month_filter else ""
    return f"""
        WITH flagged AS (SELECT *, ({_bad_row()}) AS bad FROM ({source}))
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
            FROM ({source}) WHERE NOT ({_bad_row()}) {where}
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
    latest = latest_date().isoformat()
    flags = ", ".join(f"coalesce({check.format(latest=latest)}, false)" for check in _CHECKS)
    rows = session.con.execute(f"""
        WITH events AS (SELECT *, row_number() OVER (PARTITION BY filename) AS n FROM ({source}))
        SELECT filename, n, {flags}
        FROM events WHERE {_bad_row()} ORDER BY filename, n LIMIT {MAX_REPORTED_ERRORS}""").fetchall()
    errors = []
    for filename, n, *found in rows:
        why = "; ".join(r for r, flag in zip(_REASONS, found) if flag)
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


def ingest_events(store: Store, patterns: list[str], *, actor: Actor, progress: bool = False,
                  create_missing: bool = False) -> IngestResult:
    """Validate new event files (every bad row reported, nothing written on any), compute the
    affected months and write their observations with an audit entry for the run. A region the
    store does not know is refused with the closest known name, unless `create_missing` adds it."""
    require(actor, "editor", "ingest event logs")
    paths = expand_paths(patterns)
    with store.write_session() as session:
        if progress:
            session.con.execute("SET enable_progress_bar = true")
        known = {r[0]: (r[1], json.loads(r[2])) for r in session.con.execute(
            "SELECT path, content_sha256, months FROM event_files").fetchall()}
        stats = {p: p.stat() for p in paths}
        digests = {p: content_digest(p) for p in paths}
        by_digest = {digest: months for digest, months in known.values()}
        new = [p for p in dict(zip(digests.values(), paths)).values() if digests[p] not in by_digest]
        skipped = tuple(str(p) for p in paths if p not in new)
        # a copy of known content under another name is remembered beside it (never counted twice),
        # so the content stays reachable if the first name is later rewritten
        aliases = [p for p in paths if p not in new and str(p) not in known and digests[p] in by_digest]
        for path in aliases:
            session.con.execute("INSERT OR REPLACE INTO event_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [str(path), stats[path].st_size, stats[path].st_mtime_ns, 0,
                                 json.dumps(by_digest[digests[path]]), actor.name, utc_now(), digests[path]])
        if not new:
            return IngestResult((), skipped, 0, (), 0)
        # a file rewritten in place: the months of its earlier version are recomputed too
        replaced = {m for p in new for m in known.get(str(p), (None, []))[1]}
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
        added = _check_regions(session, frame, new, "cost_usd" in columns, create_missing)
        months = sorted(set(frame["month"]) | replaced)
        rows = int(frame.loc[frame["pooled"], "events"].sum())
        frame = _with_models(session, frame, source)
        per_file = _file_rows(session, new)
        overlapping = _one_path_per_content(known, new, digests, set(months))
        if overlapping or replaced:  # a month shared with earlier files: recompute it from all of them
            missing_files = [p for p in overlapping if not p.exists()]
            if missing_files:
                raise KpiError(f"{missing_files[0]} was ingested earlier and shares a month with the new files, but "
                               "it is no longer there; restore it (raw logs must stay where they were ingested from).")
            has_cost = "cost_usd" in columns and all("cost_usd" in _columns(session, [p]) for p in overlapping)
            emptied = set(months)
            union = _source(new + overlapping, has_cost)
            month_list = ", ".join(f"'{m}'" for m in months)
            month_filter = f"strftime(date_trunc('month', ts), '%Y-%m') IN ({month_list})"
            frame = session.con.execute(monthly_kpis_sql(union, month_filter)).df()
            frame = _with_models(session, frame[frame["events"] > 0], union, month_filter)
            emptied -= set(frame["month"])
        else:
            emptied = set()
        observations = _observations(frame)
        with session.transaction():  # names, files, observations and the audit entry: all or nothing
            add_names(session, {"region": added} if added else {}, actor=actor.name, channel="ingest")
            for path in new:
                stat = stats[path]
                # every file of the batch is registered with the batch's months: a superset, which
                # only makes a later recomputation read a file that has no events for a month
                session.con.execute("INSERT OR REPLACE INTO event_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                    [str(path), stat.st_size, stat.st_mtime_ns, per_file.get(str(path), 0),
                                     json.dumps(months), actor.name, utc_now(), digests[path]])
            if emptied:  # months that only the replaced version of a file had: their figures go (audited)
                session.delete_observations(
                    "source = 'events' AND strftime(period, '%Y-%m') IN (SELECT unnest(?::VARCHAR[]))",
                    [sorted(emptied)], actor=actor.name, channel="ingest", reason="event log file rewritten")
            written = session.upsert_observations(observations, actor=actor.name, channel="ingest")
            session.record_audit(actor=actor.name, channel="ingest", action="ingest", entity="event_files",
                                 entity_key=json.dumps({"files": [str(p) for p in new], "months": months,
                                                        "rows": rows, "observations_written": written}),
                                 reason=None)
    return IngestResult(tuple(str(p) for p in new), skipped, rows, tuple(months), written, added)


def _check_regions(session, frame: pd.DataFrame, new: list[Path], has_cost: bool,
                   create_missing: bool) -> tuple[str, ...]:
    """Regions in the logs that the store does not know: a ValidationError naming each with its file,
    first line and the closest known region; or, with `create_missing`, the names to add."""
    known = load_names(session)
    unknown = sorted(set(frame.loc[~frame["pooled"], "region"].dropna()) - set(known.regions))
    if not unknown or create_missing:
        return tuple(unknown)
    source = _source(new, has_cost, with_filename=True)
    firsts = session.con.execute(f"""
        WITH events AS (SELECT *, row_number() OVER (PARTITION BY filename) AS n FROM ({source}))
        SELECT region, arg_min(filename, n), min(n) FROM events
        WHERE region IN (SELECT unnest(?::VARCHAR[])) GROUP BY region ORDER BY region""", [unknown]).fetchall()
    csv = new[0].suffix.lower() == ".csv"
    errors = tuple(RowError(n + 1 if csv else n, f"{Path(name).name}: " + unknown_reason(
        "region", region, known.regions, n + 1 if csv else n)) for region, name, n in firsts)
    raise ValidationError(f"{len(unknown)} unknown region(s) in the logs; nothing was written. Add them with "
                          "--create-missing if they are new.", errors)


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


def content_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks: a log file's identity, whatever its name or time."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
