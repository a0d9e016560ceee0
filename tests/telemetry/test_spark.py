"""The telemetry rollup on Spark (local mode) against the DuckDB path and an independent numpy reference.

Skipped, saying why, when pyspark or Java is missing (`make test` installs pyspark; Java 17 is on
the CI machine). One Spark session serves the whole module: starting the JVM costs seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpis.errors import ValidationError
from kpis.roles import Actor
from kpis.store import Store
from kpis.telemetry.eventgen import write_events
from kpis.telemetry.ingest import ingest_events, rollup_to_file
from kpis.telemetry.spark import spark_available, to_spark
from kpis.telemetry.sql import EVENT_KPIS, bad_rows_sql, first_rows_sql, models_sql, monthly_kpis_sql

from .test_telemetry import as_dict, observations, reference

pytestmark = pytest.mark.skipif(spark_available() is not None, reason=f"Spark tests skipped: {spark_available()}")
ADMIN = Actor("platform-bot", "admin")
EXACT = {"concurrent_models", "events"}  # counts: equal, not close


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("logs")
    first, second = folder / "a.parquet", folder / "b.parquet"
    write_events(first, 40_000, seed=11)
    write_events(second, 25_000, seed=12)
    return [first, second]


def _store(path: Path) -> Store:
    from kpis.catalog import DEFAULT_CATALOG_PATH, load_catalog
    from kpis.setup import initialise

    store = Store(path)
    initialise(store, load_catalog(DEFAULT_CATALOG_PATH), demo=False, actor="test")
    return store


def _compare(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, value in expected.items():
        if key[0] in EXACT:
            assert got[key] == value, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_the_rollup_sql_is_the_duckdb_text_transpiled():
    """One source: Spark runs sqlglot's translation of the very strings DuckDB runs, with an exact
    percentile (never percentile_approx) and no DuckDB-only function left."""
    for sql in (monthly_kpis_sql(), models_sql(), bad_rows_sql(), first_rows_sql(["X"])):
        spark_sql = to_spark(sql).lower()
        assert "percentile_approx" not in spark_sql and "approx_percentile" not in spark_sql
        assert "isfinite" not in spark_sql and "timestamp_ntz" not in spark_sql
    assert "percentile(" in to_spark(monthly_kpis_sql()).lower()


def test_spark_and_duckdb_and_numpy_agree_on_every_monthly_value(tmp_path, logs):
    duck, spark = _store(tmp_path / "duck.duckdb"), _store(tmp_path / "spark.duckdb")
    a = ingest_events(duck, [str(p) for p in logs], actor=ADMIN, create_missing=True)
    b = ingest_events(spark, [str(p) for p in logs], actor=ADMIN, create_missing=True, engine="spark")
    assert (a.rows, a.months, a.observations, a.added) == (b.rows, b.months, b.observations, b.added)
    assert b.rows == 65_000
    via_duckdb, via_spark = as_dict(observations(duck)), as_dict(observations(spark))
    _compare(via_spark, via_duckdb)
    events = pd.concat([pd.read_parquet(p) for p in logs])
    _compare(via_spark, reference(events))
    with spark.session() as session:  # the same registry of files (idempotency by content)
        assert session.scalar("SELECT sum(rows) FROM event_files") == 65_000


def test_spark_ingest_is_idempotent_by_file_and_recomputes_shared_months(tmp_path, logs):
    store = _store(tmp_path / "s.duckdb")
    ingest_events(store, [str(logs[0])], actor=ADMIN, create_missing=True, engine="spark")
    again = ingest_events(store, [str(logs[0])], actor=ADMIN, engine="spark")
    assert again.files == () and again.skipped == (str(logs[0].resolve()),)
    ingest_events(store, [str(logs[1])], actor=ADMIN, engine="spark")  # same months: recomputed from both
    events = pd.concat([pd.read_parquet(p) for p in logs])
    _compare(as_dict(observations(store)), reference(events))


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("timestamp,region,tenant,model_id,latency_ms,status,cost_usd\n" + "\n".join(rows) + "\n")
    return path


def test_csv_with_time_zones_gives_the_same_months_on_both_engines(tmp_path):
    log = _csv(tmp_path / "zones.csv", [
        "2026-01-31T23:30:00-06:00,Mexico,t1,m1,100,ok,0.01",   # 2026-02-01 05:30 UTC: February
        "2026-01-31T23:30:00,Mexico,t1,m1,200,error,0.02",      # naive = UTC: January
        "2026-02-10 08:00:00+00:00,USA,t2,m2,50,ok,",            # no cost: not counted in the mean
        "2026-02-11T08:00:00Z,USA,t2,m3,70,ok,0.03",
    ])
    duck, spark = _store(tmp_path / "d.duckdb"), _store(tmp_path / "s.duckdb")
    ingest_events(duck, [str(log)], actor=ADMIN, create_missing=True)
    ingest_events(spark, [str(log)], actor=ADMIN, create_missing=True, engine="spark")
    got, expected = as_dict(observations(spark)), as_dict(observations(duck))
    _compare(got, expected)
    assert got[("transactions_per_day", "2026-01", None)] == pytest.approx(1 / 31)
    assert got[("transactions_per_day", "2026-02", "Mexico")] == pytest.approx(1 / 28)


def test_bad_rows_are_reported_with_the_same_file_and_line_by_both_engines(tmp_path):
    log = _csv(tmp_path / "bad.csv", [
        "2026-03-01T10:00:00,Mexico,t1,m1,100,ok,0.01",
        "not a time,Mexico,t1,m1,100,ok,0.01",                   # line 3
        "2026-03-01T10:00:00,Mexico,t1,m1,-5,ok,0.01",           # line 4: negative latency
        "2026-03-01T10:00:00,Mexico,t1,m1,NaN,maybe,0.01",       # line 5: NaN latency and bad status
        "2026-03-01T10:00:00,,t1,m1,100,ok,0.01",                # line 6: region missing
    ])
    reports = []
    for engine in ("duckdb", "spark"):
        store = _store(tmp_path / f"{engine}.duckdb")
        with pytest.raises(ValidationError) as caught:
            ingest_events(store, [str(log)], actor=ADMIN, create_missing=True, engine=engine)
        reports.append([(e.line, str(e.reason)) for e in caught.value.rows])
        assert observations(store).empty  # nothing written
    assert reports[0] == reports[1]
    assert [line for line, _ in reports[1]] == [3, 4, 5, 6]
    assert "latency_ms: missing or not a finite number" in reports[1][2][1] and "status" in reports[1][2][1]


def test_unknown_region_is_refused_with_its_first_row_on_spark(tmp_path, logs):
    store = _store(tmp_path / "s.duckdb")
    with pytest.raises(ValidationError) as caught:
        ingest_events(store, [str(logs[0])], actor=ADMIN, engine="spark")  # no --create-missing, no regions known
    duck = _store(tmp_path / "d.duckdb")
    with pytest.raises(ValidationError) as expected:
        ingest_events(duck, [str(logs[0])], actor=ADMIN)
    assert [(e.line, str(e.reason)) for e in caught.value.rows] == \
        [(e.line, str(e.reason)) for e in expected.value.rows]


def test_rollup_file_then_import_gives_the_figures_of_ingest(tmp_path, logs):
    out = tmp_path / "monthly.parquet"
    events, months, written = rollup_to_file([str(p) for p in logs], out, engine="spark")
    assert events == 65_000 and len(months) == 12 and written == len(pd.read_parquet(out))
    frame = pd.read_parquet(out)
    assert set(frame["kpi_id"]) == set(EVENT_KPIS) and set(frame["source"]) == {"events"}
    db = tmp_path / "imported.duckdb"
    done = subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), "import", "observations", str(out),
                           "--create-missing"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _compare(as_dict(observations(Store(db))), reference(pd.concat([pd.read_parquet(p) for p in logs])))


def test_cli_rollup_with_spark_in_one_process(tmp_path, logs):
    out = tmp_path / "m.parquet"
    done = subprocess.run([sys.executable, "-m", "kpis", "rollup", "events", str(logs[1]), "--engine", "spark",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "from 25,000 events (spark)" in done.stdout and "Traceback" not in done.stderr
    bad = subprocess.run([sys.executable, "-m", "kpis", "rollup", "events", str(tmp_path / "none" / "*.parquet"),
                          "--engine", "spark", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode != 0 and "No event files matched" in bad.stderr


def test_reported_rows_are_the_files_own_rows_on_both_engines(tmp_path, logs):
    """The first row of an unknown region is the file's first such row (numpy), on both engines, for
    Parquet and for the same data as CSV; repeated, because a parallel scan could number rows in the
    order threads finished (DuckDB's row_number() without ORDER BY once said row 38 for row 7)."""
    frame = pd.read_parquet(logs[0])
    csv = tmp_path / "a.csv"
    frame.to_csv(csv, index=False)
    expected = int(frame.index[frame["region"] == "Brazil"][0]) + 1
    for path, line in ((logs[0], expected), (csv, expected + 1)):  # CSV: the header is line 1
        for engine in ("duckdb", "spark", "duckdb", "duckdb"):
            store = _store(tmp_path / f"{engine}-{path.suffix[1:]}-{line}.duckdb")
            with pytest.raises(ValidationError) as caught:
                ingest_events(store, [str(path)], actor=ADMIN, engine=engine)
            brazil = [e for e in caught.value.rows if "'Brazil'" in str(e.reason)]
            assert [e.line for e in brazil] == [line], (engine, path.suffix)
            Path(store.path).unlink()
