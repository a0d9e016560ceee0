"""Two app replicas (two Streamlit processes on different ports) sharing one PostgreSQL database, in
headless Chromium: the same target edited from both (one wins, the other is told, nothing lost), a
CLI import while both serve, and each replica showing the other's and the CLI's writes on its next
rerun without a restart (caches keyed on the store's change counter, not on a file's mtime)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kpis.formatting import format_value
from kpis.setup import initialise
from kpis.store import Store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


def _open_target_form(page, url: str) -> None:
    page.goto(f"{url}/data?lang=en")
    page.get_by_role("button", name="Save target").wait_for(timeout=90_000)


def _save(page, value: int, reason: str) -> None:
    number = page.locator('[data-testid="stNumberInput"] input').first
    number.fill(str(value))
    number.press("Tab")
    reason_box = page.locator('[data-testid="stTextArea"] textarea').first
    reason_box.fill(reason)
    reason_box.press("Tab")
    page.get_by_role("button", name="Save target").click()


def test_two_replicas_share_one_postgresql_store(pg_server, catalog, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    url_db = pg_server.create_database()
    initialise(Store(url_db), catalog, demo=True)
    with running_app(url_db) as first_url, running_app(url_db) as second_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        first = browser.new_page(viewport={"width": 1440, "height": 1000})
        second = browser.new_page(viewport={"width": 1440, "height": 1000})
        _open_target_form(first, first_url)
        _open_target_form(second, second_url)
        with Store(url_db).session() as session:
            versions = session.scalar("SELECT count(*) FROM target_versions")

        # the same target from both replicas: the first save wins, the second editor is told
        _save(first, 4321, "raised after the board review")
        first.get_by_text("→ 4,321").first.wait_for(timeout=60_000)
        _save(second, 9876, "my own plan")
        second.get_by_text("Nothing was saved").first.wait_for(timeout=60_000)
        with Store(url_db).session() as session:
            assert session.scalar("SELECT count(*) FROM target_versions") == versions + 1
            assert session.scalar("SELECT count(*) FROM target_versions WHERE target = 9876") == 0

        # the second replica's next rerun shows the first one's write
        second.reload()
        second.get_by_text("In force: 4,321").first.wait_for(timeout=60_000)

        # a CLI import while both serve; both dashboards show it on their next rerun
        for page, url in ((first, first_url), (second, second_url)):  # each replica caches the grid first
            page.goto(f"{url}/?year=2026&quarter=3&lang=en")
            page.get_by_text("New users onboarded").first.wait_for(timeout=60_000)
        before = first.inner_text("body")
        data = tmp_path / "obs.csv"
        data.write_text("kpi_id,period,value\nnew_users,2026-07,987654\n", encoding="utf-8")
        env = {**os.environ, "KPIS_USER": "cli"}
        done = subprocess.run([sys.executable, "-m", "kpis", "--db", url_db, "import", "observations", str(data)],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        scorecard = subprocess.run([sys.executable, "-m", "kpis", "--db", url_db, "scorecard", "--year", "2026",
                                    "--quarter", "3", "--format", "json"], capture_output=True, text=True, timeout=120)
        actual = next(r["actual"] for r in json.loads(scorecard.stdout) if r["kpi_id"] == "new_users")
        shown = format_value(actual, catalog.get("new_users"), "en")  # as the card shows it (990K)
        assert actual > 987_654 and shown not in before
        for page, url in ((first, first_url), (second, second_url)):
            page.goto(f"{url}/?year=2026&quarter=3&lang=en")
            page.get_by_text(shown).first.wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    pg_server.drop_database(url_db)
