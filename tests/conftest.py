"""Shared fixtures: real DuckDB files in temporary directories, no mocks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kpis.catalog import Catalog, load_catalog
from kpis.setup import initialise
from kpis.store import Store, keep_open

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _raise_app_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages re-raise unexpected exceptions under KPIS_DEBUG, so AppTest sees them."""
    monkeypatch.setenv("KPIS_DEBUG", "1")


@pytest.fixture(autouse=True)
def _release_files():
    """A page run in a test keeps its file open for a moment (kpis.store.keep_open), as the app
    does; each test ends with every file released, so the next one starts like a new process."""
    yield
    keep_open(0)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def store(tmp_path: Path, catalog: Catalog) -> Store:
    """An empty, initialised store (schema + catalog, no data)."""
    store = Store(tmp_path / "kpis.duckdb")
    initialise(store, catalog)
    return store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """A demo-program database built once per test session (copy it before writing)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    initialise(Store(path), catalog, demo=True)
    return path


@pytest.fixture
def demo_store(demo_db: Path, tmp_path: Path) -> Store:
    """A private, writable copy of the demo database."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    return Store(path)


@pytest.fixture
def add_observations(store: Store) -> Callable[..., None]:
    """Write observations given as (kpi_id, period, region, department, value) tuples."""

    def add(*rows: tuple) -> None:
        frame = pd.DataFrame(
            [(k, pd.Timestamp(p).date(), r, d, float(v), "test") for k, p, r, d, v in rows],
            columns=["kpi_id", "period", "region", "department", "value", "source"],
        )
        with store.session() as session:
            session.upsert_observations(frame, actor="tester", channel="test")

    return add


@pytest.fixture
def add_targets(store: Store) -> Callable[..., None]:
    """Write targets given as (kpi_id, year, quarter, region, department, target) tuples."""

    def add(*rows: tuple) -> None:
        frame = pd.DataFrame(
            [(*row, "test") for row in rows],
            columns=["kpi_id", "year", "quarter", "region", "department", "target", "reason"],
        )
        with store.session() as session:
            session.append_targets(frame, actor="tester", channel="test")

    return add
