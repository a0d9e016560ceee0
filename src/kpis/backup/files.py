"""Backups and restores of a store: a backup is a folder of Parquet files with a manifest (`backup.json`);
a restore rebuilds it with this program's own schema and holds every row to the rules an import applies
(kpis.backup.checks) before the store appears under its name."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from kpis.backup.checks import DERIVED_TABLES, SHOWN, restore_problems
from kpis.backup.copying import copy_store
from kpis.errors import KpiError, Reason
from kpis.escaping import one_line
from kpis.store import (
    DUCKDB_CONFIG,
    ROLLUP_STAMP,
    SCHEMA_VERSION,
    SEQUENCES,
    Session,
    Store,
    building_file,
    create_schema,
    io_error,
    sql_literal,
    utc_now,
)

__all__ = ["backup_store", "restore_store"]


def backup_store(store: Store, directory: Path) -> dict[str, int]:
    """EXPORT DATABASE to `directory` (Parquet + schema.sql + load.sql); it must be new or empty.
    Returns the row count per table, also written to backup.json beside the data."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise KpiError.keyed("error.backup_dir_not_empty", directory=directory)
    if store.url is not None:  # the same backup format: copied to a DuckDB file first, exported from there
        with tempfile.TemporaryDirectory(prefix="kpis-backup-") as scratch:
            staged = Store(Path(scratch) / "staged.duckdb")
            copy_store(store, staged, verify=False)
            return backup_store(staged, directory)
    with store.write_session() as session:
        counts = session.table_counts()
        session.con.execute(f"EXPORT DATABASE {sql_literal(directory)} (FORMAT parquet)")
    (directory / "backup.json").write_text(json.dumps(
        {"schema_version": SCHEMA_VERSION, "created_at": utc_now().isoformat(), "tables": counts}, indent=2))
    return counts


def restore_store(store: Store, directory: Path) -> dict[str, int]:
    """Rebuild a backup into this store, which must not exist yet. Only the backup's data files
    are read: the schema is this program's own (migrations), each known table is loaded from its
    Parquet file by column name, and the row counts must equal backup.json's. Nothing in the
    backup is executed (its schema.sql and load.sql are ignored)."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    if store.url is not None:  # restored into a DuckDB file first (checked there), then copied over
        with tempfile.TemporaryDirectory(prefix="kpis-restore-") as scratch:
            staged = Store(Path(scratch) / "staged.duckdb")
            counts = restore_store(staged, directory)
            copy_store(staged, store, verify=False)
            return counts
    if store.path.exists():
        raise KpiError.keyed("error.restore_target_exists", path=store.path)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    with building_file(store.path) as partial:  # the store appears under its name only when complete
        try:
            con = duckdb.connect(str(partial), config=DUCKDB_CONFIG)
        except duckdb.Error as exc:
            raise io_error(store.path, exc) from None
        try:
            counts = _load_backup(con, directory, manifest)
        except (duckdb.Error, KpiError, ValueError, OverflowError) as exc:
            detail = exc.words() if isinstance(exc, KpiError) else one_line(str(exc))[:300]
            raise KpiError.keyed("error.cannot_restore", directory=directory, detail=detail) from None
        finally:
            con.close()
        with Store(partial).session() as session:  # an older backup brought up to date; the roll-up rebuilt
            session.ensure_rollup()
            counts |= {table: session.scalar(f"SELECT count(*) FROM {table}") for table in DERIVED_TABLES
                       if table in counts}
    return counts


def _read_manifest(directory: Path) -> dict[str, Any]:
    """backup.json: the schema version and the row count of every table; refused if malformed."""
    try:
        manifest = json.loads((directory / "backup.json").read_text(encoding="utf-8"))
        version, tables = int(manifest["schema_version"]), manifest["tables"]
        counts = {str(name): int(count) for name, count in tables.items()}
    except FileNotFoundError:
        raise KpiError.keyed("error.not_a_backup", directory=directory) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KpiError.keyed("error.backup_manifest_damaged", directory=directory) from None
    if not 1 <= version <= SCHEMA_VERSION:
        raise KpiError.keyed("error.backup_schema_unknown", version=version, latest=SCHEMA_VERSION)
    return {"schema_version": version, "tables": counts}


def _load_backup(con: duckdb.DuckDBPyConnection, directory: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """Create the backup's schema version from this program's migrations, load every table it lists
    from <table>.parquet (names checked against the schema, so no path outside `directory` is read),
    check the counts, all in one transaction."""
    version, expected = manifest["schema_version"], manifest["tables"]
    starts = _sequence_starts(con, directory, expected)
    con.execute("BEGIN TRANSACTION")
    create_schema(con, version, starts)
    known = set(Session(con).table_names())
    unknown = sorted(set(expected) - known)
    if unknown:
        raise KpiError.keyed("error.backup_unknown_tables", tables=", ".join(unknown))
    counts = {}
    for table in sorted(known - {"schema_version"}):
        if table not in expected:
            raise KpiError.keyed("error.backup_no_count", table=table)
        if table in DERIVED_TABLES:  # rebuilt from the observations after the restore, never trusted
            counts[table] = 0
            continue
        file = directory / f"{table}.parquet"
        if expected[table] and not file.is_file():
            raise KpiError.keyed("error.backup_file_missing", file=file.name)
        if file.is_file():
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet(?)', [str(file)])
        counts[table] = int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        if counts[table] != expected[table]:
            raise KpiError.keyed("error.backup_count_mismatch", table=table, found=f"{counts[table]:,}",
                                 expected=f"{expected[table]:,}")
    problems = restore_problems(con)
    if problems:
        more = [Reason("restore_more", count=f"{len(problems) - SHOWN:,}")] if len(problems) > SHOWN else []
        raise KpiError.keyed("error.restore_refused", problems=Reason("join", parts=(*problems[:SHOWN], *more)))
    if "settings" in known:  # the roll-up is rebuilt, whatever stamp the backup carried
        con.execute("DELETE FROM settings WHERE key = ?", [ROLLUP_STAMP])
    con.execute("COMMIT")
    return counts


def _sequence_starts(con: duckdb.DuckDBPyConnection, directory: Path, expected: dict[str, int]) -> dict[str, int]:
    """Each id sequence starts after the highest id in the backup's data, so new rows never collide."""
    starts = {}
    for sequence, (table, column) in SEQUENCES.items():
        file = directory / f"{table}.parquet"
        highest = con.execute(f'SELECT max(TRY_CAST("{column}" AS BIGINT)), count(*) FILTER (WHERE "{column}" '
                              f'IS NOT NULL AND TRY_CAST("{column}" AS BIGINT) IS NULL) FROM read_parquet(?)',
                              [str(file)]).fetchone() if expected.get(table) and file.is_file() else (None, 0)
        if highest[1]:
            raise KpiError.keyed("error.backup_not_whole", file=f"{table}.parquet", count=f"{highest[1]:,}",
                                 column=column)
        starts[sequence] = int(highest[0] or 0) + 1
    return starts
