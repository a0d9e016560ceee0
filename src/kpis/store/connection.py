"""A store: where the data lives (a DuckDB file, or a PostgreSQL database by URL), and the sessions to read and
write it (one writer at a time, busy timeouts, PostgreSQL connection pools)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from kpis.catalog import Catalog
from kpis.errors import ConflictError, KpiError, StoreBusyError
from kpis.escaping import one_line
from kpis.kinds import is_url, redact, url_secrets
from kpis.store.duckdb_files import (
    DUCKDB_CONFIG,
    LINGER,
    PG_READY,
    building_file,
    busy_message,
    check_file,
    io_error,
    is_conflict,
    is_lock_error,
    shared_for,
    write_lock,
)
from kpis.store.migrations import HAS_SCHEMA_SQL, SCHEMA_VERSION
from kpis.store.session import Session

__all__ = ["Store"]


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
            return bool(con.execute(HAS_SCHEMA_SQL).fetchone()[0])

    def _connect(self) -> duckdb.DuckDBPyConnection:
        check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only, config=DUCKDB_CONFIG)
                con.execute("SET TimeZone = 'UTC'")  # dates and months never depend on the machine's TZ
                return con
            except duckdb.IOException as exc:
                if not is_lock_error(exc):
                    raise io_error(self.path, exc) from None
                if time.monotonic() >= deadline:
                    raise StoreBusyError(busy_message(self.path, exc), key="error.busy") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except duckdb.Error as exc:
                raise io_error(self.path, exc) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A migrated connection, closed on exit (or, in a process that called keep_open(), a cursor
        of the file's shared connection, or a pooled PostgreSQL connection). Database errors surface
        as KpiError."""
        if self.url is not None:
            with self._pg_session() as session:
                yield session
            return
        if LINGER[0] > 0 and not self.read_only:
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

        if LINGER[0] > 0:
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
            raise ConflictError.keyed("error.write_conflict", detail=one_line(str(exc))[:300]) from None
        except psycopg.OperationalError as exc:  # the driver's own words may repeat what it was given
            detail = redact(" ".join(str(exc).split()), url_secrets(self.url))[:300]
            raise KpiError.keyed("error.pg_unusable", location=self.location, detail=detail) from None
        except psycopg.Error as exc:
            detail = str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__
            raise KpiError.keyed("error.database", location=self.location,
                                 detail=redact(detail, url_secrets(self.url))) from None

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
            elif not (LINGER[0] > 0 and self.url in PG_READY):
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
                if LINGER[0] > 0:
                    PG_READY.add(self.url)
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
            if is_conflict(exc):
                raise ConflictError.keyed("error.write_conflict", detail=one_line(str(exc))[:300]) from None
            raise io_error(self.path, exc) from None
        except duckdb.Error as exc:
            raise io_error(self.path, exc) from None

    @contextmanager
    def _shared_session(self) -> Iterator[Session]:
        """A cursor (its own DuckDB connection, one per thread) of one connection per file that
        this process keeps open while it is in use and for keep_open()'s seconds after: a page's
        several reads open and check the file once, not once each. Idle for that long, the file is
        released, so the CLI (which waits up to its busy timeout) can write between a user's clicks."""
        shared = shared_for(self.path)
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
            with write_lock(str(self.path.resolve())), self.session() as session:
                yield session
            return
        from kpis.store import postgres as pg

        with write_lock(self.url), self.session() as session:
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
                raise KpiError.keyed("error.copy_target_exists", location=self.location)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with building_file(self.path) as partial:  # the file appears under its name only when complete
                try:
                    con = duckdb.connect(str(partial), config=DUCKDB_CONFIG)
                except duckdb.Error as exc:
                    raise io_error(self.path, exc) from None
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
            raise KpiError.keyed("error.copy_target_not_empty", location=self.location)
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
