"""The audit log for people: KPI names instead of ids, old -> new in the KPI's unit, dates in the
reader's locale, the program's own writes named in words. The stored log stays as written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
from babel.dates import format_datetime

from kpis.catalog import Catalog
from kpis.formatting import DASH, format_day, format_number, format_value, locale_for
from kpis.i18n import has, t
from kpis.reference.names import actor_label, reason_label

__all__ = ["readable_audit"]


def _word(prefix: str, value: str, lang: str) -> str:
    key = f"{prefix}.{value}"
    return t(key, lang) if has(key) else value


def _field(key: str, lang: str) -> str:
    """A stored record's field in words: its form label, else its import column's name (lower case)."""
    if has(f"field.{key}"):
        return t(f"field.{key}", lang)
    if has(f"column.{key}"):
        name = t(f"column.{key}", lang)
        return name[:1].lower() + name[1:] if not name[:2].isupper() else name
    return key.replace("_", " ")


def _values(raw: Any, kpi_id: str | None, catalog: Catalog, lang: str) -> str:
    """'3,500' for a KPI's target or value; 'amount: 10,000,000 · currency: MXN' for other records."""
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return DASH
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return str(raw)
    if not isinstance(data, dict):
        return str(data)
    kpi = catalog.get(kpi_id) if kpi_id and kpi_id in catalog else None
    parts = []
    for key, value in data.items():
        if key.endswith("_es") and key != "name_es":
            continue  # a Spanish twin: shown in Spanish in place of its English value, below
        if lang == "es" and data.get(f"{key}_es") not in (None, ""):
            value = data[f"{key}_es"]
        if value is None:
            shown = DASH
        elif kpi is not None and key in ("target", "value"):
            shown = format_value(float(value), kpi, lang)
        elif isinstance(value, bool):
            shown = t("status.yes", lang) if value else t("status.no", lang)
        elif key in ("confidence", "kind") and isinstance(value, str):
            shown = _word(key, value, lang)
        elif isinstance(value, int | float):
            shown = format_number(value, lang, 0 if float(value).is_integer() else 2)
        else:
            shown = str(value)
        own = kpi is not None and key in ("target", "value")
        field = _field(key, lang)
        parts.append(shown if own else f"{field}: {shown}")
    return " · ".join(parts) or DASH


def _what(entity: str, key: str, kpi_id: str | None, catalog: Catalog, lang: str,
          spanish: dict[str, dict[str, str]] | None = None) -> str:
    """'Target · New users onboarded · 2026-Q4 · all regions · all departments'."""
    pieces = [piece.strip() for piece in str(key).split(" / ")]
    named = []
    for piece in pieces:
        if kpi_id and piece == kpi_id and kpi_id in catalog:
            named.append(catalog.get(kpi_id).name(lang))
        elif piece == "*":
            named.append(t("audit.all", lang))
        elif len(piece) == 10 and piece[4] == "-" and piece[7] == "-" and piece.replace("-", "").isdigit():
            named.append(format_day(date.fromisoformat(piece), lang))
        elif lang == "es" and spanish:  # a region's, department's or program's Spanish name
            named.append(next((names[piece] for names in spanish.values() if piece in names), piece))
        else:
            named.append(piece)
    return " · ".join([_word("entity", entity, lang), *named])


def readable_audit(frame: pd.DataFrame, catalog: Catalog, lang: str = "en",
                   spanish: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The audit rows (sql/audit_log.sql) as a table for people, in the reader's language (with `spanish`, the
    store's Spanish names of regions, departments and programs)."""
    locale = locale_for(lang)
    rows = [{
        t("audit.when", lang): format_datetime(row.logged_at, "medium", locale=locale),
        t("audit.who", lang): actor_label(row.actor, lang),
        t("audit.channel", lang): _word("channel", row.channel, lang),
        t("audit.action", lang): _word("action", row.action, lang),
        t("audit.what", lang): _what(row.entity, row.entity_key, row.kpi_id, catalog, lang, spanish),
        t("audit.old", lang): _values(row.old_value, row.kpi_id, catalog, lang),
        t("audit.new", lang): _values(row.new_value, row.kpi_id, catalog, lang),
        t("data.reason", lang): reason_label(row.reason, lang) if isinstance(row.reason, str) and row.reason else DASH,
    } for row in frame.itertuples()]
    return pd.DataFrame(rows, columns=[t(k, lang) for k in ("audit.when", "audit.who", "audit.channel",
                                                             "audit.action", "audit.what", "audit.old",
                                                             "audit.new", "data.reason")])
