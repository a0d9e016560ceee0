"""The KPI catalog: metric definitions loaded from a data file and validated on load."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from kpis.errors import CatalogError, Reason, Words

__all__ = [
    "DEFAULT_CATALOG_PATH",
    "FAMILIES",
    "Bands",
    "Catalog",
    "Kpi",
    "load_catalog",
]

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parents[2] / "data" / "kpi_catalog.toml"
FAMILIES = ("adoption", "technical", "business", "innovation")

Family = Literal["adoption", "technical", "business", "innovation"]
Unit = Literal["count", "percent", "ms", "currency", "weeks", "ratio", "score"]  # score: NPS, 1-5 ratings
Direction = Literal["higher_is_better", "lower_is_better"]
OverTime = Literal["sum", "last", "mean", "max", "min", "p95"]
AcrossScope = Literal["sum", "mean", "max", "min"]


class Bands(BaseModel):
    """Attainment thresholds: a band's lower edge belongs to it (0.95 is on track)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ahead: float = 1.10
    on_track: float = 0.95
    at_risk: float = 0.80

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if not self.ahead > self.on_track > self.at_risk > 0:
            raise ValueError("bands must satisfy ahead > on_track > at_risk > 0")
        return self


class Kpi(BaseModel):
    """One metric definition. Ids are public: CSV files, CLI and JSON use them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: Family
    name_en: str = Field(min_length=1)
    name_es: str = Field(min_length=1)
    unit: Unit
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    direction: Direction
    over_time: OverTime
    across_scope: AcrossScope
    error_budget: bool = False
    bands: Bands = Bands()
    min_value: float | None = None
    max_value: float | None = None
    headline: bool = False
    # A count of reference-data entities ("departments", "regions"): no value, observed or rolled up across
    # scope, may exceed how many of them the store knows (regions' counts overlap: sums would double count).
    counts: Literal["departments", "regions"] | None = None
    target_note: str = ""
    description_en: str = ""
    description_es: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Kpi:
        if self.unit == "currency" and self.currency is None:
            raise ValueError("a currency KPI needs `currency` (e.g. \"USD\")")
        if self.error_budget and self.unit != "percent":
            raise ValueError("error_budget applies to percent KPIs only")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError("min_value is above max_value")
        return self

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


class Catalog(BaseModel):
    """All KPIs, in file order, looked up by id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kpis: tuple[Kpi, ...]
    _index: dict[str, Kpi] = PrivateAttr(default_factory=dict)

    def __iter__(self):  # type: ignore[override]
        return iter(self.kpis)

    def __len__(self) -> int:
        return len(self.kpis)

    def model_post_init(self, context: Any, /) -> None:
        # by id: `in` and get() run once per cell and per target row (thousands per page)
        self._index = {k.id: k for k in self.kpis}

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


def _entry_error(path: Path, index: int, entry: object, exc: pydantic.ValidationError) -> CatalogError:
    label = entry.get("id", "?") if isinstance(entry, dict) else "?"
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors()
    )
    return CatalogError(f"{path}: entry {index} ({label}): {problems}")


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
            kpis.append(Kpi.model_validate(entry))
        except pydantic.ValidationError as exc:
            raise _entry_error(path, index, entry, exc) from None
    seen: set[str] = set()
    for index, kpi in enumerate(kpis, start=1):
        if kpi.id in seen:
            raise CatalogError(f"{path}: entry {index} ({kpi.id}): duplicate id")
        seen.add(kpi.id)
    return Catalog(kpis=tuple(kpis))
