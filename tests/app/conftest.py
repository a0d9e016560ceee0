"""Fixtures of the browser tests: one Chromium and one running app (on a copy of the demo) per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("browser") / "kpis.duckdb"
    shutil.copy(demo_db, path)
    with running_app(path) as url:
        yield url
