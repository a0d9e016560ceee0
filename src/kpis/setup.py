"""Create or upgrade a store and, on request, load the demo program into it."""

from __future__ import annotations

from datetime import datetime

from kpis.catalog import Catalog
from kpis.demo import demo_observations, demo_targets
from kpis.store import Store

__all__ = ["DEMO_TARGETS_SET_AT", "initialise"]

# The demo plan was approved before the program started, so any as-of date in 2025-2026 sees it.
DEMO_TARGETS_SET_AT = datetime(2024, 12, 16, 9, 0)


def initialise(store: Store, catalog: Catalog, *, demo: bool = False, actor: str = "system") -> bool:
    """Migrate the schema and sync the catalog (idempotent). With `demo`, load the demo program
    if the store has no observations yet. Returns True when the demo was loaded."""
    with store.session() as session:
        session.sync_catalog(catalog)
        if not demo or session.scalar("SELECT count(*) FROM observations"):
            return False
        session.upsert_observations(demo_observations(), actor=actor, channel="demo")
        session.append_targets(demo_targets(), actor=actor, channel="demo", at=DEMO_TARGETS_SET_AT)
        with session.transaction():
            session.set_setting("program_name", "Banco Demo — AI scale-up 2025-2026")
        return True
