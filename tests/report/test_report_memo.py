"""A session with a memo (the app's: reads kept per version of the data) builds the same reports as one
without: every quarter with data and the quarter in progress, every kind of scope, targets as of now and
as of an earlier moment, the memo shared by all of them in the order a person clicks through."""

from __future__ import annotations

from datetime import datetime, timedelta

from kpis.periods import today, utc_now
from kpis.reference.names import load_names
from kpis.report import build_report, data_quarters
from kpis.scorecard import Scope
from kpis.store import Store


def _reports(store: Store, catalog, memo: dict | None, asks: list) -> list:
    built = []
    for year, quarter, scope, as_of in asks:
        with store.session() as session:
            session.memo = memo
            built.append(build_report(session, catalog, year, quarter, scope, as_of=as_of))
    return built


def test_reports_from_a_memo_are_the_reports_read_afresh(demo_store: Store, catalog) -> None:
    with demo_store.session() as session:
        quarters = list(data_quarters(session))
        names = load_names(session)
    day = today()
    quarters.append((day.year, (day.month - 1) // 3 + 1))
    scopes = [Scope(), Scope(region=names.regions[0]), Scope(region=names.regions[-1]),
              Scope(department=names.departments[0]), Scope(names.regions[0], names.departments[0])]
    earlier: datetime = utc_now() - timedelta(days=400)
    asks = [(year, quarter, scope, as_of) for scope in scopes for year, quarter in sorted(set(quarters))
            for as_of in (None, earlier)]
    memo: dict = {}
    remembered = _reports(demo_store, catalog, memo, asks)
    fresh = _reports(demo_store, catalog, None, asks)
    assert memo  # the memo was used
    for ask, one, other in zip(asks, remembered, fresh, strict=True):
        assert one == other, ask


def test_a_write_session_never_answers_from_a_memo(demo_store: Store) -> None:
    with demo_store.write_session() as session:
        session.memo = {("setting", "reporting_currency"): "EUR"}
        with session.transaction():
            assert session.get_setting("reporting_currency") != "EUR"
        assert session.get_setting("reporting_currency") == "EUR"
