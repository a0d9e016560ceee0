"""What a restore checks in a backup's rows before they become a store: the bounds, choices and reference
rules every import applies (kpis.records, kpis.reference.names), run as set-wise SQL so that a backup of millions of
observations is checked in seconds. A backup is data from outside the program (a file anyone could edit):
a row an import would refuse is refused here too, with its table, key and reason, and nothing is restored.

What the program derives (the period roll-up) is never taken from a backup: it is rebuilt from the
observations after the restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from kpis.errors import Reason
from kpis.periods import today
from kpis.records import (
    CONFIDENCES,
    EARLIEST_DATE,
    MAX_MAGNITUDE,
    MESSAGE_LANGS,
    STREAM_NAMES,
    SUBSCRIPTION_KINDS,
    MaturityRecord,
    UseCaseRecord,
    latest_date,
)
from kpis.reference.names import name_problem
from kpis.store.rollup import ROLLUP_TABLES

__all__ = ["DERIVED_TABLES", "restore_problems"]

DERIVED_TABLES = frozenset(ROLLUP_TABLES)  # rebuilt after a restore, never read from the backup
SHOWN = 10  # problems named in the message; the rest are counted
KEYS = 3  # rows named per problem


@dataclass(frozen=True)
class _Rule:
    table: str
    key: str          # SQL naming the row in a message
    bad: str          # SQL condition true for a bad row
    reason: Reason    # what is wrong, in words (translatable)


def _number(column: str, *, low: float | None = None, high: float = MAX_MAGNITUDE, nullable: bool = False) -> str:
    low = -high if low is None else low
    bad = f"(NOT isfinite({column}) OR {column} < {low!r} OR {column} > {high!r})"
    return f"({column} IS NOT NULL AND {bad})" if nullable else f"({column} IS NULL OR {bad})"


def _one_of(column: str, choices: tuple[str, ...], *, nullable: bool = False) -> str:
    listed = ", ".join("'" + c.replace("'", "''") + "'" for c in choices)
    test = f"{column} NOT IN ({listed})"
    return f"({column} IS NOT NULL AND {test})" if nullable else f"({column} IS NULL OR {test})"


def _known(column: str, table: str) -> str:
    return f"({column} IS NOT NULL AND {column} NOT IN (SELECT name FROM {table}))"


def _years(column: str) -> str:
    return f"({column} NOT BETWEEN {EARLIEST_DATE.year} AND {latest_date().year})"


LIMIT = f"{MAX_MAGNITUDE:.0e}"


def _column(name: str) -> Reason:
    return Reason(f"restore.column.{name}")


def _not_finite(column: str, *, positive: bool = False) -> Reason:
    key = "restore.not_finite_positive" if positive else "restore.not_finite"
    return Reason(key, column=_column(column), limit=LIMIT)


def _not_one_of(column: str, choices: tuple[str, ...]) -> Reason:
    return Reason("restore.one_of", column=_column(column), choices=", ".join(choices))


def _reference_rules() -> list[_Rule]:
    """Every scoped row names a region and department the store knows, and a KPI of its catalog."""
    rules = []
    for table, key in (("observations", "'obs_id ' || obs_id"), ("target_versions", "'version_id ' || version_id"),
                       ("checkins", "'checkin_id ' || checkin_id"), ("subscriptions", "email"),
                       ("use_cases", "name")):
        rules += [_Rule(table, key, _known("region", "regions"), Reason("restore.region")),
                  _Rule(table, key, _known("department", "departments"), Reason("restore.department"))]
    for table, key in (("observations", "'obs_id ' || obs_id"), ("target_versions", "'version_id ' || version_id"),
                       ("checkins", "'checkin_id ' || checkin_id")):
        rules.append(_Rule(table, key, "kpi_id NOT IN (SELECT kpi_id FROM kpis)", Reason("restore.kpi")))
    return rules


def _kpi_rules() -> list[_Rule]:
    """Actuals, targets, check-ins and subscriptions: the bounds and choices of their import records."""
    first, last, day = EARLIEST_DATE.isoformat(), latest_date().isoformat(), today().isoformat()
    years = Reason("restore.years", column=_column("year"), first=first[:4], last=last[:4])
    observation, version, checkin = "'obs_id ' || obs_id", "'version_id ' || version_id", "'checkin_id ' || checkin_id"
    return [
        _Rule("observations", observation, _number("value"), _not_finite("value")),
        _Rule("observations", observation, f"(period < DATE '{first}' OR period > DATE '{day}')",
              Reason("restore.period", first=first, last=day)),
        _Rule("target_versions", version, _number("target", nullable=True), _not_finite("target")),
        _Rule("target_versions", version, _number("previous", nullable=True), _not_finite("previous")),
        _Rule("target_versions", version, _years("year"), years),
        _Rule("checkins", checkin, _one_of("confidence", CONFIDENCES, nullable=True),
              _not_one_of("confidence", CONFIDENCES)),
        _Rule("checkins", checkin, _years("year"), years),
        _Rule("subscriptions", "email", _one_of("kind", SUBSCRIPTION_KINDS), _not_one_of("kind", SUBSCRIPTION_KINDS)),
        _Rule("subscriptions", "email", _one_of("lang", MESSAGE_LANGS), _not_one_of("lang", MESSAGE_LANGS)),
    ]


def _ledger_rules() -> list[_Rule]:
    """The value ledger: investments, value streams, FX rates and scenarios."""
    investment, stream = "program || ' year ' || year", "program || ' ' || stream || ' year ' || year"
    currency = Reason("restore.currency")
    return [
        _Rule("investments", investment, _number("amount", low=0), _not_finite("amount", positive=True)),
        _Rule("investments", investment, "NOT regexp_full_match(currency, '[A-Z]{3}')", currency),
        _Rule("investments", investment, "(year NOT BETWEEN 1 AND 50)",
              Reason("restore.years", column=_column("year"), first=1, last=50)),
        _Rule("value_streams", stream, _number("amount", low=0), _not_finite("amount", positive=True)),
        _Rule("value_streams", stream, _one_of("stream", STREAM_NAMES), _not_one_of("stream", STREAM_NAMES)),
        _Rule("value_streams", stream,
              "(growth_rate IS NOT NULL AND (NOT isfinite(growth_rate) OR growth_rate <= 0 OR growth_rate > 20))",
              Reason("restore.growth_rate")),
        _Rule("value_streams", stream, "NOT regexp_full_match(currency, '[A-Z]{3}')", currency),
        _Rule("fx_rates", "base || '/' || quote || ' ' || day", _number("rate", low=0) + " OR rate = 0",
              Reason("restore.rate")),
        _Rule("value_scenarios", "name", " OR ".join(_number(c, low=0, nullable=True) for c in
                                                      ("growth_scale", "investment_scale", "growth_cap")),
              Reason("restore.scales")),
    ]


def _assessment_rules() -> list[_Rule]:
    """Maturity assessments and use cases: the choices of their records (dimensions, stages, horizons)."""
    stages, horizons = get_args(UseCaseRecord.model_fields["stage"].annotation), \
        get_args(UseCaseRecord.model_fields["horizon"].annotation)
    patterns = tuple(a for arg in get_args(UseCaseRecord.model_fields["pattern"].annotation) for a in get_args(arg))
    dimensions = get_args(MaturityRecord.model_fields["dimension"].annotation)
    assessment = "unit || ' ' || dimension || ' ' || year || '-Q' || quarter"
    return [
        _Rule("maturity_assessments", assessment, _one_of("dimension", dimensions),
              _not_one_of("dimension", dimensions)),
        _Rule("maturity_assessments", assessment, _number("score", low=1, high=5),
              Reason("restore.score", column=_column("score"))),
        _Rule("maturity_assessments", assessment, _number("target", low=1, high=5, nullable=True),
              Reason("restore.score", column=_column("target"))),
        _Rule("use_cases", "name", _one_of("stage", stages), _not_one_of("stage", stages)),
        _Rule("use_cases", "name", _one_of("horizon", horizons), _not_one_of("horizon", horizons)),
        _Rule("use_cases", "name", _one_of("pattern", patterns, nullable=True), _not_one_of("pattern", patterns)),
    ]


def _rules() -> list[_Rule]:
    return [*_reference_rules(), *_kpi_rules(), *_ledger_rules(), *_assessment_rules()]


def restore_problems(con: Any) -> list[Reason]:
    """Every rule the loaded rows break (a DuckDB connection, inside the restore's transaction), one line per
    rule: 'table (3 rows: key, key, key): reason', translatable. Names and text no import would store come first."""
    tables = _columns(con)
    problems = _name_problems(con, tables) + _nul_problems(con, tables)
    if "regions" not in tables or "departments" not in tables:
        return problems
    for rule in _rules():
        if rule.table not in tables:
            continue
        try:
            found = con.execute(f"SELECT count(*), list({rule.key} ORDER BY {rule.key})[1:{KEYS}] FROM {rule.table} "
                                f"WHERE {rule.bad}").fetchone()
        except Exception as exc:  # a column this schema version does not have yet: the rule does not apply
            if "not found" in str(exc).lower() or "does not have a column" in str(exc).lower():
                continue
            raise
        count, keys = found
        if count:
            named = ", ".join(_printable(k) for k in keys) + (", …" if count > len(keys) else "")
            problems.append(Reason("restore_rows", table=rule.table, count=f"{count:,}", keys=named, why=rule.reason))
    return problems


def _columns(con: Any) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall():
        found.setdefault(table, []).append((column, kind))
    return found


def _name_problems(con: Any, tables: dict) -> list[Reason]:
    """Region, department and program names as every other path checks them (kpis.reference.names.name_problem)."""
    problems = []
    for kind, table in (("region", "regions"), ("department", "departments"), ("program", "programs")):
        if table not in tables:
            continue
        names = tuple(name for (name,) in con.execute(f"SELECT name FROM {table} ORDER BY name").fetchall())
        for index, name in enumerate(names):
            problem = name_problem(kind, name or "", names[:index])
            if problem is not None:
                problems.append(Reason("restore_name", table=table, name=_printable(name), why=problem))
    return problems


def _nul_problems(con: Any, tables: dict) -> list[Reason]:
    """A NUL character in any text (no import stores one, and PostgreSQL cannot hold it)."""
    problems = []
    for table, columns in tables.items():
        texts = [c for c, kind in columns if kind == "VARCHAR"]
        if not texts:
            continue
        where = " OR ".join(f"strpos({c}, chr(0)) > 0" for c in texts)
        count = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
        if count:
            problems.append(Reason("restore_nul", table=table, count=f"{count:,}"))
    return problems


def _printable(value: object) -> str:
    return str(value).encode("unicode_escape").decode("ascii")[:80]
