"""The telemetry rollup on Apache Spark: the same SQL texts as DuckDB runs (kpis.telemetry.ingest),
transpiled by sqlglot, over Spark's readers of the same files.

Local mode by default (`local[*]`, this machine's cores); any cluster through `--spark-master URL`
or Spark's own configuration (`spark-submit --master ...`, `SPARK_CONF_DIR/spark-defaults.conf`,
`PYSPARK_SUBMIT_ARGS`). The session runs in UTC, with ANSI mode off so a bad value becomes NULL
(and so a reported bad row) exactly as TRY_CAST does in DuckDB.

Exactness: the p95 is Spark's `percentile()` (exact: linear interpolation between the two closest
ranks, as DuckDB's quantile_cont and numpy's default), never `percentile_approx`; counts are exact;
ratios divide DOUBLEs; the mean cost is a DOUBLE sum, so it may differ from DuckDB's in the last
bits (relative 1e-15), as any parallel sum does.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlparse

import pandas as pd

from kpis.errors import KpiError
from kpis.escaping import one_line
from kpis.telemetry.files import Uri, file_kind
from kpis.telemetry.sql import typed_sql

__all__ = ["SparkEngine", "spark_available", "to_spark"]


def spark_available() -> str | None:
    """None when pyspark and a Java runtime are present; else what is missing (for messages and skips)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install pyspark)"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and not _which("java"):
        return "no Java runtime found (Spark needs Java 17 or later; set JAVA_HOME)"
    return None


def _which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def to_spark(sql: str) -> str:
    """DuckDB SQL -> Spark SQL. sqlglot does the dialect; three rewrites keep the meaning exact:
    quantile_cont -> percentile (exact; sqlglot's PERCENTILE_CONT(x, p) is not Spark syntax),
    isfinite(x) -> NOT isnan(x) AND abs(x) < Infinity (Spark has no isfinite), and TIMESTAMP ->
    Spark's TIMESTAMP (an instant; sqlglot would write TIMESTAMP_NTZ, which does not compare with it)."""
    import sqlglot
    from sqlglot import exp

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.PercentileCont):
            return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite":
            value = node.expressions[0]
            finite = exp.and_(
                exp.not_(exp.Anonymous(this="isnan", expressions=[value.copy()])),
                exp.LT(this=exp.Abs(this=value.copy()),
                       expression=exp.cast(exp.Literal.string("Infinity"), "DOUBLE")))
            return exp.Paren(this=finite)
        if isinstance(node, exp.DataType) and node.this in (exp.DataType.Type.TIMESTAMP,
                                                             exp.DataType.Type.TIMESTAMPNTZ):
            return exp.DataType.build("TIMESTAMPTZ")
        return node

    tree = sqlglot.parse_one(sql, read="duckdb").transform(rewrite)
    return tree.sql(dialect="spark", identify=True)


def _spark_errors(method):
    """A failure inside Spark (a path it cannot read, a lost executor, a cluster that refuses the
    job) becomes one clear line, not a Java stack trace."""
    import functools

    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except KpiError:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith(("pyspark", "py4j")):
                raise
            raise KpiError.keyed("error.spark_failed", detail=_cause(exc)[:400]) from None
    return wrapped


def _cause(exc: Exception) -> str:
    """The Java exception's own message (a Py4JJavaError starts with 'An error occurred while
    calling o38.parquet.', which says nothing), else the first line."""
    import re

    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines[1:]:
        found = re.match(r"^:?\s*([\w.$]+(?:Exception|Error)):\s*(.+)$", line)
        if found:
            return f"{found.group(2)} ({found.group(1).rsplit('.', 1)[-1]})"
    return lines[0] if lines else type(exc).__name__


def _path_of(uri: str) -> str:
    """Spark's input_file_name() is a URI (file:///...): back to a local path where it is one."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


class SparkEngine:
    """The rollup's relations (`events`, `numbered_events`) as Spark temporary views."""

    name = "spark"
    _lock = threading.Lock()
    _engines: ClassVar[dict[str | None, SparkEngine]] = {}

    def __init__(self, spark) -> None:
        self.spark = spark

    @classmethod
    def get(cls, master: str | None = None) -> SparkEngine:
        """One session per process (starting the JVM costs seconds; later runs reuse it)."""
        missing = spark_available()
        if missing:
            raise KpiError.keyed("error.spark_unavailable", missing=missing)
        with cls._lock:
            if master not in cls._engines:
                cls._engines[master] = cls(_session(master))
            return cls._engines[master]

    def _read(self, paths: list[Path]):
        reader = self.spark.read
        # each path is one file already found: its glob characters escaped (Hadoop's backslash), so a name
        # such as x_[ab].parquet is read as itself, never again as a pattern (a URI's own pattern is kept)
        names = [str(p) if isinstance(p, Uri) else _hadoop_escaped(str(p)) for p in paths]
        if file_kind(paths) == "parquet":
            return reader.option("mergeSchema", "true").parquet(*names)
        # every column as text (no inference), as DuckDB's all_varchar; the header names the columns
        return reader.option("header", "true").option("inferSchema", "false").option("mode", "PERMISSIVE").csv(names)

    @_spark_errors
    def columns(self, paths: list[Path]) -> set[str]:
        return {name.lower() for name in self._read(paths).columns}

    @_spark_errors
    def define(self, paths: list[Path], has_cost: bool) -> None:
        self._read(paths).createOrReplaceTempView("raw_events")
        self.spark.sql(to_spark(typed_sql("raw_events", file_kind(paths), has_cost, engine="spark"))
                       ).createOrReplaceTempView("events")

    @_spark_errors
    def define_numbered(self, paths: list[Path], has_cost: bool) -> None:
        """Each row with its file and its number in that file (1 = first row). Spark keeps no row
        order across a query, so each file is numbered on its own with zipWithIndex, which follows
        the file's partitions in offset order. Only on the error path (bad rows, unknown names)."""
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        numbered = None
        for path in paths:
            frame = self._read([path])
            schema = StructType([*frame.schema.fields, StructField("filename", StringType()),
                                 StructField("n", LongType())])
            name = str(path)
            rows = frame.rdd.zipWithIndex().map(lambda pair, name=name: (*pair[0], name, pair[1] + 1))
            part = self.spark.createDataFrame(rows, schema)
            numbered = part if numbered is None else numbered.unionByName(part, allowMissingColumns=True)
        numbered.createOrReplaceTempView("raw_numbered")
        self.spark.sql(to_spark(typed_sql("raw_numbered", file_kind(paths), has_cost, engine="spark",
                                          numbered=True))).createOrReplaceTempView("numbered_events")

    @_spark_errors
    def frame(self, sql: str) -> pd.DataFrame:
        rows = self.spark.sql(to_spark(sql)).collect()  # monthly results: small
        if not rows:
            return pd.DataFrame(columns=self.spark.sql(to_spark(sql)).columns)
        return pd.DataFrame([row.asDict() for row in rows])

    @_spark_errors
    def rows(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.spark.sql(to_spark(sql)).collect()]

    @_spark_errors
    def file_rows(self, paths: list[Path]) -> dict[str, int]:
        from pyspark.sql import functions as F

        counts = self._read(paths).groupBy(F.input_file_name().alias("f")).count().collect()
        return {str(Path(_path_of(row["f"])).resolve()): int(row["count"]) for row in counts}


LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
# Spark is configured already: launched by spark-submit (its JVM is up: PYSPARK_GATEWAY_PORT), or
# pointed at a configuration directory or submit arguments; then master and memory are its own
_SPARK_CONFIGURED = ("PYSPARK_GATEWAY_PORT", "PYSPARK_SUBMIT_ARGS", "SPARK_CONF_DIR")


_LOCAL = re.compile(r"^local(\[(\*|[1-9][0-9]{0,3})(,[0-9]{1,3})?\])?$")
_MASTER = re.compile(r"^(spark://[A-Za-z0-9.-]+:[0-9]{1,5}(,[A-Za-z0-9.-]+:[0-9]{1,5})*|yarn|k8s://https?://\S+)$")


def check_master(master: str | None, timeout: float = 5.0) -> None:
    """A --spark-master Spark can use, refused in one line before the JVM starts: its form (local, local[N],
    spark://HOST:PORT, yarn, k8s://URL), and for a standalone master that it answers on its port (Spark itself
    retries an unreachable one for about a minute)."""
    if master is None or _LOCAL.match(master):
        return
    if not _MASTER.match(master):
        raise KpiError.keyed("error.bad_spark_master", master=one_line(master)[:80])
    if master.startswith("spark://"):
        import socket

        host, _, port = master.removeprefix("spark://").split(",")[0].rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout):
                pass
        except OSError as exc:
            why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or exc.__class__.__name__)
            raise KpiError.keyed("error.spark_master_unreachable", host=host, port=port, why=why) from None


def _session(master: str | None):
    import warnings

    # pyspark warns about pandas 3 when it first checks for it; we hand Spark no pandas objects
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    check_master(master)
    builder = SparkSession.builder.appName("kpis-rollup")
    configured = any(os.environ.get(name) for name in _SPARK_CONFIGURED)
    if master and not _LOCAL.match(master):
        builder = builder.master(master)  # a cluster: its executors must reach this driver, so no loopback
    elif master or not configured:
        # local mode on this machine (the default, or --spark-master local[N]): the driver does the work,
        # so give it room (a p95 keeps every value of its group), listen on loopback only, and log errors
        # only; Spark's own configuration, when present and no master is named, decides all of this instead
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (builder.master(master or "local[*]")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.memory", os.environ.get("KPIS_SPARK_DRIVER_MEMORY", "4g")))
    if not configured:  # errors only, never a Java stack trace on the terminal
        builder = builder.config("spark.driver.extraJavaOptions",
                                 f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
    spark = (builder.config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.ansi.enabled", "false")  # a bad value becomes NULL, as TRY_CAST in DuckDB
    return spark


def _hadoop_escaped(path: str) -> str:
    """A local file's path as a Hadoop glob that matches only itself."""
    return "".join(f"\\{c}" if c in "\\*?[]{}" else c for c in path)
