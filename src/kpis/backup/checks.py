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

__all__ = ["DERIVED_TABLES", "restore_problems"]

DERIVED_TABLES = frozenset({"period_rollup"})  # rebuilt after a restore, never read from the backup
SHOWN = 10  # problems named in the message; the rest are counted
KEYS = 3  # rows named per problem


@dataclass(frozen=True)
class _Rule:
    table: str
    key: str          # SQL naming the row in a message
    bad: str          # SQL condition true for a bad row
    reason: str       # what is wrong, in words


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


MAGNITUDE = f"a finite number within ±{MAX_MAGNITUDE:.0e}"


def _reference_rules() -> list[_Rule]:
    """Every scoped row names a region and department the store knows, and a KPI of its catalog."""
    rules = []
    for table, key in (("observations", "'obs_id ' || obs_id"), ("target_versions", "'version_id ' || version_id"),
                       ("checkins", "'checkin_id ' || checkin_id"), ("subscriptions", "email"),
                       ("use_cases", "name")):
        rules += [_Rule(table, key, _known("region", "regions"), "region not among the store's regions"),
                  _Rule(table, key, _known("department", "departments"), "department not among the store's "
                                                                          "departments")]
    for table, key in (("observations", "'obs_id ' || obs_id"), ("target_versions", "'version_id ' || version_id"),
                       ("checkins", "'checkin_id ' || checkin_id")):
        rules.append(_Rule(table, key, "kpi_id NOT IN (SELECT kpi_id FROM kpis)", "KPI not in the backup's catalog"))
    return rules


def _kpi_rules() -> list[_Rule]:
    """Actuals, targets, check-ins and subscriptions: the bounds and choices of their import records."""
    first, last, day = EARLIEST_DATE.isoformat(), latest_date().isoformat(), today().isoformat()
    return [
        _Rule("observations", "'obs_id ' || obs_id", _number("value"), f"value is not {MAGNITUDE}"),
        _Rule("observations", "'obs_id ' || obs_id", f"(period < DATE '{first}' OR period > DATE '{day}')",
              f"period outside {first} .. {day} (actuals are never dated after today)"),
        _Rule("target_versions", "'version_id ' || version_id", _number("target", nullable=True),
              f"target is not {MAGNITUDE}"),
        _Rule("target_versions", "'version_id ' || version_id", _number("previous", nullable=True),
              f"previous target is not {MAGNITUDE}"),
        _Rule("target_versions", "'version_id ' || version_id", _years("year"), f"year outside {first[:4]} .. "
                                                                                 f"{last[:4]}"),
        _Rule("checkins", "'checkin_id ' || checkin_id", _one_of("confidence", CONFIDENCES, nullable=True),
              f"confidence is not one of {', '.join(CONFIDENCES)}"),
        _Rule("checkins", "'checkin_id ' || checkin_id", _years("year"), f"year outside {first[:4]} .. {last[:4]}"),
        _Rule("subscriptions", "email", _one_of("kind", SUBSCRIPTION_KINDS),
              f"kind is not one of {', '.join(SUBSCRIPTION_KINDS)}"),
        _Rule("subscriptions", "email", _one_of("lang", MESSAGE_LANGS),
              f"language is not one of {', '.join(MESSAGE_LANGS)}"),
    ]


def _ledger_rules() -> list[_Rule]:
    """The value ledger: investments, value streams, FX rates and scenarios."""
    investment, stream = "program || ' year ' || year", "program || ' ' || stream || ' year ' || year"
    return [
        _Rule("investments", investment, _number("amount", low=0), f"amount is not {MAGNITUDE}, zero or more"),
        _Rule("investments", investment, "NOT regexp_full_match(currency, '[A-Z]{3}')",
              "currency is not a three-letter code"),
        _Rule("investments", investment, "(year NOT BETWEEN 1 AND 50)", "program year outside 1 .. 50"),
        _Rule("value_streams", stream, _number("amount", low=0), f"amount is not {MAGNITUDE}, zero or more"),
        _Rule("value_streams", stream, _one_of("stream", STREAM_NAMES),
              f"stream is not one of {', '.join(STREAM_NAMES)}"),
        _Rule("value_streams", stream,
              "(growth_rate IS NOT NULL AND (NOT isfinite(growth_rate) OR growth_rate <= 0 OR growth_rate > 20))",
              "growth rate outside 0 .. 20"),
        _Rule("value_streams", stream, "NOT regexp_full_match(currency, '[A-Z]{3}')",
              "currency is not a three-letter code"),
        _Rule("fx_rates", "base || '/' || quote || ' ' || day", _number("rate", low=0) + " OR rate = 0",
              "rate is not a positive finite number"),
        _Rule("value_scenarios", "name", " OR ".join(_number(c, low=0, nullable=True) for c in
                                                      ("growth_scale", "investment_scale", "growth_cap")),
              "a scale is not a finite number, zero or more"),
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
              f"dimension is not one of {', '.join(dimensions)}"),
        _Rule("maturity_assessments", assessment, _number("score", low=1, high=5), "score outside 1 .. 5"),
        _Rule("maturity_assessments", assessment, _number("target", low=1, high=5, nullable=True),
              "target outside 1 .. 5"),
        _Rule("use_cases", "name", _one_of("stage", stages), f"stage is not one of {', '.join(stages)}"),
        _Rule("use_cases", "name", _one_of("horizon", horizons), f"horizon is not one of {', '.join(horizons)}"),
        _Rule("use_cases", "name", _one_of("pattern", patterns, nullable=True),
              f"pattern is not one of {', '.join(patterns)}"),
    ]


def _rules() -> list[_Rule]:
    return [*_reference_rules(), *_kpi_rules(), *_ledger_rules(), *_assessment_rules()]


def restore_problems(con: Any) -> list[str]:
    """Every rule the loaded rows break (a DuckDB connection, inside the restore's transaction), one line per
    rule: 'table (3 rows: key, key, key): reason'. Names and text no import would store come first."""
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
            problems.append(f"{rule.table} ({count:,} row(s): {named}): {rule.reason}")
    return problems


def _columns(con: Any) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall():
        found.setdefault(table, []).append((column, kind))
    return found


def _name_problems(con: Any, tables: dict) -> list[str]:
    """Region, department and program names as every other path checks them (kpis.reference.names.name_problem)."""
    problems = []
    for kind, table in (("region", "regions"), ("department", "departments"), ("program", "programs")):
        if table not in tables:
            continue
        names = tuple(name for (name,) in con.execute(f"SELECT name FROM {table} ORDER BY name").fetchall())
        for index, name in enumerate(names):
            problem = name_problem(kind, name or "", names[:index])
            if problem is not None:
                problems.append(f"{table} ({_printable(name)}): {problem}")
    return problems


def _nul_problems(con: Any, tables: dict) -> list[str]:
    """A NUL character in any text (no import stores one, and PostgreSQL cannot hold it)."""
    problems = []
    for table, columns in tables.items():
        texts = [c for c, kind in columns if kind == "VARCHAR"]
        if not texts:
            continue
        where = " OR ".join(f"strpos({c}, chr(0)) > 0" for c in texts)
        count = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
        if count:
            problems.append(f"{table} ({count:,} row(s)): a NUL character in the text")
    return problems


def _printable(value: object) -> str:
    return str(value).encode("unicode_escape").decode("ascii")[:80]
