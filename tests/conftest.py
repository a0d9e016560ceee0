"""Shared fixtures: real DuckDB files in temporary directories, or (with `--engine postgres`) real
databases on a PostgreSQL server the tests start themselves; no mocks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kpis.catalog import Catalog, load_catalog
from kpis.setup import initialise
from kpis.store import Store, keep_open

ROOT = Path(__file__).resolve().parents[1]

# The suite runs on a fixed day, so that it never depends on the day it runs: the demo, the quarter in
# progress and every report read it (kpis.periods.today); subprocesses (CLI, the browser tests' server)
# inherit it. Set KPIS_TODAY yourself to run the suite as of another day.
os.environ.setdefault("KPIS_TODAY", "2026-12-04")


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--engine", choices=("duckdb", "postgres"), default=os.environ.get("KPIS_TEST_ENGINE", "duckdb"),
                     help="the store the engine-aware tests run against (default: duckdb)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "duckdb_only: about the DuckDB file itself (its lock, its bytes, its format)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--engine") != "postgres":
        return
    skip = pytest.mark.skip(reason="about the DuckDB file itself; not a PostgreSQL behaviour")
    for item in items:
        if "duckdb_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--engine")


@pytest.fixture(scope="session")
def pg_server(engine: str):
    """A PostgreSQL server for this test session (started only when a test needs it)."""
    from tests.pgserver import PgServer, find_bindir

    if find_bindir() is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    server = PgServer().start()
    yield server
    from kpis.store import keep_open

    keep_open(0)
    server.stop()


@pytest.fixture
def new_db(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., Path | str]:
    """A new, empty store location: a file in tmp_path, or a new PostgreSQL database (its URL)."""
    if engine != "postgres":
        yield lambda name="kpis", template=None: tmp_path / f"{name}.duckdb"
        return
    server = request.getfixturevalue("pg_server")
    made: list[str] = []

    def make(name: str = "kpis", template: str | None = None) -> str:
        made.append(server.create_database(template=template))
        return made[-1]

    yield make
    keep_open(0)  # the pools let go of the databases first
    for url in made:
        server.drop_database(url)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def store(new_db: Callable[..., Path | str], catalog: Catalog) -> Store:
    """An empty, initialised store (schema + catalog, no data)."""
    store = Store(new_db("kpis"))
    initialise(store, catalog)
    return store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, engine: str,
            request: pytest.FixtureRequest) -> Path | str:
    """A demo-program database built once per test session (copy it before writing): a file, or a
    PostgreSQL database used as a template."""
    if engine == "postgres":
        server = request.getfixturevalue("pg_server")
        url = server.create_database(prefix="demo")
        initialise(Store(url), catalog, demo=True)
        keep_open(0)
        return url
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    initialise(Store(path), catalog, demo=True)
    return path


@pytest.fixture
def demo_store(demo_db: Path | str, tmp_path: Path, new_db: Callable[..., Path | str]) -> Store:
    """A private, writable copy of the demo database."""
    if isinstance(demo_db, str):
        return Store(new_db("demo", template=demo_db.rsplit("/", 1)[1]))
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
