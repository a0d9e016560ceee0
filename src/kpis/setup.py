"""Create or upgrade a store and, on request, load the demo program into it."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from kpis.catalog import Catalog
from kpis.demo import (
    DEMO_PROGRAM,
    DEMO_PROGRAM_START,
    demo_departments,
    demo_fx_rates,
    demo_growth_observations,
    demo_investments,
    demo_maturity,
    demo_observations,
    demo_regions,
    demo_targets,
    demo_ticks,
    demo_use_cases,
    demo_value_streams,
)
from kpis.innovation.funnel import write_use_cases
from kpis.packs import full_catalog, load_growth_pack
from kpis.periods import today as current_day
from kpis.records import UseCaseRecord
from kpis.reference.regions import upsert_regions
from kpis.roles import Actor
from kpis.store import Session, Store, utc_now
from kpis.value.projection import BUILT_IN_SCENARIOS

__all__ = ["DEMO_TARGETS_SET_AT", "initialise"]

# The demo plan was approved before the program started, so any as-of date in 2025-2026 sees it.
DEMO_TARGETS_SET_AT = datetime(2024, 12, 16, 9, 0)


def initialise(store: Store, catalog: Catalog, *, demo: bool = False, actor: str = "system",
               rebuild: bool = False) -> bool:
    """Migrate the schema and sync the catalog (idempotent). With `demo`, load the demo program
    if the store has no observations yet. With `rebuild`, the period roll-up is rebuilt in full
    (observations edited with SQL outside this program); else only when it is stale.
    Returns True when the demo was loaded."""
    with store.write_session() as session:
        session.sync_catalog(full_catalog(catalog, load_growth_pack()))
        if rebuild:
            session.refresh_rollup()
        else:
            session.ensure_rollup()
        _seed_scenarios(session, actor)
        if not demo or session.scalar("SELECT count(*) FROM observations"):
            return False
        with session.transaction():  # the whole demo or nothing: an interrupted load leaves an empty store
            _load_demo(session, actor)
    return True


def _load_demo(session: Session, actor: str, today: date | None = None) -> None:
    """The demo program as it stood at the end of the last complete month before `today`."""
    today = today or current_day()
    now = utc_now()
    upsert_regions(session, demo_regions(), actor=actor, channel="demo")
    session.con.executemany("INSERT INTO departments VALUES (?, ?, ?, ?)",
                            [(name, name_es, actor, now) for name, name_es in demo_departments().itertuples(False)])
    session.con.execute("INSERT INTO programs (name, started, updated_by, updated_at) VALUES (?, ?, ?, ?)",
                        [DEMO_PROGRAM, DEMO_PROGRAM_START, actor, now])
    session.upsert_observations(demo_observations(today=today), actor=actor, channel="demo")
    session.append_targets(demo_targets(), actor=actor, channel="demo", at=DEMO_TARGETS_SET_AT)
    session.upsert_value_streams(demo_value_streams(), actor=actor, channel="demo")
    session.upsert_investments(demo_investments(), actor=actor, channel="demo")
    session.upsert_fx_rates(demo_fx_rates(), actor=actor, channel="demo")
    session.upsert_maturity(demo_maturity(today), actor=actor, channel="demo")
    session.upsert_ticks(demo_ticks(today), actor=actor, channel="demo")
    session.upsert_observations(demo_growth_observations(today), actor=actor, channel="demo")
    session.set_setting("program_name", "Banco Demo")  # a name: the deck says "AI scale-up" in its own words
    session.set_setting("reporting_currency", "MXN")
    cases, history = demo_use_cases(today=today)
    write_use_cases(session, Actor(actor, "admin"), [UseCaseRecord(**case) for case in cases], channel="demo",
                    history=history)


def _seed_scenarios(session: Session, actor: str) -> None:
    """Store the built-in value scenarios once, so they are listed with the user-made ones."""
    if session.scalar("SELECT count(*) FROM value_scenarios"):
        return
    rows = [(name, *settings) for name, settings in BUILT_IN_SCENARIOS.items()]
    frame = pd.DataFrame(rows, columns=["name", "growth_scale", "investment_scale", "growth_cap", "note"])
    frame["run_cost"] = None
    session.upsert_scenarios(frame, actor=actor, channel="system")
