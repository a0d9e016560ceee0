"""The second attack pass (issue: hardening, second pass): each defect class found there, as a test that failed
before its fix."""

from __future__ import annotations

import pytest

from kpis.checkins import add_checkin, latest_checkins
from kpis.edits import set_target
from kpis.errors import ValidationError
from kpis.notify import load_subscriptions, subscribe
from kpis.records import TargetRecord
from kpis.reference import add_reference, rename
from kpis.roles import Actor
from kpis.scorecard import Scope, targets_in_force

ADMIN = Actor("ana", "admin")


def _brazil_target(store, catalog) -> float:
    with store.session() as session:
        found = targets_in_force(session, catalog, (2026, 3), (2026, 3), Scope(region="Brazil"))
    return found[("new_users", 2026, 3)].value


def test_a_merge_never_overwrites_the_other_regions_targets(demo_store, catalog):
    before = _brazil_target(demo_store, catalog)
    add_reference(demo_store, ADMIN, "region", "Brasil Sur")
    set_target(demo_store, catalog, ADMIN, TargetRecord(kpi_id="new_users", year=2026, quarter=3, target=1,
                                                        region="Brasil Sur", reason="plan"), expected_version=None)
    with pytest.raises(ValidationError, match="target_versions"):
        rename(demo_store, ADMIN, "region", "Brasil Sur", "Brazil")
    assert _brazil_target(demo_store, catalog) == before


def test_a_rename_carries_checkins_and_subscriptions(demo_store, catalog):
    add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=3, region="Colombia",
                note="Campaign moved to October", confidence="medium")
    subscribe(demo_store, ADMIN, "cfo@bank.example", "digest", region="Colombia")
    rename(demo_store, ADMIN, "region", "Colombia", "Colombia Andina")
    with demo_store.session() as session:
        assert "new_users" in latest_checkins(session, 2026, 3, "Colombia Andina")
        assert not latest_checkins(session, 2026, 3, "Colombia")
        (sub,) = [s for s in load_subscriptions(session) if s.email == "cfo@bank.example"]
    assert sub.region == "Colombia Andina"
