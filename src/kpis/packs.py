"""Data files beside the catalog: success checklists and the growth-phase pack (validated on load)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from kpis.catalog import DEFAULT_CATALOG_PATH, Catalog, EntryProblems, Frozen, Kpi, checked, constraint
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
_FROZEN = dataclass(frozen=True, slots=True, kw_only=True)  # read like the catalog (kpis.catalog.checked)
Op = Literal[">", ">=", "<", "<=", "months_live>"]


@_FROZEN
class Criterion(Frozen):
    """`kpi op value`, e.g. reusability_index_pct > 70."""

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


@_FROZEN
class ChecklistItem(Frozen):
    id: str = constraint(pattern=r"^[a-z][a-z0-9_]*$")
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


@_FROZEN
class Checklist(Frozen):
    id: str
    name_en: str
    name_es: str
    items: tuple[ChecklistItem, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


@_FROZEN
class Phase(Frozen):
    number: int = constraint(ge=1)
    name_en: str
    name_es: str
    period_en: str
    period_es: str
    criteria: tuple[Criterion, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def period(self, lang: str) -> str:
        return self.period_es if lang == "es" else self.period_en


@_FROZEN
class Risk(Frozen):
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


@_FROZEN
class GrowthPack(Frozen):
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


def _validate(path: Path, model: type, raw: dict, where: str = "") -> Any:
    try:
        return checked(model, raw, where)
    except EntryProblems as exc:
        raise CatalogError(f"{path}: {exc}") from None


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
    entries = enumerate(raw.get("checklist", []))
    return tuple(_validate(Path(path), Checklist, entry, f"checklist.{i}") for i, entry in entries)


def load_growth_pack(path: Path | str = DATA_DIR / "growth_pack.toml") -> GrowthPack:
    """The growth-phase pack: its KPIs, phases with criteria, and the risk register."""
    path = Path(path)
    raw = _read(path)
    return _validate(path, GrowthPack, {"kpis": raw.get("kpi", []), "phases": raw.get("phase", []),
                                        "risks": raw.get("risk", [])})


def full_catalog(catalog: Catalog, pack: GrowthPack) -> Catalog:
    """The main catalog plus the pack's KPIs (ids must not clash)."""
    clash = set(catalog.ids) & {k.id for k in pack.kpis}
    if clash:
        raise CatalogError(f"growth pack redefines catalog KPIs: {', '.join(sorted(clash))}")
    return Catalog(kpis=catalog.kpis + pack.kpis)
