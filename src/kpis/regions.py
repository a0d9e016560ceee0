"""The regions' localisation and regulation table (SPEC section 7), kept as data, edited by admins."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from kpis.roles import Actor, require
from kpis.store import Store

__all__ = ["REGION_COLUMNS", "RegionRecord", "save_region"]

REGION_COLUMNS = ("name_es", "language", "currency", "date_format", "regulators", "ai_rules", "residency",
                  "residency_required", "validation", "validation_required")


class RegionRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    name_es: str | None = Field(default=None, max_length=100)
    language: str = Field(min_length=1, max_length=50)
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
    require(actor, "admin", "edit the regulation table")
    record = RegionRecord(name=name, **values)
    with store.write_session() as session:
        return session.upsert_regions(pd.DataFrame([record.model_dump()]), actor=actor.name, channel="form")
