"""Platform KPIs from request logs, checked against an independent numpy reference."""

from __future__ import annotations

import calendar
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpis.errors import ValidationError
from kpis.roles import Actor
from kpis.telemetry.eventgen import write_events
from kpis.telemetry.ingest import ingest_events

ADMIN = Actor("platform-bot", "admin")


def observations(store) -> pd.DataFrame:
    with store.session() as session:
        return session.con.execute(
            "SELECT kpi_id, period, region, value FROM observations WHERE source = 'events'").df()


def reference(events: pd.DataFrame) -> dict[tuple[str, str, str | None], float]:
    """The five KPIs computed with numpy/pandas, per (month, region) and pooled per month."""
    events = events.assign(month=pd.to_datetime(events["timestamp"]).dt.strftime("%Y-%m"))
    expected = {}
    for (month, region), group in events.groupby(["month", "region"]):
        expected |= _kpis(month, region, group)
    for month, group in events.groupby("month"):
        expected |= _kpis(month, None, group)
    return expected


def _kpis(month: str, region: str | None, group: pd.DataFrame) -> dict:
    year, number = map(int, month.split("-"))
    days = calendar.monthrange(year, number)[1]
    return {
        ("api_latency_p95_ms", month, region): float(np.percentile(group["latency_ms"].to_numpy(), 95)),
        ("availability_pct", month, region): 100 * float((group["status"] == "ok").mean()),
        ("transactions_per_day", month, region): len(group) / days,
        ("cost_per_prediction_usd", month, region): float(group["cost_usd"].mean()),
        ("concurrent_models", month, region): float(group["model_id"].nunique()),
    }


def as_dict(frame: pd.DataFrame) -> dict:
    return {(r.kpi_id, pd.Timestamp(r.period).strftime("%Y-%m"), None if pd.isna(r.region) else r.region): r.value
            for r in frame.itertuples()}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "events.parquet"
    write_events(path, 60_000, seed=5)
    return path


def test_every_kpi_matches_an_independent_reference_per_region_and_pooled(store, log):
    result = ingest_events(store, [str(log)], actor=ADMIN, create_missing=True)
    assert result.rows == 60_000 and len(result.months) == 12
    got = as_dict(observations(store))
    expected = reference(pd.read_parquet(log))
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


def test_pooled_p95_is_not_an_average_of_regions(store, log):
    ingest_events(store, [str(log)], actor=ADMIN, create_missing=True)
    got = as_dict(observations(store))
    pooled = got[("api_latency_p95_ms", "2026-03", None)]
    regional = [got[("api_latency_p95_ms", "2026-03", r)] for r in ("Mexico", "USA", "Colombia", "Brazil")]
    assert pooled != pytest.approx(np.mean(regional))


def test_ingesting_the_same_file_twice_changes_nothing(store, log):
    ingest_events(store, [str(log)], actor=ADMIN, create_missing=True)
    before = observations(store)
    again = ingest_events(store, [str(log)], actor=ADMIN, create_missing=True)
    assert again.files == () and again.skipped == (str(log.resolve()),)
    pd.testing.assert_frame_equal(observations(store), before)


def test_a_month_split_across_two_files_is_computed_from_both(store, tmp_path, log):
    events = pd.read_parquet(log)
    march = events[pd.to_datetime(events["timestamp"]).dt.month == 3].sort_values("timestamp")
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    march.iloc[: len(march) // 2].to_parquet(first)
    march.iloc[len(march) // 2:].to_parquet(second)
    ingest_events(store, [str(first)], actor=ADMIN, create_missing=True)
    partial = as_dict(observations(store))[("transactions_per_day", "2026-03", None)]
    result = ingest_events(store, [str(second)], actor=ADMIN, create_missing=True)
    assert result.months == ("2026-03",)
    got = as_dict(observations(store))
    expected = reference(march)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key
    assert got[("transactions_per_day", "2026-03", None)] == pytest.approx(2 * partial, rel=0.01)
    with store.session() as session:
        runs = session.scalar("SELECT count(*) FROM audit_log WHERE channel = 'ingest' AND action = 'ingest'")
    assert runs == 2


def test_bad_rows_are_reported_with_lines_and_nothing_is_written(store, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "timestamp,region,tenant,model_id,latency_ms,status,cost_usd\n"
        "2026-01-05T10:00:00,Mexico,t1,m1,40.5,ok,0.05\n"
        "not-a-date,Mexico,t1,m1,40.5,ok,0.05\n"
        "2026-01-05T10:00:02,USA,t1,m1,-3,ok,0.05\n"
        "2026-01-05T10:00:03,USA,t1,m1,12,maybe,0.05\n")
    with pytest.raises(ValidationError, match="3 bad event row") as info:
        ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    reasons = {row.line: row.reason for row in info.value.rows}
    assert "timestamp" in reasons[3] and "negative" in reasons[4] and "status" in reasons[5]
    assert observations(store).empty
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM event_files") == 0


def test_missing_columns_and_files_are_clear_errors(store, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("timestamp,region,latency_ms\n2026-01-05T10:00:00,Mexico,40\n")
    with pytest.raises(ValidationError, match="missing column"):
        ingest_events(store, [str(path)], actor=ADMIN, create_missing=True)
    with pytest.raises(ValidationError, match="no such file"):
        ingest_events(store, [str(tmp_path / "nope.parquet")], actor=ADMIN, create_missing=True)


def test_viewer_cannot_ingest(store, log):
    from kpis.roles import PermissionDenied

    with pytest.raises(PermissionDenied):
        ingest_events(store, [str(log)], actor=Actor("v", "viewer"))


def test_cli_demo_events_then_ingest_glob(tmp_path):
    db = tmp_path / "cli.duckdb"
    run = lambda *a: subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    assert run("demo-events", "--events", "20000", "--out", str(tmp_path / "logs" / "a.parquet")).returncode == 0
    assert run("demo-events", "--events", "500", "--out", str(tmp_path / "small.csv")).returncode == 0
    result = run("ingest", "events", str(tmp_path / "logs" / "*.parquet"), "--create-missing")
    assert result.returncode == 0 and "20,000 events" in result.stdout
    again = run("ingest", "events", str(tmp_path / "logs"))
    assert again.returncode == 0 and "skipped" in again.stdout
    rows = __import__("json").loads(run("scorecard", "--year", "2026", "--quarter", "1", "--format", "json").stdout)
    latency = next(r for r in rows if r["kpi_id"] == "api_latency_p95_ms")
    assert latency["actual"] is not None


def test_the_regions_page_says_so_when_figures_come_from_request_logs(demo_store, log, monkeypatch):
    """The caption follows the data: absent on the demo (no logs ingested, so no scan of the observations
    looks for them), present once an ingest has written observations from logs."""
    from streamlit.testing.v1 import AppTest

    from kpis.i18n import t

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(root)

    def says_logs() -> bool:
        app = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        app.run()
        app.switch_page("pages/regions.py").run()
        assert not app.exception and not app.error
        return any(t("regions.from_logs", "en") in caption.value for caption in app.caption)

    assert not says_logs()
    ingest_events(demo_store, [str(log)], actor=ADMIN, create_missing=True)
    assert says_logs()
