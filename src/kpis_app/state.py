"""Cached resources and data for the pages (st.cache_resource / st.cache_data live only here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime

import streamlit as st

from kpis.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from kpis.cli import default_db_path
from kpis.editing.forms import frozen_quarters
from kpis.innovation.funnel import load_use_cases
from kpis.maturity.growth import evaluate_phases, evaluate_risks
from kpis.maturity.growth import in_currency as in_growth_currency
from kpis.packs import full_catalog, load_growth_pack
from kpis.periods import shift_quarter, today
from kpis.reference.names import load_names, program_starts, spanish_names
from kpis.report import QuarterFacts, QuarterReport, build_report, quarter_facts, report_currency
from kpis.scorecard import Grid, Scope, build_grid
from kpis.setup import initialise
from kpis.store import Session, Store, keep_open, keep_open_seconds
from kpis.value.ledger import fx_table, load_ledgers, load_scenarios, realised_on
from kpis.value.projection import Scenario, Simulation, ValueSummary, simulate
from kpis.value.valuation import value_summary


@st.cache_resource(show_spinner=False)
def get_catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG_PATH)


@st.cache_resource(show_spinner="Preparing the database…")
def _open_store(path: str) -> Store:
    store = Store(path)
    initialise(store, get_catalog(), demo=not store.exists(), actor="system")
    return store


def get_store() -> Store:
    """The app's store ($KPIS_DB or data/kpis.duckdb); on the very first run (no file yet) it is
    created with the demo program. The app shares one open file between its reads (keep_open)."""
    keep_open(keep_open_seconds())
    return _open_store(str(default_db_path()))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def data_overview(db_path: str, version: float) -> dict:
    """Quarters with data, the known regions, departments and programs (reference data), and the
    data-as-of figures for the filters."""
    with Store(db_path).session() as session:
        quarters = session.query("data_quarters")
        names = load_names(session)
        starts = program_starts(session)
        spanish = spanish_names(session)
    found = [(int(r.year), int(r.quarter)) for r in quarters.itertuples()]
    day = today()
    return {
        "quarters": found,
        # the quarter pages open on: the latest with data up to today's (kpis.report.report_quarter)
        "current": max((q for q in found if q <= (day.year, (day.month - 1) // 3 + 1)),
                       default=found[0] if found else (day.year, (day.month - 1) // 3 + 1)),
        "loaded_at": None if quarters.empty else quarters["loaded_at"].max().to_pydatetime(),
        "regions": list(names.regions),  # reference data: the filters offer only known names
        "departments": list(names.departments),
        "programs": list(names.programs),
        "program_starts": starts,
        "spanish": spanish,
    }


@st.cache_resource(ttl=600, max_entries=4, show_spinner=False)
def _reads(db_path: str, version: float, day: date) -> dict:
    """Reads every report of one version of the data shares (Session.memo): the quarters with data, targets,
    frozen quarters, exchange rates, reference names, settings, and each scope's quarter values to today, so a
    report for a quarter or scope not asked for before runs only the reads of what is new."""
    return {}


@contextmanager
def _report_session(db_path: str, version: float, day: date) -> Iterator[Session]:
    with Store(db_path).session() as session:
        session.memo = _reads(db_path, version, day)
        yield session


@st.cache_resource(ttl=600, max_entries=32, show_spinner=False)
def _facts(db_path: str, version: float, day: date, year: int, quarter: int, cutoff: date, currency: str,
           as_of: datetime | None) -> QuarterFacts:
    with _report_session(db_path, version, day) as session:
        return quarter_facts(session, get_catalog(), year, quarter, cutoff, currency, as_of)


@st.cache_resource(ttl=600, max_entries=64, show_spinner=False)
def _report(db_path: str, version: float, day: date, year: int, quarter: int, region: str | None,
            department: str | None, currency: str, as_of: datetime | None) -> QuarterReport:
    # the parts every scope shares (regions, value ledger, use cases, maturity) are built once per quarter
    def facts(cutoff: date, money: str) -> QuarterFacts:
        return _facts(db_path, version, day, year, quarter, cutoff, money, as_of)

    with _report_session(db_path, version, day) as session:
        return build_report(session, get_catalog(), year, quarter, Scope(region, department), currency=currency,
                            as_of=as_of, facts=facts)


def cached_report(year: int, quarter: int, region: str | None = None, department: str | None = None,
                  currency: str | None = None, as_of: datetime | None = None) -> QuarterReport:
    """The quarter's one report (kpis.report) that every page renders, built once per store version, day,
    quarter, scope, currency and as-of, and shared by every session (it is immutable). Raises FxError when
    a money figure has no rate to `currency`."""
    return _report(*store_key(), today(), year, quarter, region, department, currency or reporting_currency(),
                   as_of)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def cached_frozen(db_path: str, version: float) -> dict:
    with Store(db_path).session() as session:
        return frozen_quarters(session)


def store_key() -> tuple[str, float]:
    store = get_store()
    return store.target, store.data_version()


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _value_options(db_path: str, version: float) -> dict:
    with Store(db_path).session() as session:
        ledgers, currency = load_ledgers(session)
        scenarios = {name: {**{k: row.get(k) for k in ("note", "created_by")},
                            "growth_scale": s.growth_scale, "investment_scale": s.investment_scale,
                            "growth_cap": s.growth_cap, "run_cost": s.run_cost}
                     for name, (s, row) in load_scenarios(session).items()}
    return {"programs": [ledger.program for ledger in ledgers], "currency": currency, "scenarios": scenarios,
            "last_year": max((ledger.last_year for ledger in ledgers), default=1)}


def value_options() -> dict:
    """Programs, reporting currency, saved scenarios and the last recorded program year."""
    return _value_options(*store_key())


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _value(db_path: str, version: float, program: str | None, horizon: int, scenario: Scenario,
           currency: str, on: date, models: float | None) -> ValueSummary:
    with Store(db_path).session() as session:
        summary = value_summary(session, get_catalog(), program=program, horizon=horizon, scenario=scenario,
                                currency=currency, models=models)
        return replace(summary, realised=realised_on(session, on, program=program, currency=currency))


def cached_value(report: QuarterReport, program: str | None, horizon: int, scenario: Scenario) -> ValueSummary:
    """The value summary in the report's currency, realised at the report's cut-off (all programs: the report's
    own figure, realised_on at the same day; one program: built the same way), with the report's models in
    production."""
    return _value(*store_key(), program, horizon, scenario, report.currency, report.cutoff,
                  report.models_in_production)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _simulation(db_path: str, version: float, program: str | None, horizon: int, scenario: Scenario,
                currency: str, sigma: float, payback_by: float) -> Simulation:
    with Store(db_path).session() as session:
        ledgers, _ = load_ledgers(session, program=program, currency=currency)
    return simulate(ledgers, horizon=horizon, scenario=scenario, sigma=sigma, payback_by_month=payback_by)


def cached_simulation(program: str | None, horizon: int, scenario: Scenario, currency: str, sigma: float,
                      payback_by: float) -> Simulation:
    return _simulation(*store_key(), program, horizon, scenario, currency, sigma, payback_by)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _assessed_quarters(db_path: str, version: float) -> list[tuple[int, int]]:
    with Store(db_path).session() as session:
        rows = session.con.execute(
            "SELECT DISTINCT year, quarter FROM maturity_assessments ORDER BY year DESC, quarter DESC").fetchall()
    return [(int(y), int(q)) for y, q in rows]


def assessed_quarters() -> list[tuple[int, int]]:
    return _assessed_quarters(*store_key())


@st.cache_resource(ttl=600, max_entries=16, show_spinner=False)
def _growth_grid(db_path: str, version: float, year: int, quarter: int) -> Grid:
    with Store(db_path).session() as session:
        return build_grid(session, full_catalog(get_catalog(), load_growth_pack()), shift_quarter(year, quarter, -3),
                          (year, quarter))


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _growth(db_path: str, version: float, year: int, quarter: int, currency: str, on: date):
    pack = load_growth_pack()
    everything = full_catalog(get_catalog(), pack)
    grid = _growth_grid(db_path, version, year, quarter)
    fx = _fx(db_path, version)
    return in_growth_currency(evaluate_phases(pack, everything, grid), evaluate_risks(pack, everything, grid),
                              lambda amount, source: fx.convert(amount, source, currency, on), currency)


def cached_growth(report: QuarterReport):
    """(phase view, risk results) from the growth pack's KPIs up to the report's quarter, money in the report's
    currency at its cut-off (judged in the currency recorded: the thresholds are)."""
    return _growth(*store_key(), report.year, report.quarter, report.currency, report.cutoff)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _use_cases(db_path: str, version: float):
    with Store(db_path).session() as session:
        return load_use_cases(session)


def cached_use_cases():
    return _use_cases(*store_key())


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _regions_facts(db_path: str, version: float) -> dict:
    """What does not depend on the quarter (read once per file version, not on every quarter change):
    the regulation table, each region's first and last month with data, whether logs fed the data."""
    with Store(db_path).session() as session:
        regions = session.con.execute("SELECT * FROM regions ORDER BY name").df()
        # from the period roll-up when it is current (one row per KPI, period and region: the same spans)
        source = "period_rollup" if session.rollup_ready() else "observations"
        spans = session.con.execute(f"SELECT region, min(period), max(period) FROM {source} "
                                    "WHERE region IS NOT NULL GROUP BY region").fetchall()
        # only an ingest writes observations from request logs, and it records its files: without any, no scan
        from_logs = session.scalar("SELECT EXISTS (SELECT 1 FROM event_files)") and session.scalar(
            "SELECT EXISTS (SELECT 1 FROM observations WHERE source = 'events')")
    return {"regions": regions, "first": {r: first for r, first, _ in spans},
            "last": {r: last for r, _, last in spans}, "from_logs": bool(from_logs)}


def cached_regions_view() -> dict:
    """The regulation table, each region's first and last month with data, whether logs fed the data (read
    once per store version; the per-region KPIs come from the quarter's report)."""
    return _regions_facts(*store_key())


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: tuple, _build):
    return _build()


def cached_figure(key: tuple, build):
    """A chart built once per file version and `key` (everything the chart depends on) and shared
    by every session: Plotly figures cost 30-60 ms each to build and pages only read them (downloads
    frame a copy)."""
    return _figure((*store_key(), *key), build)


AUDIT_SHOWN = 500  # rows formatted for the page; the CSV download has every matching row


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _audit(db_path: str, version: float, actor: str | None, kpi_id: str | None, since, until, lang: str):
    from kpis.editing.audit import readable_audit
    from kpis.reference.names import spanish_names

    with Store(db_path).session() as session:
        frame = session.query("audit_log", actor=actor, kpi_id=kpi_id, since=since, until=until, max_rows=5000)
        spanish = spanish_names(session)
    return frame, readable_audit(frame.head(AUDIT_SHOWN), get_catalog(), lang, spanish)


def cached_audit(actor: str | None, kpi_id: str | None, since, until, lang: str):
    """(the matching audit rows, newest first, up to 5,000; the newest AUDIT_SHOWN formatted for people),
    computed once per file version and filter, not on every rerun of the page."""
    return _audit(*store_key(), actor, kpi_id, since, until, lang)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _saved_language(db_path: str, version: float, actor: str) -> str | None:
    with Store(db_path).session() as session:
        return session.preference(actor, "lang")


def saved_language(actor: str) -> str | None:
    """The user's saved language (the store is created with the demo on the very first run);
    cached per file version, so a rerun costs no database round trip."""
    return _saved_language(*store_key(), actor)


def save_language(actor: str, lang: str) -> None:
    with get_store().write_session() as session:
        session.set_preference(actor, "lang", lang)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _reporting_currency(db_path: str, version: float) -> str:
    with Store(db_path).session() as session:
        return report_currency(session, catalog=get_catalog())  # the one rule every surface uses


def reporting_currency() -> str:
    return _reporting_currency(*store_key())


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _fx(db_path: str, version: float):
    with Store(db_path).session() as session:
        return fx_table(session)
