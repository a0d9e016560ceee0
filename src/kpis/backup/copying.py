"""Copy a whole store, audit history included, between a DuckDB file and PostgreSQL (either way):
`python -m kpis copy-store --to TARGET`. The target is created from this program's migrations, every
table is streamed over in chunks inside one transaction (all or nothing), and the copy is checked
by row counts and by equal scorecards for every quarter that has data."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kpis.catalog import Catalog, load_catalog
from kpis.errors import KpiError
from kpis.scorecard import Scope, quarter_scorecard, scorecard_records
from kpis.store import SCHEMA_VERSION, SEQUENCES, Session, Store, create_schema

__all__ = ["CopyReport", "copy_store"]

CHUNK = 50_000


@dataclass(frozen=True)
class CopyReport:
    tables: dict[str, int]
    quarters_checked: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _columns(session: Session, table: str) -> list[str]:
    return [r[0] for r in session.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


def _starts(session: Session) -> dict[str, int]:
    return {sequence: int(session.scalar(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')) + 1
            for sequence, (table, column) in SEQUENCES.items()}


def copy_store(source: Store, target: Store, catalog: Catalog | None = None, *, verify: bool = True) -> CopyReport:
    """Copy every table of `source` into the new store `target`; with `verify`, check row counts and
    the organisation's scorecard for every quarter with data on both (`catalog`: the rules to read with)."""
    if source.target == target.target:
        raise KpiError.keyed("error.copy_same_store")
    with source.session() as src:
        expected = {name: n for name, n in src.table_counts().items() if name != "schema_version"}
        tables = list(expected)
        starts = _starts(src)
        with target.new_store() as dst:  # one transaction: all or nothing (PostgreSQL's DDL included)
            create_schema(dst.con, SCHEMA_VERSION, starts)
            for table in tables:
                columns = _columns(src, table)
                quoted = ", ".join(f'"{c}"' for c in columns)
                for rows in src.stream_rows(f'SELECT {quoted} FROM "{table}"', CHUNK):
                    dst.insert_rows(table, columns, rows)
            dst.refresh_rollup()  # rebuilt from the copied observations, stamped for the target's engine
    with target.session() as dst:
        copied = {name: n for name, n in dst.table_counts().items() if name in expected}
    for name, was in expected.items():
        if copied.get(name) != was:
            raise KpiError.keyed("error.copy_incomplete", location=target.location, table=name,
                                 copied=f"{copied.get(name, 0):,}", was=f"{was:,}")
    return CopyReport(tables=copied, quarters_checked=_compare_scorecards(source, target, catalog) if verify else 0)


def _compare_scorecards(source: Store, target: Store, catalog: Catalog | None) -> int:
    """The organisation's scorecard for every quarter with data, the same on both (every field)."""
    catalog = catalog or load_catalog()
    results = []
    for store in (source, target):
        with store.session() as session:
            quarters = [(int(r["year"]), int(r["quarter"])) for r in session.rows("data_quarters")]
            cards = {}
            for year, quarter in quarters:
                grid, cells = quarter_scorecard(session, catalog, year, quarter, Scope(None, None), None)
                cards[(year, quarter)] = json.dumps(scorecard_records(grid, cells, "en", {}), sort_keys=True,
                                                    default=str)
        results.append(cards)
    if results[0].keys() != results[1].keys():
        raise KpiError.keyed("error.copy_other_quarters", location=target.location)
    for key, card in results[0].items():
        if results[1][key] != card:
            raise KpiError.keyed("error.copy_scorecard_differs", location=target.location,
                                 quarter=f"{key[0]}-Q{key[1]}")
    return len(results[0])
