"""The regions' localisation and regulation table (SPEC section 7), kept as data, edited by admins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from kpis.roles import Actor, require
from kpis.store import Session, Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["REGION_COLUMNS", "RegionRecord", "regulation_table", "save_region", "upsert_regions"]

REGION_COLUMNS = ("name_es", "language", "language_es", "currency", "date_format", "regulators", "ai_rules",
                  "ai_rules_es", "residency", "residency_required", "residency_es", "validation",
                  "validation_required", "validation_es")
TRANSLATED = ("language", "ai_rules", "residency", "validation")  # columns with a Spanish twin (<name>_es)


def regulation_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The regulation table's texts in `lang`: in Spanish each translated column takes its `_es`
    twin where one was recorded, else the English text (names of laws are not translated)."""
    shown = table.copy()
    if lang == "es":
        for column in TRANSLATED:
            if f"{column}_es" in shown:
                spanish = shown[f"{column}_es"]
                shown[column] = spanish.where(spanish.notna() & (spanish.astype("string").str.strip() != ""),
                                              shown[column])
    return shown


class RegionRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    name_es: str | None = Field(default=None, max_length=100)
    language: str = Field(min_length=1, max_length=50)
    language_es: str | None = Field(default=None, max_length=50)
    ai_rules_es: str | None = Field(default=None, max_length=300)
    residency_es: str | None = Field(default=None, max_length=300)
    validation_es: str | None = Field(default=None, max_length=300)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    date_format: str = Field(min_length=1, max_length=20)
    regulators: str = Field(min_length=1, max_length=300)
    ai_rules: str = Field(min_length=1, max_length=300)
    residency: str = Field(min_length=1, max_length=300)
    residency_required: bool
    validation: str = Field(min_length=1, max_length=300)
    validation_required: bool


def save_region(store: Store, actor: Actor, name: str, values: dict[str, Any]) -> int:
    """Insert or replace one region's row (admins only; audited)."""
    import pandas as pd

    require(actor, "admin", "edit the regulation table")
    record = RegionRecord(name=name, **values)
    with store.write_session() as session:
        return upsert_regions(session, pd.DataFrame([record.model_dump()]), actor=actor.name, channel="form")


def upsert_regions(session: Session, rows: pd.DataFrame, *, actor: str, channel: str) -> int:
    """Insert or replace rows of the regions' localisation and regulation table (audited)."""
    columns = tuple(c for c in REGION_COLUMNS if c in rows.columns)
    return session.upsert_keyed("regions", ("name",), columns, rows, entity="region", actor=actor,
                                channel=channel, stamps={"updated_by": "actor", "updated_at": "now"})
