"""The KPI catalog: metric definitions loaded from a data file and validated on load.

The definitions are frozen dataclasses checked by `checked()` (types, allowed words, patterns, unknown keys,
then each class's own rules), not pydantic models: every command and page loads the catalog, and a
read-only CLI command (scorecard, value, readiness) would otherwise spend ~90 ms of its ~200 ms importing
pydantic (bench/cli.py). People's input (forms, imports, the API) is still validated with pydantic."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from kpis.errors import CatalogError, Reason, Words

__all__ = [
    "DEFAULT_CATALOG_PATH",
    "FAMILIES",
    "Bands",
    "Catalog",
    "EntryProblems",
    "Kpi",
    "checked",
    "load_catalog",
]

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parents[2] / "data" / "kpi_catalog.toml"
FAMILIES = ("adoption", "technical", "business", "innovation")

Family = Literal["adoption", "technical", "business", "innovation"]
Unit = Literal["count", "percent", "ms", "currency", "weeks", "ratio", "score"]  # score: NPS, 1-5 ratings
Direction = Literal["higher_is_better", "lower_is_better"]
OverTime = Literal["sum", "last", "mean", "max", "min", "p95"]
AcrossScope = Literal["sum", "mean", "max", "min"]


class EntryProblems(ValueError):
    """What is wrong with one entry of a data file: 'field: problem' texts (`checked` collects them all)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Frozen:
    """Shared by the definitions read from data files: pydantic-style copies and JSON."""

    __slots__ = ()

    def model_copy(self, *, update: dict[str, Any]) -> Any:
        """A copy with `update` applied, checked again (the class's own rules)."""
        return dataclasses.replace(self, **update)  # type: ignore[type-var]

    def model_dump(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def model_dump_json(self) -> str:
        """Compact JSON in field order (the store keeps each KPI's definition in this form)."""
        return json.dumps(self.model_dump(), ensure_ascii=False, separators=(",", ":"))


def constraint(default: Any = dataclasses.MISSING, **rules: Any) -> Any:
    """A field with checks `checked` applies: pattern (a regex the text must match), min_length, ge."""
    if default is dataclasses.MISSING:
        return field(metadata=rules)
    return field(default=default, metadata=rules)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bands(Frozen):
    """Attainment thresholds: a band's lower edge belongs to it (0.95 is on track)."""

    ahead: float = 1.10
    on_track: float = 0.95
    at_risk: float = 0.80

    def __post_init__(self) -> None:
        if not self.ahead > self.on_track > self.at_risk > 0:
            raise ValueError("bands must satisfy ahead > on_track > at_risk > 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Kpi(Frozen):
    """One metric definition. Ids are public: CSV files, CLI and JSON use them."""

    id: str = constraint(pattern=r"^[a-z][a-z0-9_]*$")
    family: Family
    name_en: str = constraint(min_length=1)
    name_es: str = constraint(min_length=1)
    unit: Unit
    currency: str | None = constraint(None, pattern=r"^[A-Z]{3}$")
    direction: Direction
    over_time: OverTime
    across_scope: AcrossScope
    error_budget: bool = False
    bands: Bands = field(default_factory=Bands)
    min_value: float | None = None
    max_value: float | None = None
    headline: bool = False
    # A count of reference-data entities ("departments", "regions"): no value, observed or rolled up across
    # scope, may exceed how many of them the store knows (regions' counts overlap: sums would double count).
    counts: Literal["departments", "regions"] | None = None
    target_note: str = ""
    description_en: str = ""
    description_es: str = ""

    def __post_init__(self) -> None:
        if self.unit == "currency" and self.currency is None:
            raise ValueError("a currency KPI needs `currency` (e.g. \"USD\")")
        if self.error_budget and self.unit != "percent":
            raise ValueError("error_budget applies to percent KPIs only")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError("min_value is above max_value")

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"

    def name(self, lang: str = "en") -> str:
        return self.name_es if lang == "es" else self.name_en

    @property
    def words(self) -> Words:
        """The KPI's name in every language (for messages rendered later in the reader's)."""
        return Words(en=self.name_en, es=self.name_es)

    def description(self, lang: str = "en") -> str:
        return self.description_es if lang == "es" else self.description_en


@dataclass(frozen=True, slots=True)
class Catalog:
    """All KPIs, in file order, looked up by id."""

    kpis: tuple[Kpi, ...]
    # by id: `in` and get() run once per cell and per target row (thousands per page)
    _index: dict[str, Kpi] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kpis", tuple(self.kpis))
        object.__setattr__(self, "_index", {k.id: k for k in self.kpis})

    def __hash__(self) -> int:
        return hash(self.kpis)

    def __iter__(self):
        return iter(self.kpis)

    def __len__(self) -> int:
        return len(self.kpis)

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._index

    def get(self, kpi_id: str) -> Kpi:
        return self._index[kpi_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kpis)

    def value_problems(self, kpi_id: str, field: str, value: float) -> list[str]:
        """Why `value` cannot be recorded for `kpi_id` (unknown KPI, outside its range); empty if it can.
        Each problem reads 'field: reason', the form imports and forms report it in."""
        if kpi_id not in self:
            return [Reason("field", field="kpi_id", reason=Reason("unknown_kpi", kpi=kpi_id))]
        kpi = self.get(kpi_id)
        problems = []
        if kpi.min_value is not None and value < kpi.min_value:
            problems.append(Reason("field", field=field, reason=Reason(
                "below_min", value=f"{value:g}", limit=f"{kpi.min_value:g}", kpi=kpi.words)))
        if kpi.max_value is not None and value > kpi.max_value:
            problems.append(Reason("field", field=field, reason=Reason(
                "above_max", value=f"{value:g}", limit=f"{kpi.max_value:g}", kpi=kpi.words)))
        return problems


def checked(cls: type, raw: object, where: str = "") -> Any:
    """An instance of the frozen dataclass `cls` from `raw` (a TOML table), every field checked against its
    annotation (str, int, float, bool, None, Literal words, tuple[X, ...], nested dataclasses) and its
    `constraint` rules; unknown keys refused; then the class's own rules (__post_init__). Raises EntryProblems
    listing every problem as 'field: problem' ('field.sub' for nested tables)."""
    problems: list[str] = []
    value = _check(cls, raw, where, problems)
    if problems:
        raise EntryProblems(problems)
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _name(where: str) -> str:
    return where or "entry"


def _check(kind: Any, raw: Any, where: str, problems: list[str], rules: Any = None) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        if not isinstance(raw, dict):
            problems.append(f"{_name(where)}: should be a table")
            return None
        fields = {f.name: f for f in dataclasses.fields(kind) if f.init}
        values: dict[str, Any] = {}
        before = len(problems)
        for key in raw:
            if key not in fields:
                problems.append(f"{where + '.' if where else ''}{key}: unknown field (extra inputs are not permitted)")
        for name, spec in fields.items():
            at = f"{where}.{name}" if where else name
            if name in raw:
                values[name] = _check(_hints(kind)[name], raw[name], at, problems, spec.metadata)
            elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                problems.append(f"{at}: field required")
        if len(problems) > before:
            return None
        try:
            return kind(**values)
        except (ValueError, TypeError) as exc:
            problems.append(f"{_name(where)}: {exc}")
            return None
    if origin in (typing.Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        return _check(others[0], raw, where, problems, rules) if len(others) == 1 else raw
    if origin is Literal:
        if raw not in args:
            problems.append(f"{where}: should be one of {', '.join(repr(a) for a in args)}, not {raw!r}")
        return raw
    if origin is tuple:
        if not isinstance(raw, list | tuple):
            problems.append(f"{where}: should be a list")
            return ()
        return tuple(_check(args[0], item, f"{where}.{i}", problems) for i, item in enumerate(raw))
    if kind is bool:
        if not isinstance(raw, bool):
            problems.append(f"{where}: should be true or false, not {raw!r}")
        return raw
    if kind in (int, float):
        if isinstance(raw, bool) or not isinstance(raw, int | float) or (kind is int and not isinstance(raw, int)):
            problems.append(f"{where}: should be {'a whole number' if kind is int else 'a number'}, not {raw!r}")
            return raw
        raw = kind(raw)
        if rules and "ge" in rules and raw < rules["ge"]:
            problems.append(f"{where}: should be at least {rules['ge']}")
        return raw
    if kind is str:
        if not isinstance(raw, str):
            problems.append(f"{where}: should be text, not {raw!r}")
            return raw
        if rules and len(raw) < rules.get("min_length", 0):
            problems.append(f"{where}: should not be empty")
        if rules and "pattern" in rules and not re.match(rules["pattern"], raw):
            problems.append(f"{where}: should match the pattern '{rules['pattern']}', not {raw!r}")
        return raw
    return raw


def load_catalog(path: Path | str = DEFAULT_CATALOG_PATH) -> Catalog:
    """Read and validate a TOML catalog (`[[kpi]]` tables); errors name file, entry and problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None
    entries = raw.get("kpi")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: no [[kpi]] entries found")
    kpis = []
    for index, entry in enumerate(entries, start=1):
        try:
            kpis.append(checked(Kpi, entry))
        except EntryProblems as exc:
            label = entry.get("id", "?") if isinstance(entry, dict) else "?"
            raise CatalogError(f"{path}: entry {index} ({label}): {exc}") from None
    seen: set[str] = set()
    for index, kpi in enumerate(kpis, start=1):
        if kpi.id in seen:
            raise CatalogError(f"{path}: entry {index} ({kpi.id}): duplicate id")
        seen.add(kpi.id)
    return Catalog(kpis=tuple(kpis))
