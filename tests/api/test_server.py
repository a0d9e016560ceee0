"""serve-api as a real process: tokens never written out, the API and other programs on one store at once
(a DuckDB file is free between requests), several API processes on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from kpis.store import Store
from tests.api.conftest import make_tokens
from tests.api.serving import serving


def kpis(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpis", "--db", db, *args], capture_output=True, text=True,
                          timeout=120)


def test_tokens_are_never_logged_and_bad_requests_stay_one_line(demo_store):
    tokens = make_tokens(demo_store)
    with serving(str(demo_store.target)) as server:
        for secret in [*tokens.values(), "kpis_guessed-token"]:
            httpx.get(server.url + "/v1/report?year=2026&quarter=3", headers={"Authorization": f"Bearer {secret}"})
        httpx.post(server.url + "/v1/observations", content=b"{not json",
                   headers={"Authorization": f"Bearer {tokens['editor']}", "Content-Type": "application/json"})
    output = server.output[0]
    assert all(secret not in output for secret in tokens.values()) and "kpis_guessed" not in output
    assert "Traceback" not in output
    listed = kpis("token", "list", db=str(demo_store.target)).stdout
    assert "pipeline-editor" in listed and all(secret not in listed for secret in tokens.values())


@pytest.mark.duckdb_only
def test_the_api_and_the_cli_share_one_duckdb_file_between_requests(demo_store):
    """The API keeps the file only for a moment after a request (KPIS_KEEP_OPEN), so the CLI (or the app) can
    write it between the API's requests, and each sees the other's writes."""
    db = str(demo_store.target)
    editor = {"Authorization": f"Bearer {make_tokens(demo_store)['editor']}"}
    with serving(db, env={"KPIS_KEEP_OPEN": "0.2"}) as server:
        pushed = httpx.post(server.url + "/v1/observations", headers=editor, json={"rows": [
            {"kpi_id": "new_users", "period": "2026-11-30", "value": 4321, "region": "Mexico"}]})
        assert pushed.status_code == 200, pushed.text
        time.sleep(0.5)
        written = kpis("checkin", "new_users", "--year", "2026", "--quarter", "4", "--note",
                       "Written by the CLI while the API runs", db=db)
        assert written.returncode == 0, written.stderr
        rows = kpis("scorecard", "--year", "2026", "--quarter", "4", "--region", "Mexico", "--format", "json",
                    db=db)
        assert rows.returncode == 0, rows.stderr
        assert {r["kpi_id"]: r for r in json.loads(rows.stdout)}["new_users"]["actual"] >= 4321
        answer = httpx.get(server.url + "/v1/scorecard?year=2026&quarter=4", headers=editor).json()
        assert {r["kpi_id"]: r for r in answer}["new_users"]["checkin"]["note"] == \
            "Written by the CLI while the API runs"


def test_several_api_processes_on_postgresql_write_once_and_conflict_cleanly(engine, demo_store):
    if engine != "postgres":  # a DuckDB file has one writing process: refused in one clear line
        refused = kpis("serve-api", "--workers", "2", db=str(demo_store.target))
        assert refused.returncode != 0 and "PostgreSQL" in refused.stderr and "Traceback" not in refused.stderr
        return
    tokens = make_tokens(demo_store)
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    with serving(str(demo_store.target), "--workers", "2") as server:
        etag = httpx.get(server.url + "/v1/targets/new_users/2026/4", headers=editor).headers["ETag"]
        start = threading.Barrier(4)
        answers: list[int] = []

        def put(value: int) -> None:
            with httpx.Client() as client:  # one connection each: the two workers share the requests
                start.wait()
                answers.append(client.put(server.url + "/v1/targets/new_users/2026/4",
                                          json={"target": value, "reason": "concurrent"},
                                          headers={**editor, "If-Match": etag}, timeout=60).status_code)

        threads = [threading.Thread(target=put, args=(4000 + i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 412, 412, 412]
        key = {**editor, "Idempotency-Key": "pg-once"}
        body = {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "Once across processes"}
        codes = [httpx.post(server.url + "/v1/checkins", json=body, headers=key, timeout=60).status_code
                 for _ in range(4)]
        assert codes == [201, 201, 201, 201]
    with Store(str(demo_store.target)).session() as session:
        assert session.scalar("SELECT count(*) FROM checkins WHERE note = 'Once across processes'") == 1


@pytest.mark.duckdb_only
def test_a_store_held_by_another_program_is_503_with_retry_after(demo_store):
    db = str(demo_store.target)
    viewer = {"Authorization": f"Bearer {make_tokens(demo_store)['viewer']}"}
    with serving(db, env={"KPIS_BUSY_TIMEOUT": "1", "KPIS_KEEP_OPEN": "0"}) as server:
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                                   "print('held', flush=True); time.sleep(6)", db], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            busy = httpx.get(server.url + "/v1/report?lang=es", headers=viewer, timeout=30)
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
            assert "Traceback" not in busy.text and busy.json()["detail"]
        finally:
            holder.wait(timeout=30)
        assert httpx.get(server.url + "/v1/report", headers=viewer, timeout=30).status_code == 200


@pytest.mark.duckdb_only
@pytest.mark.browser
def test_the_app_and_the_api_serve_one_duckdb_file_at_once(demo_store):
    """A running app (Streamlit, in Chromium) and a running API on one file: the API's writes all land while
    the dashboard is being read, and the dashboard then says the API's verdict, word for word."""
    from pathlib import Path

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    db = str(demo_store.target)
    editor = {"Authorization": f"Bearer {make_tokens(demo_store)['editor']}"}
    codes: list[int] = []
    with serving(db) as api, running_app(Path(db)) as app_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})

        def push() -> None:
            for i in range(8):
                codes.append(httpx.post(api.url + "/v1/observations", headers=editor, timeout=60, json={"rows": [
                    {"kpi_id": "models_in_production", "period": "2026-11-30", "value": 30 + i}]}).status_code)
                time.sleep(0.3)

        writer = threading.Thread(target=push)
        writer.start()
        for _ in range(2):  # the app reads the file while the API writes it
            page.goto(f"{app_url}/?year=2026&quarter=4&lang=en")
            page.locator('[data-status]').first.wait_for(timeout=60_000)
        writer.join()
        verdict = httpx.get(api.url + "/v1/report?year=2026&quarter=4", headers=editor, timeout=60).json()["verdict"]
        page.goto(f"{app_url}/?year=2026&quarter=4&lang=en")
        page.locator('[data-status]').first.wait_for(timeout=60_000)
        page.get_by_text(verdict[:60]).first.wait_for(timeout=60_000)
        assert verdict in page.inner_text("body")
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    assert codes == [200] * 8
    with demo_store.session() as session:
        assert session.scalar("SELECT value FROM observations WHERE kpi_id = 'models_in_production' AND "
                              "period = '2026-11-30' AND region IS NULL AND department IS NULL") == 37
