"""PostgreSQL as the shared store (`--db postgresql://user@host:port/dbname`).

The library's SQL is written once, in DuckDB's dialect (sql/*.sql, the migrations and the
statements in the modules). Here it is translated for PostgreSQL by sqlglot, once per text, with
a few rewrites sqlglot does not make itself; `PgConnection` then answers the handful of calls the
store makes on a DuckDB connection (execute/executemany -> fetchone/fetchall/df/description,
register/unregister of a DataFrame), so every query, write path and page runs unchanged on both.

Values are bound on the client (psycopg's ClientCursor): the server sees literals, so
`$region IS NULL` needs no parameter type, as in DuckDB. Sums add NUMERIC values where DuckDB adds
DECIMAL(38, 10): exact on both, so the same data gives the same digits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from kpis.kinds import is_url, redact

__all__ = ["PgConnection", "connect", "is_url", "redact", "translate"]  # redact: kpis.kinds

# One key for this program's advisory lock: writers on every replica take it, so a check-then-write
# (optimistic concurrency, an import's replace) never interleaves with another process's.
WRITE_LOCK_KEY = 0x4B504953  # "KPIS"
VERSION_TABLE = "kpis_data_version"


# -- SQL translation --------------------------------------------------------------------------------

_MARK = "__kpis_param_{}__"


_DISK: dict[str, str] | None = None
_DISK_LOCK = threading.Lock()


def _disk_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kpis" / f"pg-sql-{_translator_version()}.json"


def _translator_version() -> str:
    """Changes with this module and sqlglot, so a cache never serves an old translation."""
    from importlib.metadata import version

    digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"{version('sqlglot')}-{digest}"


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """DuckDB SQL -> PostgreSQL SQL with psycopg placeholders (`$name` -> %(name)s, `?` -> %s).
    Translations are kept on disk (~/.cache/kpis), so a CLI command does not load sqlglot and
    parse its queries again on every run (~0.3 s); the cache is only an optimisation."""
    global _DISK
    key = hashlib.sha1(sql.encode("utf-8")).hexdigest()
    with _DISK_LOCK:
        if _DISK is None:
            try:
                _DISK = json.loads(_disk_path().read_text(encoding="utf-8"))
            except (OSError, ValueError):
                _DISK = {}
        if key in _DISK:
            return _DISK[key]
    text = _translate(sql)
    with _DISK_LOCK:
        _DISK[key] = text
        try:
            path = _disk_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_DISK, handle)
            os.replace(temporary, path)
        except OSError:
            pass
    return text


def _exact_sums(node: Any) -> Any:
    """DuckDB's DOUBLE -> DECIMAL(38, 10), reproduced bit for bit (kpis_decimal below); back to DOUBLE
    both round correctly, so a plain CAST gives the same bits."""
    from sqlglot import exp

    if isinstance(node, exp.Cast | exp.TryCast) and node.to.is_type("decimal"):
        return exp.Anonymous(this="kpis_decimal", expressions=[node.this])
    return node


def _postgres_functions(node: Any) -> Any:
    """DuckDB functions and schemas PostgreSQL spells differently."""
    import sqlglot
    from sqlglot import exp

    if isinstance(node, exp.JSONObject):  # json_object('k', v) -> json_build_object('k', v)
        args: list[exp.Expression] = []
        for pair in node.expressions:
            args += [pair.this, pair.expression]
        return exp.Anonymous(this="json_build_object", expressions=args)
    if isinstance(node, exp.ArgMax | exp.ArgMin):  # arg_max(v, p): v at the largest p
        order = "DESC" if isinstance(node, exp.ArgMax) else "ASC"
        value, key = node.this.sql("postgres"), node.expression.sql("postgres")
        return sqlglot.parse_one(
            f"(array_agg({value} ORDER BY {key} {order}) FILTER (WHERE {key} IS NOT NULL))[1]", read="postgres")
    for kind, unit in ((exp.Year, "YEAR"), (exp.Quarter, "QUARTER"), (exp.Month, "MONTH"), (exp.Day, "DAY")):
        if isinstance(node, kind):  # DuckDB: an integer; PostgreSQL's EXTRACT gives NUMERIC
            return exp.cast(exp.Extract(this=exp.var(unit), expression=node.this), exp.DataType.build("INT"))
    if isinstance(node, exp.Table) and node.args.get("db") is not None:
        schema = node.args["db"].name.lower()
        if schema == "temp":
            node.set("db", exp.to_identifier("pg_temp"))
        elif schema == "main":
            node.set("db", None)
    return node


def _translate(sql: str) -> str:
    import sqlglot
    from sqlglot import exp

    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    names: list[str | None] = []

    def placeholders(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            names.append(None if node.name in ("", "?") else node.name)
            return exp.Var(this=_MARK.format(len(names) - 1))
        return node

    texts = []
    for statement in statements:
        for step in (placeholders, _exact_sums, _postgres_functions):
            statement = statement.transform(step)
        texts.append(statement.sql(dialect="postgres", comments=False))
    text = ";\n".join(texts).replace("%", "%%")
    for number, name in enumerate(names):
        text = text.replace(_MARK.format(number), "%s" if name is None else f"%({name})s", 1)
    return text


# -- values -----------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """numpy / pandas scalars as the Python values psycopg adapts."""
    if value is None or isinstance(value, str | int | float | bool | date | Decimal):
        return value
    item = getattr(value, "item", None)
    if callable(item):  # numpy scalar
        return item()
    to_py = getattr(value, "to_pydatetime", None)
    if callable(to_py):  # pandas Timestamp
        return to_py()
    return value


def _bind(params: Any) -> Any:
    if params is None:
        return []
    if isinstance(params, dict):
        return {k: _plain(v) for k, v in params.items()}
    return [_plain(v) for v in params]


# PostgreSQL type oids the DataFrame conversion cares about
_DATES = {1082, 1114, 1184}
_INT4 = {21, 23}
_INT8 = {20}
_FLOATS = {700, 701, 1700}
_BOOL = {16}


class _Result:
    """What `execute` returns: a psycopg cursor, plus DuckDB's `df()`."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> tuple | None:
        if self._cursor.description is None:  # INSERT/UPDATE/DELETE: DuckDB returns the row count
            return (self._cursor.rowcount,)
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        if self._cursor.description is None:
            return [(self._cursor.rowcount,)]
        return self._cursor.fetchall()

    def fetchmany(self, size: int) -> list[tuple]:
        return self._cursor.fetchmany(size)

    def df(self) -> Any:
        import pandas as pd

        description = self._cursor.description or []
        rows = self._cursor.fetchall() if description else []
        names = [column.name for column in description]
        frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(
            {name: pd.Series([], dtype=object) for name in names})
        for position, column in enumerate(description):
            series = frame.iloc[:, position]
            code = column.type_code
            if code in _DATES:
                converted = pd.to_datetime(series).astype("datetime64[us]")
            elif code in _FLOATS:
                converted = pd.to_numeric(series, errors="coerce").astype("float64")
            elif code in _INT4 | _INT8:
                wide = code in _INT8
                converted = series.astype(("Int64" if wide else "Int32") if series.isna().any()
                                          else ("int64" if wide else "int32"))
            elif code in _BOOL:
                converted = series.astype("boolean" if series.isna().any() else "bool")
            else:
                continue
            frame.isetitem(position, converted)
        return frame


def _pg_type(series: Any) -> str:
    """A column type for a DataFrame column registered as a temporary table."""
    import pandas as pd

    kind = series.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    sample = next((v for v in series if v is not None and not (isinstance(v, float) and pd.isna(v))), None)
    if isinstance(sample, bool):
        return "BOOLEAN"
    if isinstance(sample, int):
        return "BIGINT"
    if isinstance(sample, float | Decimal):
        return "DOUBLE PRECISION"
    if isinstance(sample, datetime):
        return "TIMESTAMP"
    if isinstance(sample, date):
        return "DATE"
    return "TEXT"


def _cell(value: Any) -> Any:
    import pandas as pd

    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return _plain(value)


class PgConnection:
    """A psycopg connection (autocommit: the store's own BEGIN/COMMIT delimit transactions) that
    takes the library's DuckDB SQL."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._registered: list[str] = []

    def execute(self, sql: str, params: Any = None) -> _Result:
        cursor = self.raw.cursor()
        cursor.execute(translate(sql), _bind(params))
        if re.match(r"\s*BEGIN", sql, re.IGNORECASE):
            # writers queue here, across replicas (released at COMMIT / ROLLBACK)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
        return _Result(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw.cursor() as cursor:
            cursor.executemany(translate(sql), [_bind(row) for row in rows])

    def register(self, name: str, frame: Any, like: str | None = None) -> None:
        """A DataFrame as a temporary table `name` (DuckDB reads it in place; here it is copied).
        Columns take the types of table `like`'s columns of the same name, else the data's."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad table name {name!r}")
        columns = [str(c) for c in frame.columns]
        known = {} if like is None else dict(self.raw.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped", [like]).fetchall())
        definition = ", ".join(f'"{c}" {known.get(c) or _pg_type(frame[c])}' for c in columns)
        with self.raw.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute(f'CREATE TEMP TABLE "{name}" ({definition})')
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                for row in frame.itertuples(index=False, name=None):
                    copy.write_row([_cell(v) for v in row])
            cursor.execute(f'ANALYZE "{name}"')  # its size for the planner (kpis.store.rollup.analyze_temp)
        self._registered.append(name)

    def unregister(self, name: str) -> None:
        with self.raw.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        if name in self._registered:
            self._registered.remove(name)

    def stream(self, sql: str, size: int) -> Iterator[list[tuple]]:
        """A query's rows in chunks through a server-side cursor (a table of any size)."""
        with self.raw.transaction(), self.raw.cursor(name="kpis_stream") as cursor:
            cursor.itersize = size
            cursor.execute(translate(sql).replace("%%", "%"))
            while rows := cursor.fetchmany(size):
                yield rows

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Bulk insert (COPY) into a table of the store."""
        quoted = ", ".join(f'"{c}"' for c in columns)
        with self.raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_plain(v) for v in row])

    def close(self) -> None:
        self.raw.close()


def _configure(raw: Any) -> None:
    """Every connection: autocommit, UTC, no JIT, JSON read as text and NUMERIC as float (as DuckDB
    returns them to this library)."""
    from psycopg.types.numeric import FloatLoader
    from psycopg.types.string import TextLoader

    raw.autocommit = True
    raw.adapters.register_loader("json", TextLoader)
    raw.adapters.register_loader("jsonb", TextLoader)
    raw.adapters.register_loader("numeric", FloatLoader)
    raw.execute("SET TimeZone = 'UTC'")
    # short queries: compiling them (JIT) costs more than it saves (the 10 M-row scorecard: 2.7 -> 2.3 s)
    raw.execute("SET jit = off")


def _connect_kwargs() -> dict[str, Any]:
    import psycopg

    return {"cursor_factory": psycopg.ClientCursor, "connect_timeout": 10,
            "application_name": "kpis"}


def connect(url: str) -> PgConnection:
    import psycopg

    raw = psycopg.connect(url, **_connect_kwargs())
    try:
        _configure(raw)
    except BaseException:
        raw.close()
        raise
    return PgConnection(raw)


class Pool:
    """Connections kept open for a process that serves many short reads (the app)."""

    def __init__(self, url: str, size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(url, min_size=1, max_size=size, kwargs=_connect_kwargs(),
                                   configure=_configure, open=True, timeout=10, name="kpis")

    @contextmanager
    def connection(self) -> Iterator[PgConnection]:
        with self.pool.connection() as raw:
            con = PgConnection(raw)
            try:
                yield con
            finally:
                for name in list(con._registered):
                    con.unregister(name)

    def close(self) -> None:
        self.pool.close()


_POOLS: dict[str, Pool] = {}
_POOLS_GUARD = threading.Lock()


def pool_for(url: str) -> Pool:
    with _POOLS_GUARD:
        if url not in _POOLS:
            connect(url).close()  # an unreachable server: its own error now, not a pool timeout later
            _POOLS[url] = Pool(url)
        return _POOLS[url]


def close_pools() -> None:
    with _POOLS_GUARD:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()


# -- change counter (cache invalidation across replicas) --------------------------------------------

# DuckDB casts a DOUBLE to DECIMAL(38, 10) as round-half-away(v * 1e10) computed in DOUBLE (not the
# decimal nearest the double). The same steps here, the integer taken apart in 64- and 32-bit parts
# so no digit is lost, so sums and means give DuckDB's digits exactly (tests/store/test_postgres.py).
# One expression, no FROM: PostgreSQL inlines it into the query (a function with a FROM clause
# would be planned and run once per row, ~5x slower). TRY_CAST: out of range or not finite -> NULL.
_X = "(v * 10000000000::DOUBLE PRECISION)"
_R = f"(trunc({_X}) + CASE WHEN abs({_X} - trunc({_X})) >= 0.5 THEN sign({_X}) ELSE 0 END)"
_HI = f"trunc({_R} / 18446744073709551616::DOUBLE PRECISION)"
_MID = f"trunc(({_R} - {_HI} * 18446744073709551616::DOUBLE PRECISION) / 4294967296::DOUBLE PRECISION)"
_LO = f"({_R} - {_HI} * 18446744073709551616::DOUBLE PRECISION - {_MID} * 4294967296::DOUBLE PRECISION)"
_DECIMAL = (
    "CASE WHEN abs(v) < 900000000 "  # v * 1e10 fits a BIGINT: one step
    f"THEN CAST(CAST({_R} AS BIGINT) * 0.0000000001 AS NUMERIC(38, 10)) "
    "WHEN abs(v) < 1e28 "
    f"THEN CAST((CAST({_HI} AS BIGINT)::NUMERIC * 18446744073709551616 + CAST({_MID} AS BIGINT)::NUMERIC * 4294967296 "
    f"+ CAST({_LO} AS BIGINT)) * 0.0000000001 AS NUMERIC(38, 10)) END"
)
FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION kpis_decimal(v DOUBLE PRECISION) RETURNS NUMERIC(38, 10) "
    f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_DECIMAL} $$",
)


def install_functions(con: PgConnection) -> None:
    for statement in FUNCTIONS:
        con.raw.execute(statement)


# What a DBA would add for the reads this program makes (DuckDB scans columns and needs none): the
# scorecard reads a range of periods (optionally one KPI, one region); targets are read by key.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS kpis_observations_period ON observations (period, kpi_id)",
    "CREATE INDEX IF NOT EXISTS kpis_observations_region ON observations (region, period)",
    "CREATE INDEX IF NOT EXISTS kpis_target_versions_key ON target_versions (kpi_id, year, quarter)",
    "CREATE INDEX IF NOT EXISTS kpis_audit_log_logged_at ON audit_log (logged_at)",
)


def _objects_digest() -> str:
    return hashlib.sha1("\n".join((*FUNCTIONS, *INDEXES, _BUMP, _BUMP_OBSERVATIONS)).encode("utf-8")).hexdigest()


def store_objects_current(con: PgConnection) -> bool:
    """The functions, indexes and change counter of this version of the program are installed
    (their digest is kept as the decimal function's comment)."""
    row = con.raw.execute("SELECT obj_description(to_regprocedure('kpis_decimal(double precision)'), 'pg_proc'), "
                          "to_regclass(%s) IS NOT NULL", [VERSION_TABLE]).fetchone()
    return row[0] == _objects_digest() and bool(row[1])


def install_store_objects(con: PgConnection) -> None:
    """What the PostgreSQL store has beyond the shared schema: functions, indexes, change counter."""
    install_functions(con)
    for statement in INDEXES:
        con.raw.execute(statement)
    install_change_counter(con)
    con.raw.execute(f"COMMENT ON FUNCTION kpis_decimal(DOUBLE PRECISION) IS '{_objects_digest()}'")


_BUMP = f"""CREATE OR REPLACE FUNCTION kpis_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE {VERSION_TABLE} SET version = version + 1 WHERE id = 1; RETURN NULL; END $$"""
# row 2 counts writes to the observations alone: the period roll-up's stamp (Session.observations_stamp)
_BUMP_OBSERVATIONS = f"""CREATE OR REPLACE FUNCTION kpis_bump_observations() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE {VERSION_TABLE} SET version = version + 1 WHERE id = 2; RETURN NULL; END $$"""


def create_change_counter(con: PgConnection) -> None:
    """The counter table (row 1: any write; row 2: writes to the observations), without triggers."""
    con.raw.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)")
    con.raw.execute(f"INSERT INTO {VERSION_TABLE} VALUES (1, 0), (2, 0) ON CONFLICT (id) DO NOTHING")


def install_change_counter(con: PgConnection) -> None:
    """A one-row table that every write to a store table bumps (statement triggers, in the writing
    transaction): replicas key their caches on it, so each sees the others' writes on its next rerun."""
    raw = con.raw
    create_change_counter(con)
    raw.execute(_BUMP)
    raw.execute(_BUMP_OBSERVATIONS)
    tables = [r[0] for r in raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> %s", [VERSION_TABLE]).fetchall()]
    for table in tables:
        raw.execute(f'CREATE OR REPLACE TRIGGER kpis_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                    f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION kpis_bump_version()')
    raw.execute("CREATE OR REPLACE TRIGGER kpis_bump_observations AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                "ON observations FOR EACH STATEMENT EXECUTE FUNCTION kpis_bump_observations()")


def data_version(con: PgConnection) -> float:
    row = con.raw.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1").fetchone()
    return float(row[0]) if row else 0.0


def observations_version(con: PgConnection) -> int:
    """How many write statements have touched the observations (0 before the counter exists)."""
    row = con.raw.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 2").fetchone()
    return int(row[0]) if row else 0
