"""Data files beside the catalog: success checklists and the growth-phase pack (validated on load)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from kpis.catalog import DEFAULT_CATALOG_PATH, Catalog, Kpi
from kpis.errors import CatalogError

__all__ = [
    "Checklist",
    "ChecklistItem",
    "Criterion",
    "GrowthPack",
    "Phase",
    "Risk",
    "full_catalog",
    "load_checklists",
    "load_growth_pack",
]

DATA_DIR = DEFAULT_CATALOG_PATH.parent
_FROZEN = ConfigDict(frozen=True, extra="forbid")
Op = Literal[">", ">=", "<", "<=", "months_live>"]


class Criterion(BaseModel):
    """`kpi op value`, e.g. reusability_index_pct > 70."""

    model_config = _FROZEN
    kpi: str
    op: Op
    value: float

    def holds(self, actual: float | None) -> bool | None:
        """True/False, or None when there is no actual to judge."""
        if actual is None:
            return None
        op = ">" if self.op == "months_live>" else self.op
        return {">": actual > self.value, ">=": actual >= self.value, "<": actual < self.value,
                "<=": actual <= self.value}[op]


class ChecklistItem(BaseModel):
    model_config = _FROZEN
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    es: str
    kpi: str | None = None
    op: Op | None = None
    value: float | None = None

    @property
    def criterion(self) -> Criterion | None:
        if self.kpi is None or self.op is None or self.value is None:
            return None
        return Criterion(kpi=self.kpi, op=self.op, value=self.value)

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class Checklist(BaseModel):
    model_config = _FROZEN
    id: str
    name_en: str
    name_es: str
    items: tuple[ChecklistItem, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


class Phase(BaseModel):
    model_config = _FROZEN
    number: int = Field(ge=1)
    name_en: str
    name_es: str
    period_en: str
    period_es: str
    criteria: tuple[Criterion, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def period(self, lang: str) -> str:
        return self.period_es if lang == "es" else self.period_en


class Risk(BaseModel):
    model_config = _FROZEN
    id: str
    name_en: str
    name_es: str
    symptoms_en: tuple[str, ...]
    symptoms_es: tuple[str, ...]
    mitigations_en: tuple[str, ...]
    mitigations_es: tuple[str, ...]
    thresholds: tuple[Criterion, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def symptoms(self, lang: str) -> tuple[str, ...]:
        return self.symptoms_es if lang == "es" else self.symptoms_en

    def mitigations(self, lang: str) -> tuple[str, ...]:
        return self.mitigations_es if lang == "es" else self.mitigations_en


class GrowthPack(BaseModel):
    model_config = _FROZEN
    kpis: tuple[Kpi, ...]
    phases: tuple[Phase, ...]
    risks: tuple[Risk, ...]


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None


def _validate(path: Path, model: type[BaseModel], raw: dict) -> BaseModel:
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise CatalogError(f"{path}: {problems}") from None


def load_checklists(path: Path | str = DATA_DIR / "checklists.toml") -> tuple[Checklist, ...]:
    """The four success checklists and the prerequisites gate, in file order (read again when the file
    changes; every report reads them)."""
    path = Path(path)
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    return _checklists(str(path), changed)


@lru_cache(maxsize=8)
def _checklists(path: str, changed: int) -> tuple[Checklist, ...]:
    raw = _read(Path(path))
    return tuple(_validate(Path(path), Checklist, entry) for entry in raw.get("checklist", []))  # type: ignore[misc]


def load_growth_pack(path: Path | str = DATA_DIR / "growth_pack.toml") -> GrowthPack:
    """The growth-phase pack: its KPIs, phases with criteria, and the risk register."""
    path = Path(path)
    raw = _read(path)
    return _validate(path, GrowthPack, {"kpis": raw.get("kpi", []), "phases": raw.get("phase", []),
                                        "risks": raw.get("risk", [])})  # type: ignore[return-value]


def full_catalog(catalog: Catalog, pack: GrowthPack) -> Catalog:
    """The main catalog plus the pack's KPIs (ids must not clash)."""
    clash = set(catalog.ids) & {k.id for k in pack.kpis}
    if clash:
        raise CatalogError(f"growth pack redefines catalog KPIs: {', '.join(sorted(clash))}")
    return Catalog(kpis=catalog.kpis + pack.kpis)
