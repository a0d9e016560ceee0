"""The DuckDB store: the only module that imports duckdb. Connect, migrate, query, write."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from kpis.catalog import Catalog
from kpis.errors import ConflictError, KpiError, SchemaVersionError, StoreBusyError
from kpis.kinds import is_url, redact, url_secrets

if TYPE_CHECKING:  # pandas loads only where a DataFrame is made (a CLI report does not need it)
    import pandas as pd

__all__ = ["SCHEMA_VERSION", "Session", "Store", "in_list", "keep_open", "utc_now"]

SQL_DIR = Path(__file__).with_name("sql")
MIGRATIONS = tuple(sorted((SQL_DIR / "migrations").glob("*.sql")))
SCHEMA_VERSION = len(MIGRATIONS)

ROLLUP_STAMP = "rollup_stamp"  # settings key: the observations_stamp() period_rollup was built from
_ROLLUP_INSERT = (
    "INSERT INTO period_rollup (kpi_id, period, region, has_department, v_sum, n, v_max, v_min, last_loaded) "
    "SELECT o.kpi_id, o.period, o.region, o.department IS NOT NULL, "
    "sum(TRY_CAST(o.value AS DECIMAL(38, 10))), count(o.value), max(o.value), min(o.value), max(o.loaded_at) "
    "FROM observations AS o {join} "
    "GROUP BY o.kpi_id, o.period, o.region, o.department IS NOT NULL"
)
_TARGET_KEY = (
    "t.kpi_id = i.kpi_id AND t.year = i.year AND t.quarter = i.quarter "
    "AND t.region IS NOT DISTINCT FROM i.region AND t.department IS NOT DISTINCT FROM i.department"
)


def _catalog_rows(catalog: Catalog) -> list[tuple]:
    """The kpis table's rows for a catalog (the SQL aggregation rules read them)."""
    now = utc_now()
    return [(k.id, k.family, k.unit, k.direction, k.over_time, k.across_scope, k.error_budget,
             k.model_dump_json(), now) for k in catalog]


_LINGER = [0.0]  # seconds a shared connection stays open after its last use; 0 = no sharing (CLI)


def keep_open(seconds: float) -> None:
    """In this process, share one connection per database file and keep it open `seconds` after
    its last use (the app: many short reads per page). 0 (the default, the CLI) opens and closes
    the file for every unit of work."""
    _LINGER[0] = max(0.0, float(seconds))
    if not _LINGER[0]:
        for shared in list(_SHARED.values()):
            shared.close_if_idle()
        if "kpis.store.postgres" in sys.modules:  # and PostgreSQL pools
            sys.modules["kpis.store.postgres"].close_pools()
        _PG_READY.clear()


class _Shared:
    """One DuckDB connection to one file, handed out as cursors, closed when idle."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.users = 0
        self.timer: threading.Timer | None = None

    def acquire(self, store: Store) -> duckdb.DuckDBPyConnection:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            if self.con is None:
                con = store._connect()
                try:
                    Session(con).migrate()  # once per open: no other process can change the file meanwhile
                except BaseException:
                    con.close()
                    raise
                self.con = con
            self.users += 1
            try:
                cursor = self.con.cursor()
                cursor.execute("SET TimeZone = 'UTC'")
            except BaseException:
                self.users -= 1
                raise
        return cursor

    def release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            cursor.close()
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0 and self.con is not None:
                    self.timer = threading.Timer(_LINGER[0], self.close_if_idle)
                    self.timer.daemon = True
                    self.timer.start()

    def close_if_idle(self) -> None:
        with self.lock:
            if self.users == 0 and self.con is not None:
                self.con.close()
                self.con = None

    def discard(self) -> None:
        with self.lock:
            if self.con is not None:
                try:
                    self.con.close()
                finally:
                    self.con = None


_SHARED: dict[str, _Shared] = {}
_SHARED_GUARD = threading.Lock()


def _shared_for(path: Path) -> _Shared:
    key = str(path.resolve())
    with _SHARED_GUARD:
        return _SHARED.setdefault(key, _Shared())


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(key: str) -> threading.Lock:
    """One lock per store (a file's resolved path, a PostgreSQL URL) per process: DuckDB lets threads
    append concurrently, so a check-then-write (optimistic concurrency) must not interleave with
    another thread's."""
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


def sql_literal(path: Path) -> str:
    """A path as an SQL string literal (EXPORT/IMPORT DATABASE take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC, for work that reads files and writes no store
    (`rollup events ... --out`)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def in_list(values: Any) -> str:
    """`(?, ?, ...)` for an IN over text values bound as parameters, `('')` for none (which matches
    no stored name, so `NOT IN` keeps every row); one form for DuckDB and PostgreSQL."""
    count = len(values)
    return "(" + ", ".join("?" * count) + ")" if count else "('')"


def utc_now() -> datetime:
    """Naive UTC timestamp, the form every stored time takes."""
    return datetime.now(UTC).replace(tzinfo=None)


@cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


# Never download or load extensions behind the user's back (offline machines; a file that is not ours).
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB tries to read it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KpiError(f"Cannot read {path}: {exc.strerror}.") from None
    if head.startswith(_SQLITE_HEADER):
        raise KpiError(f"{path} is an SQLite database, not a DuckDB store; choose another --db file.")
    if head and len(head) >= 12 and head[8:12] != b"DUCK":
        raise KpiError(f"{path} is not a DuckDB store (or it is damaged): restore it from a backup "
                       "(`python -m kpis restore DIR --db NEW.duckdb`).")


def _is_conflict(exc: duckdb.Error) -> bool:
    return "conflict" in str(exc).lower()


def io_message(path: Path, exc: duckdb.Error) -> str:
    """What happened, in words: a full disk, a damaged file, or the database's own message."""
    text = str(exc)
    lowered = text.lower()
    if "no space left" in lowered or "disk full" in lowered:
        return f"No space left on the device that holds {path}; nothing was saved. Free some space and try again."
    if any(word in lowered for word in ("corrupt", "not a valid duckdb", "checksum", "truncated", "invalid magic",
                                        "could not read enough bytes", "unexpected end")):
        return f"The database file {path} is damaged: restore it from a backup (`python -m kpis restore DIR`)."
    return f"Database error in {path}: {text.splitlines()[0][:300]}"


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _busy_message(path: Path, exc: duckdb.Error) -> str:
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f" (process {pid[1]})" if pid else ""
    return (
        f"The database {path} is in use by another program{holder}. "
        "Try again in a moment, or stop that program first."
    )


class Store:
    """A DuckDB file. Open a short-lived `session()` per unit of work so that other
    processes (the CLI next to the app) can get the file between them."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0, read_only: bool = False,
                 catalog: Catalog | None = None) -> None:
        """`path`: a DuckDB file, or a `postgresql://user@host:port/dbname` URL (the shared store;
        kpis.store.postgres). `read_only`: sessions never write (the CLI's reporting commands); the store must
        be at this program's schema version, and if `catalog` differs from the one stored, its rules
        are used for the session without touching the store."""
        self.url = str(path) if is_url(path) else None
        self.path = Path(path) if self.url is None else None
        self.target = self.url or str(self.path)  # what reopens it (a cache key in the app)
        if self.url is not None:
            self.location = redact(self.url)  # for messages: never a password
        else:
            self.location = str(self.path)
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self.catalog = catalog

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    def exists(self) -> bool:
        """The file exists; for PostgreSQL, the database has this program's schema."""
        if self.url is None:
            return self.path.exists()
        with self._pg_errors(), self._pg_connection() as con:
            return bool(con.execute(_HAS_SCHEMA).fetchone()[0])

    def _connect(self) -> duckdb.DuckDBPyConnection:
        _check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only, config=DUCKDB_CONFIG)
                con.execute("SET TimeZone = 'UTC'")  # dates and months never depend on the machine's TZ
                return con
            except duckdb.IOException as exc:
                if not _is_lock_error(exc):
                    raise KpiError(io_message(self.path, exc)) from None
                if time.monotonic() >= deadline:
                    raise StoreBusyError(_busy_message(self.path, exc), key="error.busy") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise KpiError(io_message(self.path, exc)) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A migrated connection, closed on exit (or, in a process that called keep_open(), a cursor
        of the file's shared connection, or a pooled PostgreSQL connection). Database errors surface
        as KpiError."""
        if self.url is not None:
            with self._pg_session() as session:
                yield session
            return
        if _LINGER[0] > 0 and not self.read_only:
            with self._shared_session() as session:
                yield session
            return
        con = self._connect()
        try:
            with self._as_kpi_errors():
                session = Session(con)
                if self.read_only:
                    session.check_version(self.location)
                    if self.catalog is not None:
                        session.use_catalog(self.catalog)
                else:
                    session.migrate()
                yield session
        finally:
            con.close()

    # -- PostgreSQL ---------------------------------------------------------------------------
    @contextmanager
    def _pg_connection(self) -> Iterator[Any]:
        """A connection to the PostgreSQL store: pooled in a process that keeps connections open
        (the app), else opened for this unit of work (the CLI)."""
        from kpis.store import postgres as pg

        if _LINGER[0] > 0:
            with pg.pool_for(self.url).connection() as con:
                yield con
            return
        con = pg.connect(self.url)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _pg_errors(self) -> Iterator[None]:
        """psycopg errors as the library's own, naming the server without its password."""
        import psycopg

        try:
            yield
        except psycopg.errors.LockNotAvailable:  # another writer held the write lock past the busy timeout
            raise StoreBusyError(
                f"The database {self.location} is in use by another program (another write is running). "
                "Try again in a moment.", key="error.busy") from None
        except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
            raise ConflictError(f"Another write changed the same records at the same time: {exc}") from None
        except psycopg.OperationalError as exc:  # the driver's own words may repeat what it was given
            detail = redact(" ".join(str(exc).split()), url_secrets(self.url))[:300]
            raise KpiError(f"Cannot use the PostgreSQL store {self.location}: {detail}") from None
        except psycopg.Error as exc:
            detail = str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__
            raise KpiError(f"Database error in {self.location}: {redact(detail, url_secrets(self.url))}") from None

    @contextmanager
    def _pg_session(self) -> Iterator[Session]:
        from kpis.store import postgres as pg

        with self._pg_errors(), self._pg_connection() as con:
            # a writer waits for another's write lock up to the busy timeout, then says "busy"
            con.raw.execute(f"SET lock_timeout = {max(1, int(self.busy_timeout * 1000))}")
            session = Session(con)
            if self.read_only:
                session.check_version(self.location)
                if self.catalog is not None:
                    session.use_catalog(self.catalog)
            elif not (_LINGER[0] > 0 and self.url in _PG_READY):
                # schema check once per process that keeps connections (the app), under a lock
                # every replica takes, so two starting at once do not both migrate
                con.raw.execute("SELECT pg_advisory_lock(%s)", [pg.WRITE_LOCK_KEY])
                try:
                    before = session.schema_version()
                    session.migrate()
                    if before < SCHEMA_VERSION or not pg.store_objects_current(con):
                        pg.install_store_objects(con)
                    if before < SCHEMA_VERSION:
                        session.ensure_rollup()
                finally:
                    con.raw.execute("SELECT pg_advisory_unlock(%s)", [pg.WRITE_LOCK_KEY])
                if _LINGER[0] > 0:
                    _PG_READY.add(self.url)
            try:
                yield session
            finally:
                if session._depth:  # left inside a transaction by an exception: end it
                    con.raw.execute("ROLLBACK")

    @contextmanager
    def _as_kpi_errors(self) -> Iterator[None]:
        """duckdb errors inside a session as the library's own: a write conflict, else a message
        that names the file and what happened."""
        try:
            yield
        except duckdb.TransactionException as exc:
            if _is_conflict(exc):
                raise ConflictError(f"Another write changed the same records at the same time: {exc}") from None
            raise KpiError(io_message(self.path, exc)) from None
        except duckdb.Error as exc:
            raise KpiError(io_message(self.path, exc)) from None

    @contextmanager
    def _shared_session(self) -> Iterator[Session]:
        """A cursor (its own DuckDB connection, one per thread) of one connection per file that
        this process keeps open while it is in use and for keep_open()'s seconds after: a page's
        several reads open and check the file once, not once each. Idle for that long, the file is
        released, so the CLI (which waits up to its busy timeout) can write between a user's clicks."""
        shared = _shared_for(self.path)
        cursor = shared.acquire(self)
        try:
            with self._as_kpi_errors():
                try:
                    yield Session(cursor)
                except duckdb.FatalException:  # the database instance is unusable: drop it
                    shared.discard()
                    raise
        finally:
            shared.release(cursor)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session that holds the write lock for the store: use it for any read-check-write
        sequence. A DuckDB file: this process's lock (other processes are kept out by DuckDB's own
        file lock). PostgreSQL: an advisory lock every replica and CLI takes, held to the end."""
        if self.url is None:
            with _write_lock(str(self.path.resolve())), self.session() as session:
                yield session
            return
        from kpis.store import postgres as pg

        with _write_lock(self.url), self.session() as session:
            with self._pg_errors():
                session.con.raw.execute("SELECT pg_advisory_lock(%s)", [pg.WRITE_LOCK_KEY])
            try:
                yield session
            finally:
                with self._pg_errors():
                    if session._depth:
                        session.con.raw.execute("ROLLBACK")
                        session._depth = 0
                    session.con.raw.execute("SELECT pg_advisory_unlock(%s)", [pg.WRITE_LOCK_KEY])

    @contextmanager
    def new_store(self) -> Iterator[Session]:
        """A session on a store that does not exist yet (a new file, or an empty PostgreSQL
        database), inside one transaction: committed when the block ends, else nothing is left
        (a file is built under a temporary name and appears under its own only when complete, so a
        killed copy leaves no half-made store). For copies: the caller creates the schema (create_schema)."""
        if self.url is None:
            if self.path.exists():
                raise KpiError(f"{self.location} already exists; copy into a new file (or move the old one away).")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with building_file(self.path) as partial:  # the file appears under its name only when complete
                try:
                    con = duckdb.connect(str(partial), config=DUCKDB_CONFIG)
                except duckdb.Error as exc:
                    raise KpiError(io_message(self.path, exc)) from None
                try:
                    with self._as_kpi_errors():
                        session = Session(con)
                        con.execute("BEGIN TRANSACTION")
                        session._depth = 1
                        yield session
                        con.execute("COMMIT")
                finally:
                    con.close()
            return
        if self.exists():
            raise KpiError(f"{self.location} already holds a store; copy into an empty database "
                           "(create a new one, or drop this one's tables first).")
        from kpis.store import postgres as pg

        with self._pg_errors():
            con = pg.connect(self.url)
        try:
            with self._pg_errors():
                session = Session(con)
                con.execute("BEGIN TRANSACTION")  # PostgreSQL's DDL included: all or nothing
                session._depth = 1
                pg.install_functions(con)  # what the caller's period roll-up needs (the rest comes after the data)
                pg.create_change_counter(con)
                yield session
                pg.install_store_objects(con)
                con.execute("COMMIT")
        finally:
            con.close()

    def data_version(self) -> float:
        """Changes whenever the store is written: the file's or its WAL's modification time (0 if
        absent); for PostgreSQL, a counter every write bumps in its own transaction (kpis.store.postgres), so
        each replica sees the others' writes on its next rerun."""
        if self.url is not None:
            from kpis.store import postgres as pg

            with self._pg_errors(), self._pg_connection() as con:
                return pg.data_version(con)
        stamps = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                stamps.append(path.stat().st_mtime_ns)
            except FileNotFoundError:
                stamps.append(0)
        return float(max(stamps))


_HAS_SCHEMA = ("SELECT count(*) > 0 FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_name = 'schema_version'")
_PG_READY: set[str] = set()  # PostgreSQL stores this process has migrated (when it keeps connections)


def create_schema(con: Any, version: int, starts: dict[str, int]) -> None:
    """This program's migrations 1..`version` on an empty store (a DuckDB or kpis.store.postgres connection),
    each id sequence starting at `starts[name]` (after the highest id of the data about to be
    loaded, so new rows never collide)."""
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        sql = script.read_text(encoding="utf-8")
        for name, start in starts.items():
            sql = sql.replace(f"CREATE SEQUENCE {name};", f"CREATE SEQUENCE {name} START {int(start)};")
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now()])


# id sequence -> (table, column)
SEQUENCES = {"observation_ids": ("observations", "obs_id"),
                          "target_version_ids": ("target_versions", "version_id"),
                          "audit_ids": ("audit_log", "audit_id"), "checkin_ids": ("checkins", "checkin_id")}


@contextmanager
def building_file(path: Path) -> Iterator[Path]:
    """A new DuckDB file built under a temporary name beside `path` (`.NAME.partial-PID`) and linked to `path`
    only when the block ends without error: a killed or failed copy or restore never leaves a half-made store
    under the name (a partial file of a process that is gone is removed by the next one)."""
    for stale in path.parent.glob(f".{path.name}.partial-*"):
        pid = stale.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and not _running(int(pid)):
            stale.unlink(missing_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        try:
            os.link(partial, path)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            raise KpiError(f"{path} appeared while it was being built; the new copy was discarded.") from None
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Session:
    """One open connection: named queries (sql/*.sql) and transactional writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._depth = 0

    # -- schema -----------------------------------------------------------------------------
    def schema_version(self) -> int:
        try:
            return int(self.con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])
        except duckdb.CatalogException:  # a new, empty file
            return 0
        except Exception as exc:  # a new, empty PostgreSQL database
            if exc.__class__.__name__ == "UndefinedTable":
                return 0
            raise

    def _known_version(self) -> int:
        """The file's schema version; a file written by a newer program is refused."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"This database uses schema version {current}, but this program only knows up to "
                f"version {SCHEMA_VERSION}. Upgrade the program, or open a different file."
            )
        return current

    def check_version(self, path: Path | str) -> None:
        """For a read-only session: the file must be at SCHEMA_VERSION (an older one needs `init`)."""
        current = self._known_version()
        if current < SCHEMA_VERSION:
            raise KpiError(f"{path} was made by an earlier version (schema {current} of {SCHEMA_VERSION}): run "
                           "`python -m kpis init` once to upgrade it, then run this command again.")

    def use_catalog(self, catalog: Catalog) -> None:
        """In a read-only session, read with `catalog`'s aggregation rules: if they differ from the
        stored ones, a temporary `kpis` table (this connection only, in memory) takes their place."""
        wanted = _catalog_rows(catalog)
        stored = dict(self.con.execute("SELECT kpi_id, definition FROM kpis").fetchall())
        if all(stored.get(row[0]) == row[7] for row in wanted):
            return
        from kpis.packs import full_catalog, load_growth_pack

        self.con.execute("CREATE TEMP TABLE kpis AS SELECT * FROM main.kpis LIMIT 0")
        self.con.executemany("INSERT INTO temp.kpis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             _catalog_rows(full_catalog(catalog, load_growth_pack())))

    def migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION; refuse a file written by a newer program."""
        current = self._known_version()
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                self.con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                self.con.execute(script.read_text(encoding="utf-8"))
                self.con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now()])
        if current < SCHEMA_VERSION and isinstance(self.con, duckdb.DuckDBPyConnection):
            self.ensure_rollup()  # PostgreSQL: after its functions are installed (Store._pg_session)

    def ensure_rollup(self) -> None:
        """Build period_rollup in full if it does not match the observations (a new or upgraded store,
        or observations changed by SQL outside this program)."""
        if not self.rollup_ready():
            self.refresh_rollup()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all. Nested uses join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self.con.execute("COMMIT")

    # -- reads ------------------------------------------------------------------------------
    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run sql/<name>.sql with `$param` placeholders bound from keyword arguments (`$rolled`, in
        the queries that can read period_rollup, is bound to rollup_ready() unless given)."""
        sql = _sql(name)
        return self.con.execute(sql, self._with_rolled(sql, params)).df()

    def rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run sql/<name>.sql and return plain dicts (cheaper than a DataFrame for small results)."""
        sql = _sql(name)
        cursor = self.con.execute(sql, self._with_rolled(sql, params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _with_rolled(self, sql: str, params: dict[str, Any]) -> dict[str, Any]:
        if "$rolled" in sql and "rolled" not in params:
            return {**params, "rolled": self.rollup_ready()}
        return params

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()  # fetched to the end: DuckDB 2 refuses a
        return rows[0][0] if rows else None                    # register() while a result is unfinished

    def table_counts(self) -> dict[str, int]:
        return {name: int(self.scalar(f'SELECT count(*) FROM "{name}"')) for name in self.table_names()}

    def table_names(self) -> list[str]:
        """The store's tables (not the PostgreSQL store's change counter), sorted."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'kpis_data_version' ORDER BY 1").fetchall()]

    def stream_rows(self, sql: str, size: int) -> Iterator[list[tuple]]:
        """A query's rows in chunks of `size`, without holding the whole result in memory."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            cursor = self.con.execute(sql)
            while rows := cursor.fetchmany(size):
                yield rows
            return
        yield from self.con.stream(sql, size)

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Bulk insert (a copy's chunk): Arrow into DuckDB, COPY into PostgreSQL."""
        if not isinstance(self.con, duckdb.DuckDBPyConnection):
            self.con.copy_rows(table, columns, rows)
            return
        import pyarrow as pa

        chunk = pa.table({c: pa.array([row[i] for row in rows]) for i, c in enumerate(columns)})
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.con.register("copy_chunk", chunk)
        try:
            self.con.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM copy_chunk')
        finally:
            self.con.unregister("copy_chunk")

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if value is None else value

    # -- the period roll-up (derived from the observations; sql/migrations/011) ---------------
    def observations_stamp(self) -> str:
        """Changes whenever the observations change. DuckDB: their count and highest id (read from
        the table's statistics, under a millisecond at 10 M rows; ids only grow, so an insert, a
        delete or an upsert always moves one of them). PostgreSQL: a counter that a statement
        trigger on the table bumps (kpis.store.postgres)."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            count, highest = self.con.execute("SELECT count(*), max(obs_id) FROM observations").fetchall()[0]
            return f"{count}:{highest}"
        from kpis.store import postgres as pg

        return f"v{pg.observations_version(self.con)}"

    def rollup_ready(self) -> bool:
        """period_rollup was built from the observations as they are now (so reads may use it)."""
        return self.get_setting(ROLLUP_STAMP) == self.observations_stamp()

    def refresh_rollup(self, touched: str | None = None, params: list[Any] | None = None) -> None:
        """Rebuild period_rollup for the (kpi_id, period) pairs that the SELECT `touched` lists (from
        this library; values bound as `params`), or entirely (None), and stamp it. Call it in the
        transaction that changed the observations, with `touched` only if rollup_ready() was true
        before the change (else a partial rebuild would stamp rows it did not rebuild)."""
        with self.transaction():
            if touched is None:
                self.con.execute("DELETE FROM period_rollup")
                self.con.execute(_ROLLUP_INSERT.format(join=""))
            else:
                self.con.execute("CREATE TEMP TABLE rollup_pairs AS SELECT DISTINCT kpi_id, period "
                                 f"FROM ({touched}) AS t", params or [])
                try:
                    self.con.execute("DELETE FROM period_rollup AS r USING rollup_pairs AS t "
                                     "WHERE r.kpi_id = t.kpi_id AND r.period = t.period")
                    self.con.execute(_ROLLUP_INSERT.format(
                        join="JOIN rollup_pairs AS t ON o.kpi_id = t.kpi_id AND o.period = t.period"))
                finally:
                    self.con.execute("DROP TABLE IF EXISTS rollup_pairs")
            self.set_setting(ROLLUP_STAMP, self.observations_stamp())

    # -- writes -----------------------------------------------------------------------------
    def _register(self, name: str, frame: pd.DataFrame, *, like: str) -> None:
        """A DataFrame as a relation `name` for the next statements (PostgreSQL: a temporary table
        typed like table `like`)."""
        if isinstance(self.con, duckdb.DuckDBPyConnection):
            self.con.register(name, frame)
        else:
            self.con.register(name, frame, like=like)

    def set_setting(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT INTO settings VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value, updated_at = excluded.updated_at", [key, value, utc_now()]
        )

    def sync_catalog(self, catalog: Catalog) -> None:
        """Make the kpis table equal to the catalog (the SQL aggregation rules read it)."""
        rows = _catalog_rows(catalog)
        stored = self.con.execute("SELECT kpi_id, definition FROM kpis ORDER BY kpi_id").fetchall()
        if stored == sorted((row[0], row[7]) for row in rows):
            return  # unchanged: do not touch the file
        with self.transaction():
            self.con.execute("DELETE FROM kpis")
            self.con.executemany("INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def upsert_keyed(self, table: str, keys: tuple[str, ...], values: tuple[str, ...], rows: pd.DataFrame, *,
                     entity: str, actor: str, channel: str, stamps: dict[str, str]) -> int:
        """Insert or replace rows of `table` by `keys`, auditing each change (old -> new values);
        rows equal to what is stored are skipped. `stamps` maps a column to 'now' or 'actor'.
        Table and column names come from this library, never from input. Returns rows written."""
        incoming = rows[list(keys + values)]
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in keys)
        differs = " OR ".join(f"t.{v} IS DISTINCT FROM i.{v}" for v in values)
        as_json = ", ".join(f"'{v}', {{p}}\"{v}\"" for v in values)  # quoted: `value` is a keyword to sqlglot
        stamp_values = {"now": "$now", "actor": "$actor"}
        columns = ", ".join(keys + values + tuple(stamps))
        selected = ", ".join(keys + values + tuple(stamp_values[v] for v in stamps.values()))
        params = {"now": utc_now(), "actor": actor, "channel": channel, "entity": entity}
        with self.transaction():
            rolled = table == "observations" and self.rollup_ready()
            self._register("incoming_rows", incoming, like=table)
            try:
                self.con.execute(
                    f"CREATE TEMP TABLE changed_rows AS SELECT i.*, t.{keys[0]} IS NOT NULL AS existed, "
                    f"json_object({as_json.format(p='t.')}) AS old_json "
                    f"FROM incoming_rows AS i LEFT JOIN {table} AS t ON {match} WHERE t.{keys[0]} IS NULL OR {differs}"
                )
                count = self.scalar("SELECT count(*) FROM changed_rows")
                self.con.execute(f"DELETE FROM {table} AS t USING changed_rows AS i WHERE {match}")
                insert = f"INSERT INTO {table} ({columns}) SELECT {selected} FROM changed_rows"
                self.con.execute(insert, {k: v for k, v in params.items() if f"${k}" in insert})
                key_text = ", ".join(f"coalesce({k}::VARCHAR, '*')" for k in keys)
                self.con.execute(
                    f"""INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                               old_value, new_value, reason)
                        SELECT $now, $actor, $channel, CASE WHEN existed THEN 'update' ELSE 'create' END, $entity,
                               concat_ws(' / ', {key_text}), {"kpi_id" if "kpi_id" in keys else "NULL"},
                               CASE WHEN existed THEN old_json END, json_object({as_json.format(p='')}), NULL
                        FROM changed_rows""",
                    params,
                )
                if table == "observations":  # even with no rows changed: PostgreSQL's trigger has fired
                    self.refresh_rollup("SELECT kpi_id, period FROM changed_rows" if rolled else None)
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_rows")
                self.con.unregister("incoming_rows")
        return int(count)

    def upsert_observations(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace observations by (kpi_id, period, region, department)."""
        return self.upsert_keyed("observations", ("kpi_id", "period", "region", "department"), ("value", "source"),
                                 rows, entity="observation", actor=actor, channel=channel,
                                 stamps={"loaded_at": "now"})

    def upsert_value_streams(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace value-stream amounts by (program, stream, year)."""
        return self.upsert_keyed("value_streams", ("program", "stream", "year"), ("amount", "currency", "growth_rate"),
                                 rows, entity="value_stream", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_investments(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace investments by (program, year, category)."""
        return self.upsert_keyed("investments", ("program", "year", "category"), ("amount", "currency"),
                                 rows, entity="investment", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_fx_rates(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace FX rates by (base, quote, day)."""
        return self.upsert_keyed("fx_rates", ("base", "quote", "day"), ("rate",), rows, entity="fx_rate",
                                 actor=actor, channel=channel, stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_scenarios(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace named value scenarios (who made them is kept)."""
        return self.upsert_keyed("value_scenarios", ("name",),
                                 ("growth_scale", "investment_scale", "growth_cap", "run_cost", "note"), rows,
                                 entity="value_scenario", actor=actor, channel=channel,
                                 stamps={"created_by": "actor", "created_at": "now"})

    def upsert_maturity(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace maturity scores by (unit, year, quarter, dimension)."""
        return self.upsert_keyed("maturity_assessments", ("unit", "year", "quarter", "dimension"),
                                 ("score", "target", "assessor", "evidence"), rows, entity="maturity",
                                 actor=actor, channel=channel, stamps={"updated_by": "actor", "updated_at": "now"})

    def upsert_ticks(self, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
        """Insert or replace checklist ticks by (unit, year, quarter, checklist, item)."""
        return self.upsert_keyed("checklist_ticks", ("unit", "year", "quarter", "checklist", "item"),
                                 ("done", "note"), rows, entity="checklist", actor=actor, channel=channel,
                                 stamps={"updated_by": "actor", "updated_at": "now"})

    def append_targets(self, rows: pd.DataFrame, *, actor: str, channel: str,
                       at: datetime | None = None) -> int:
        """Append a new version for each target that differs from the one in force; the previous
        value, who, when and why are kept. Returns how many versions were added."""
        incoming = rows[["kpi_id", "year", "quarter", "region", "department", "target", "reason"]]
        now = at or utc_now()
        with self.transaction():
            self._register("incoming_targets", incoming, like="target_versions")
            try:
                self.con.execute(
                    f"""
                    CREATE TEMP TABLE changed_targets AS
                    WITH current AS (
                        SELECT * FROM target_versions
                        QUALIFY row_number() OVER (
                            PARTITION BY kpi_id, year, quarter, region, department
                            ORDER BY changed_at DESC, version_id DESC) = 1
                    )
                    SELECT i.*, t.target AS previous
                    FROM incoming_targets AS i
                    LEFT JOIN current AS t ON {_TARGET_KEY}
                    WHERE t.version_id IS NULL OR t.target IS DISTINCT FROM i.target
                    """
                )
                count = self.scalar("SELECT count(*) FROM changed_targets")
                self.con.execute(
                    """INSERT INTO target_versions (kpi_id, year, quarter, region, department, target,
                                                    previous, changed_by, changed_at, reason)
                       SELECT kpi_id, year, quarter, region, department, target, previous,
                              $actor, $now, reason
                       FROM changed_targets""",
                    {"now": now, "actor": actor},
                )
                self.con.execute(
                    """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                              old_value, new_value, reason)
                       SELECT $now, $actor, $channel,
                              CASE WHEN previous IS NULL THEN 'create' ELSE 'update' END,
                              'target',
                              concat_ws(' / ', kpi_id, year::VARCHAR || '-Q' || quarter::VARCHAR,
                                        coalesce(region, '*'), coalesce(department, '*')),
                              kpi_id,
                              CASE WHEN previous IS NULL THEN NULL ELSE json_object('target', previous) END,
                              json_object('target', target),
                              reason
                       FROM changed_targets""",
                    {"now": now, "actor": actor, "channel": channel},
                )
            finally:
                self.con.execute("DROP TABLE IF EXISTS changed_targets")
                self.con.unregister("incoming_targets")
        return int(count)

    def delete_observation(self, obs_id: int, *, actor: str, channel: str, reason: str | None) -> None:
        """Remove one observation; it is kept in deleted_observations and the audit log."""
        self.delete_observations("obs_id = ?", [obs_id], actor=actor, channel=channel, reason=reason)

    def delete_observations(self, where: str, params: list[Any], *, actor: str, channel: str,
                            reason: str | None) -> int:
        """Remove the observations matching `where` (SQL from this library, values bound as `params`);
        each is kept in deleted_observations and gets an audit row. Returns how many went."""
        now = utc_now()
        with self.transaction():
            rolled = self.rollup_ready()
            self.con.execute(f"CREATE TEMP TABLE deleted_pairs AS SELECT DISTINCT kpi_id, period FROM observations "
                             f"WHERE {where}", params)
            self.con.execute(
                f"""INSERT INTO deleted_observations
                    SELECT obs_id, kpi_id, period, region, department, value, source, loaded_at, ?, ?, ?
                    FROM observations WHERE {where}""", [actor, now, reason, *params])
            count = self.con.execute(
                f"""INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                                           old_value, new_value, reason)
                    SELECT ?, ?, ?, 'delete', 'observation',
                           concat_ws(' / ', kpi_id, period::VARCHAR, coalesce(region, '*'), coalesce(department, '*')),
                           kpi_id, json_object('value', "value", 'source', source), NULL, ?
                    FROM observations WHERE {where}""", [now, actor, channel, reason, *params]).fetchone()[0]
            self.con.execute(f"DELETE FROM observations WHERE {where}", params)
            self.refresh_rollup("SELECT kpi_id, period FROM deleted_pairs" if rolled else None)  # even for none
            self.con.execute("DROP TABLE deleted_pairs")
        return int(count)

    def freeze_quarter(self, year: int, quarter: int, *, actor: str, channel: str, note: str | None) -> None:
        """Mark a quarter as the board-approved snapshot; later target changes are restatements."""
        now = utc_now()
        with self.transaction():
            self.con.execute("INSERT INTO frozen_quarters VALUES (?, ?, ?, ?, ?)", [year, quarter, actor, now, note])
            self.con.execute(
                """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, new_value, reason)
                   VALUES (?, ?, ?, 'freeze', 'quarter', ?, json_object('frozen', true), ?)""",
                [now, actor, channel, f"{year}-Q{quarter}", note])

    def preference(self, actor: str, key: str) -> str | None:
        return self.scalar("SELECT value FROM user_preferences WHERE actor = ? AND key = ?", [actor, key])

    def set_preference(self, actor: str, key: str, value: str) -> None:
        self.con.execute("INSERT INTO user_preferences VALUES (?, ?, ?, ?) ON CONFLICT (actor, key) DO UPDATE "
                         "SET value = excluded.value, updated_at = excluded.updated_at", [actor, key, value, utc_now()])

    def record_audit(self, *, actor: str, channel: str, action: str, entity: str, entity_key: str,
                     reason: str | None = None) -> None:
        self.con.execute(
            """INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [utc_now(), actor, channel, action, entity, entity_key, reason],
        )
