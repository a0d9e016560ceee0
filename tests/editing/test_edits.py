"""The write path: versions, conflicts, reasons, restatements, deletes, roles, audit replay."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest

from kpis.backup.files import backup_store, restore_store
from kpis.editing.forms import (
    current_observation,
    current_target,
    delete_actual,
    freeze_quarter,
    record_actual,
    save_fx_rate,
    save_investment,
    save_maturity,
    save_value_stream,
    set_reporting_currency,
    set_target,
)
from kpis.editing.imports import parse_rows, write_parsed
from kpis.errors import ConflictError, ValidationError
from kpis.innovation.funnel import save_use_cases
from kpis.records import (
    InvestmentRecord,
    MaturityRecord,
    ObservationRecord,
    TargetRecord,
    UseCaseRecord,
    ValueRecord,
)
from kpis.reference.regions import save_region
from kpis.roles import Actor, PermissionDenied, role_for_email
from kpis.scorecard import build_grid, quarter_scorecard

ADMIN = Actor("ana@bank.mx", "admin")
EDITOR = Actor("eli@bank.mx", "editor")
VIEWER = Actor("vic@bank.mx", "viewer")
BEFORE_2030 = date(2029, 6, 1)  # "today" before the quarters used below start


@pytest.fixture(autouse=True)
def _after_the_2030_actuals(monkeypatch):
    """The actuals below are dated in 2030 (actuals are never dated after today): read as of mid-2030."""
    monkeypatch.setenv("KPIS_TODAY", "2030-06-01")


def target(value: float, reason: str | None = None, year: int = 2030, quarter: int = 1) -> TargetRecord:
    return TargetRecord(kpi_id="new_users", year=year, quarter=quarter, target=value, reason=reason)


def version(store, year: int = 2030, quarter: int = 1) -> int | None:
    with store.session() as session:
        row = current_target(session, "new_users", year, quarter, None, None)
    return row["version_id"] if row else None


def test_set_target_then_change_keeps_every_version(store, catalog):
    change = set_target(store, catalog, EDITOR, target(1000), expected_version=None, today=BEFORE_2030)
    assert (change.old, change.new) == (None, 1000)
    change = set_target(store, catalog, EDITOR, target(1200), expected_version=version(store), today=BEFORE_2030)
    assert (change.old, change.new) == (1000, 1200)
    with store.session() as session:
        rows = session.con.execute("SELECT target, previous, changed_by FROM target_versions").fetchall()
    assert rows == [(1000, None, "eli@bank.mx"), (1200, 1000, "eli@bank.mx")]


def test_saving_over_a_newer_version_is_refused_with_who_changed_it(store, catalog):
    set_target(store, catalog, EDITOR, target(1000), expected_version=None, today=BEFORE_2030)
    loaded = version(store)  # both people open the form now
    set_target(store, catalog, ADMIN, target(1100), expected_version=loaded, today=BEFORE_2030)
    with pytest.raises(ConflictError, match=r"changed by ana@bank\.mx at [A-Z][a-z]{2} \d+, \d{4} \d\d:\d\d UTC"):
        set_target(store, catalog, EDITOR, target(1300), expected_version=loaded, today=BEFORE_2030)
    with store.session() as session:
        assert current_target(session, "new_users", 2030, 1, None, None)["target"] == 1100


def test_creating_a_target_someone_else_just_created_is_a_conflict(store, catalog):
    set_target(store, catalog, ADMIN, target(900), expected_version=None, today=BEFORE_2030)
    with pytest.raises(ConflictError):
        set_target(store, catalog, EDITOR, target(950), expected_version=None, today=BEFORE_2030)


def test_changing_a_target_in_force_needs_a_reason_once_the_quarter_has_started(store, catalog):
    set_target(store, catalog, EDITOR, target(1000), expected_version=None, today=date(2030, 1, 1))  # the plan
    with pytest.raises(ValidationError, match="reason is required") as info:
        set_target(store, catalog, EDITOR, target(1200), expected_version=version(store), today=date(2030, 1, 2))
    assert info.value.rows[0].reason.startswith("reason:")
    set_target(store, catalog, EDITOR, target(1200, "re-baselined after Q4 review"),
               expected_version=version(store), today=date(2030, 2, 1))
    with store.session() as session:
        assert current_target(session, "new_users", 2030, 1, None, None)["target"] == 1200


def test_change_to_frozen_quarter_is_a_restatement_shown_on_the_scorecard(store, catalog, add_observations,
                                                                         monkeypatch):
    monkeypatch.setenv("KPIS_TODAY", "2030-06-01")  # reports read as of a day after the 2030 actuals
    add_observations(("new_users", "2030-03-31", None, None, 1000))
    set_target(store, catalog, EDITOR, target(1000), expected_version=None, today=BEFORE_2030)
    freeze_quarter(store, ADMIN, 2030, 1, "Board, 2030-04-10")
    with pytest.raises(ValidationError, match="frozen"):
        set_target(store, catalog, EDITOR, target(800), expected_version=version(store), today=BEFORE_2030)
    change = set_target(store, catalog, EDITOR, target(800, "scope cut"), expected_version=version(store),
                        today=BEFORE_2030)
    assert change.restatement
    with store.session() as session:
        cell = build_grid(session, catalog, (2030, 1), (2030, 1)).cell("new_users", 2030, 1)
        reason = current_target(session, "new_users", 2030, 1, None, None)["reason"]
    assert cell.target_value == 800 and cell.restated_from.value == 1000
    assert cell.status == "ahead"  # 1000 / 800 = 1.25
    assert reason == "[restatement] scope cut"


def test_as_of_reproduces_what_was_in_force(store, catalog, add_observations, monkeypatch):
    monkeypatch.setenv("KPIS_TODAY", "2030-06-01")  # reports read as of a day after the 2030 actuals
    add_observations(("new_users", "2030-03-31", None, None, 1000))
    set_target(store, catalog, EDITOR, target(1000), expected_version=None, today=BEFORE_2030)
    between = datetime.now()
    set_target(store, catalog, EDITOR, target(2000), expected_version=version(store), today=BEFORE_2030)
    with store.session() as session:
        then = quarter_scorecard(session, catalog, 2030, 1, as_of=between)[1]
        now = quarter_scorecard(session, catalog, 2030, 1)[1]
    assert next(c for c in then if c.kpi.id == "new_users").status == "on_track"
    assert next(c for c in now if c.kpi.id == "new_users").status == "off_track"


def test_record_and_delete_actual_keep_the_old_value(store, catalog):
    record = ObservationRecord(kpi_id="models_in_production", period="2030-01-31", value=5)
    record_actual(store, catalog, EDITOR, record, expected_obs_id=None)
    with store.session() as session:
        stored = current_observation(session, "models_in_production", date(2030, 1, 31), None, None)
    change = record_actual(store, catalog, EDITOR, record.model_copy(update={"value": 6}),
                           expected_obs_id=stored["obs_id"])
    assert (change.old, change.new) == (5, 6)
    with pytest.raises(ConflictError):  # the form still holds the first version
        record_actual(store, catalog, EDITOR, record.model_copy(update={"value": 7}), expected_obs_id=stored["obs_id"])
    with store.session() as session:
        newest = current_observation(session, "models_in_production", date(2030, 1, 31), None, None)
    with pytest.raises(ValidationError, match="reason"):
        delete_actual(store, EDITOR, obs_id=newest["obs_id"], reason=" ")
    delete_actual(store, EDITOR, obs_id=newest["obs_id"], reason="typed into the wrong month")
    with store.session() as session:
        assert current_observation(session, "models_in_production", date(2030, 1, 31), None, None) is None
        kept = session.con.execute("SELECT value, deleted_by, reason FROM deleted_observations").fetchall()
        audit = session.con.execute("SELECT action, old_value FROM audit_log WHERE action = 'delete'").fetchall()
    assert kept == [(6.0, "eli@bank.mx", "typed into the wrong month")]
    assert json.loads(audit[0][1])["value"] == 6


def test_form_values_outside_catalog_range_are_rejected(store, catalog):
    bad = ObservationRecord(kpi_id="availability_pct", period="2030-01-31", value=120)
    with pytest.raises(ValidationError, match="above the maximum"):
        record_actual(store, catalog, EDITOR, bad, expected_obs_id=None)


WRITES = {
    "set target": lambda s, c, a: set_target(s, c, a, target(1), expected_version=None, today=BEFORE_2030),
    "record actual": lambda s, c, a: record_actual(
        s, c, a, ObservationRecord(kpi_id="new_users", period="2030-01", value=1), expected_obs_id=None),
    "delete actual": lambda s, c, a: delete_actual(s, a, obs_id=1, reason="r"),
    "freeze": lambda s, c, a: freeze_quarter(s, a, 2030, 1),
    "import": lambda s, c, a: write_parsed(
        s, parse_rows("observations", ["kpi_id", "period", "value"], [(2, {"kpi_id": "new_users",
                                                                         "period": "2030-01", "value": "3"})], c),
        actor=a, channel="import"),
    "value stream": lambda s, c, a: save_value_stream(
        s, a, ValueRecord(program="p", stream="direct_savings", year=1, amount=1)),
    "investment": lambda s, c, a: save_investment(s, a, InvestmentRecord(program="p", year=1, amount=1)),
    "use case": lambda s, c, a: save_use_cases(s, a, [UseCaseRecord(name="u", stage="idea", horizon="H1")]),
    "fx rate": lambda s, c, a: save_fx_rate(s, a, "USD", "MXN", date(2030, 1, 1), 18.0),
    "reporting currency": lambda s, c, a: set_reporting_currency(s, a, "USD"),
    "region": lambda s, c, a: save_region(s, a, "Peru", {
        "language": "Spanish", "currency": "PEN", "date_format": "DD/MM/YYYY", "regulators": "SBS",
        "ai_rules": "none yet", "residency": "Recommended", "residency_required": False,
        "validation": "Risk-based", "validation_required": False}),
    "maturity": lambda s, c, a: save_maturity(s, a, [MaturityRecord(unit="Peru", year=2030, quarter=1,
                                                                     dimension="people", score=2.5)]),
}
NEEDS_ADMIN = {"freeze", "reporting currency", "region"}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("actor", [VIEWER, EDITOR, ADMIN], ids=lambda a: a.role)
def test_role_matrix(store, catalog, add_observations, write, actor):
    add_observations(("new_users", "2029-12-31", None, None, 1))  # obs_id 1 exists for the delete
    allowed = actor.role == "admin" or (actor.role == "editor" and write not in NEEDS_ADMIN)
    with store.session() as session:
        before = session.scalar("SELECT count(*) FROM audit_log")
    if allowed:
        WRITES[write](store, catalog, actor)
    else:
        with pytest.raises(PermissionDenied, match=f"{actor.role} and cannot"):
            WRITES[write](store, catalog, actor)
    with store.session() as session:
        after = session.scalar("SELECT count(*) FROM audit_log")
    assert (after > before) == allowed


@pytest.mark.parametrize(("email", "role"), [("ANA@bank.mx", "admin"), ("eli@bank.mx", "editor"),
                                             ("someone@else.com", "viewer"), ("", "viewer"), (None, "viewer")])
def test_role_for_email(email, role):
    assert role_for_email(email, admins=["ana@bank.mx"], editors=["Eli@Bank.mx"]) == role


def test_replaying_the_audit_log_reproduces_current_targets(demo_store, catalog):
    for value in (3100, 3300):
        set_target(demo_store, catalog, EDITOR, TargetRecord(kpi_id="new_users", year=2026, quarter=1,
                                                             target=value, reason="re-plan"),
                   expected_version=version(demo_store, 2026, 1), today=date(2026, 2, 1))
    with demo_store.session() as session:
        log = session.con.execute(
            "SELECT entity_key, new_value FROM audit_log WHERE entity = 'target' ORDER BY logged_at, audit_id"
        ).fetchall()
        current = session.con.execute("""
            SELECT concat_ws(' / ', kpi_id, year::VARCHAR || '-Q' || quarter::VARCHAR, coalesce(region, '*'),
                             coalesce(department, '*')), target
            FROM target_versions
            QUALIFY row_number() OVER (PARTITION BY kpi_id, year, quarter, region, department
                                       ORDER BY changed_at DESC, version_id DESC) = 1""").fetchall()
    replayed: dict[str, float] = {}
    for key, new_value in log:
        replayed[key] = json.loads(new_value)["target"]
    assert replayed == dict(current)
    assert replayed["new_users / 2026-Q1 / * / *"] == 3300


def test_backup_and_restore_reproduce_the_scorecard(demo_store, catalog, tmp_path):
    from kpis.scorecard import scorecard_records
    from kpis.store import Store

    backup_store(demo_store, tmp_path / "backup")
    restored = Store(tmp_path / "restored.duckdb")
    counts = restore_store(restored, tmp_path / "backup")
    assert counts["observations"] > 2000
    def records(store):
        with store.session() as session:
            return scorecard_records(*quarter_scorecard(session, catalog, 2025, 4))

    assert records(demo_store) == records(restored)
    # the restored sequences continue: new rows get fresh ids
    record_actual(restored, catalog, ADMIN, ObservationRecord(kpi_id="new_users", period="2030-01", value=1),
                  expected_obs_id=None)


def test_write_parsed_refuses_when_any_row_is_bad(store, catalog):
    parsed = parse_rows("observations", ["kpi_id", "period", "value"],
                        [(2, {"kpi_id": "new_users", "period": "2030-01", "value": "1"}),
                         (3, {"kpi_id": "new_users", "period": "bad", "value": "1"})], catalog)
    with pytest.raises(ValidationError, match="nothing was written"):
        write_parsed(store, parsed, actor=ADMIN, channel="import")
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == 0


def test_spreadsheet_safe_csv_prefixes_formula_cells():
    from kpis.export.tables import spreadsheet_safe, to_csv_bytes

    frame = pd.DataFrame({"a": ["=1+1", "+x", "-y", "@z", "\tt", "\rr", "fine", "-"], "n": range(-4, 4)})
    safe = spreadsheet_safe(frame)
    assert list(safe["a"]) == ["'=1+1", "'+x", "'-y", "'@z", "'\tt", "'\rr", "fine", "'-"]
    assert list(safe["n"]) == list(range(-4, 4))  # numbers stay numbers
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines()[1].startswith("'=1+1,")
