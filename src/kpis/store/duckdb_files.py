"""An embedded DuckDB file: one connection shared by a process's threads (a cursor each) and closed when idle,
one writer lock per file, the checks and messages for a file that is not a store, is busy or cannot be read, and
new files built under a partial name that appear under their own only when complete."""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from kpis.errors import KpiError
from kpis.store.session import Session

if TYPE_CHECKING:
    from kpis.store.connection import Store

_SHARED: dict[str, _Shared] = {}
_WRITE_LOCKS: dict[str, threading.Lock] = {}

__all__ = ["DUCKDB_CONFIG", "building_file", "io_error", "keep_open", "keep_open_seconds", "scratch_connection",
           "sql_literal"]


LINGER = [0.0]  # seconds a shared connection stays open after its last use; 0 = no sharing (CLI)


def keep_open(seconds: float) -> None:
    """In this process, share one connection per database file and keep it open `seconds` after
    its last use (the app: many short reads per page). 0 (the default, the CLI) opens and closes
    the file for every unit of work."""
    LINGER[0] = max(0.0, float(seconds))
    if not LINGER[0]:
        for shared in list(_SHARED.values()):
            shared.close_if_idle()
        if "kpis.store.postgres" in sys.modules:  # and PostgreSQL pools
            sys.modules["kpis.store.postgres"].close_pools()
        PG_READY.clear()


def keep_open_seconds() -> float:
    """`KPIS_KEEP_OPEN`: how long a server (the app, the API) keeps the store open after its last read, in
    seconds (default 0.5)."""
    try:
        return max(0.0, float(os.environ.get("KPIS_KEEP_OPEN") or 0.5))
    except ValueError:
        return 0.5


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
                    self.timer = threading.Timer(LINGER[0], self.close_if_idle)
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


_SHARED_GUARD = threading.Lock()


def shared_for(path: Path) -> _Shared:
    key = str(path.resolve())
    with _SHARED_GUARD:
        return _SHARED.setdefault(key, _Shared())


_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(key: str) -> threading.Lock:
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


# Never download or load extensions behind the user's back (offline machines; a file that is not ours).
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


_SQLITE_HEADER = b"SQLite format 3\x00"


def check_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB tries to read it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KpiError.keyed("error.cannot_read_store", path=path, detail=exc.strerror) from None
    if head.startswith(_SQLITE_HEADER):
        raise KpiError.keyed("error.sqlite_file", path=path)
    if head and len(head) >= 12 and head[8:12] != b"DUCK":
        raise KpiError.keyed("error.not_duckdb", path=path)


def is_conflict(exc: duckdb.Error) -> bool:
    return "conflict" in str(exc).lower()


def io_error(path: Path, exc: duckdb.Error) -> KpiError:
    """What happened, in words: a full disk, a damaged file, or the database's own message."""
    text = str(exc)
    lowered = text.lower()
    if "no space left" in lowered or "disk full" in lowered:
        return KpiError.keyed("error.disk_full", path=path)
    if any(word in lowered for word in ("corrupt", "not a valid duckdb", "checksum", "truncated", "invalid magic",
                                        "could not read enough bytes", "unexpected end")):
        return KpiError.keyed("error.file_damaged", path=path)
    return KpiError.keyed("error.database", location=path, detail=text.splitlines()[0][:300])


def is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def busy_message(path: Path, exc: duckdb.Error) -> str:
    pid = re.search(r"PID (\d+)", str(exc))
    holder = f" (process {pid[1]})" if pid else ""
    return (
        f"The database {path} is in use by another program{holder}. "
        "Try again in a moment, or stop that program first."
    )


PG_READY: set[str] = set()  # PostgreSQL stores this process has migrated (when it keeps connections)


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
            raise KpiError.keyed("error.appeared_while_building", path=path) from None
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
