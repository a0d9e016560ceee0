"""Input records (pydantic): one model per exchange-file kind, shared by forms, imports and CLI."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kpis.errors import Reason, field_words
from kpis.escaping import text_problem
from kpis.kinds import CONFIDENCES, Confidence
from kpis.periods import EARLIEST_DATE, latest_date, parse_period, parse_quarter, today

__all__ = [
    "CONFIDENCES",
    "DEFAULT_CURRENCY",
    "EARLIEST_DATE",
    "MAX_MAGNITUDE",
    "MESSAGE_LANGS",
    "SUBSCRIPTION_KINDS",
    "Confidence",
    "InvestmentRecord",
    "MaturityRecord",
    "ObservationRecord",
    "ProgramRecord",
    "ReferenceRecord",
    "SubscriptionKind",
    "TargetRecord",
    "TickRecord",
    "UseCaseRecord",
    "ValueRecord",
    "check_date",
    "latest_date",
]

DEFAULT_CURRENCY = "MXN"
SubscriptionKind = Literal["digest", "alerts", "both"]
SUBSCRIPTION_KINDS: tuple[SubscriptionKind, ...] = ("digest", "alerts", "both")
MESSAGE_LANGS = ("en", "es")  # the languages a subscriber can read
STREAM_NAMES = ("direct_savings", "revenue_increase", "risk_reduction", "innovation_value")

_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

# Bounds every input path shares (imports, forms, CLI, ingest): a figure beyond a quadrillion or a
# date outside 2000-01-01 .. today + 10 years is a typo, and it would break sums and page ranges.
MAX_MAGNITUDE = 1e15


def check_date(value: date) -> date:
    """`value` if it lies in the accepted window, else a ValueError that names the window."""
    if not EARLIEST_DATE <= value <= latest_date():
        raise ValueError(Reason("date_window", value=value.isoformat(), first=EARLIEST_DATE.isoformat(),
                                last=latest_date().isoformat()))
    return value


def _blank_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(Reason("expected_number"))
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(Reason("not_number", value=value[:40])) from None
    if not isinstance(value, (int, float)):
        raise ValueError(Reason("expected_number"))
    try:
        number = float(value)
    except OverflowError:  # a 400-digit integer from a spreadsheet
        raise ValueError(Reason("too_large")) from None
    if not math.isfinite(number):
        raise ValueError(Reason("not_finite"))
    if abs(number) > MAX_MAGNITUDE:
        raise ValueError(Reason("too_large"))
    return number


def _whole(value: Any, what: str) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError(Reason("not_whole", value=value, what=Reason(f"what.{what.replace(' ', '_')}")))
    return int(number)


class _Record(BaseModel):
    """Every input record: each text field in NFC, without control characters (NUL included) and with at least
    one visible character when given (the rule of kpis.escaping.text_problem, the same on every path)."""

    model_config = _CONFIG

    @model_validator(mode="before")
    @classmethod
    def _texts(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        clean = {}
        for name, value in data.items():
            if isinstance(value, str):
                problem = text_problem(value)
                if problem is not None:
                    raise ValueError(Reason("field", field=field_words(name), reason=Reason(f"text_{problem}")))
                value = unicodedata.normalize("NFC", value)
            clean[name] = value
        return clean


class _YearQuarter(_Record):
    """A calendar year and quarter (`Q1`..`Q4` or `1`..`4`; spreadsheets' 2.0 is 2)."""

    model_config = _CONFIG

    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: Any) -> int:
        year = _whole(value, "year")
        if EARLIEST_DATE.year <= year <= latest_date().year:
            return year
        raise ValueError(Reason("year_window", value=year, first=EARLIEST_DATE.year, last=latest_date().year))

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, value: Any) -> int:
        return parse_quarter(value)


class _Scoped(_Record):
    model_config = _CONFIG

    kpi_id: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)

    @field_validator("region", "department", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_to_none(value)


def _not_after_today(period: date) -> date:
    """Actuals are never dated after today (SPEC section 10): a month in progress is written as its day
    (2026-12-04, not 2026-12 = Dec 31); targets may be dated later."""
    day = today()
    if period > day:
        raise ValueError(Reason("future_actual", value=period.isoformat(), today=day.isoformat()))
    return period


class ObservationRecord(_Scoped):
    """One actual: a KPI's value for a period (a date) in a scope (None = all)."""

    period: date
    value: float
    source: str | None = Field(default=None, max_length=200)

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return _not_after_today(check_date(value.date()))
        if isinstance(value, date):
            return _not_after_today(check_date(value))
        if isinstance(value, str):
            return _not_after_today(check_date(parse_period(value)))
        raise ValueError(Reason("expected_period"))

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> float:
        return _number(value)

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: Any) -> Any:
        return _blank_to_none(value)


class TargetRecord(_Scoped, _YearQuarter):
    """One quarter target for a KPI in a scope; `reason` says why it was set or changed."""

    target: float
    reason: str | None = Field(default=None, max_length=500)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> float:
        return _number(value)

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any) -> Any:
        return _blank_to_none(value)


class _Money(_Record):
    model_config = _CONFIG

    program: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1, le=50, description="program year: 1, 2, 3...")
    amount: float = Field(ge=0)
    currency: str = Field(default=DEFAULT_CURRENCY, pattern=r"^[A-Z]{3}$")

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: Any) -> int:
        return _whole(value, "program year")

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> float:
        return _number(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return DEFAULT_CURRENCY if value is None else str(value).strip().upper()


class ValueRecord(_Money):
    """One value stream's amount in one program year; growth_rate projects later years."""

    stream: Literal["direct_savings", "revenue_increase", "risk_reduction", "innovation_value"]
    growth_rate: float | None = Field(default=None, gt=0, le=20)

    @field_validator("growth_rate", mode="before")
    @classmethod
    def _growth(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return None if value is None else _number(value)


class InvestmentRecord(_Money):
    """Money put into a program in one program year, by category (platform, talent, ...)."""

    category: str = Field(default="general", min_length=1, max_length=100)

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return "general" if value is None else value


class _Quarterly(_YearQuarter):
    unit: str = Field(min_length=1, max_length=100)


def _score(value: Any) -> Any:
    value = _blank_to_none(value)
    return None if value is None else _number(value)


class MaturityRecord(_Quarterly):
    """One dimension's score (1.0-5.0) for a unit and quarter, with optional target and evidence."""

    dimension: Literal["strategy", "people", "process", "technology", "governance", "data"]
    score: float = Field(ge=1, le=5)
    target: float | None = Field(default=None, ge=1, le=5)
    assessor: str | None = Field(default=None, max_length=100)
    evidence: str | None = Field(default=None, max_length=2000)

    @field_validator("dimension", mode="before")
    @classmethod
    def _dimension(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("score", "target", mode="before")
    @classmethod
    def _scores(cls, value: Any) -> Any:
        return _score(value)

    @field_validator("assessor", "evidence", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _blank_to_none(value)


class TickRecord(_Quarterly):
    """An editor's tick on a checklist item for a unit and quarter."""

    checklist: str = Field(min_length=1, max_length=50)
    item: str = Field(min_length=1, max_length=100)
    done: bool
    note: str | None = Field(default=None, max_length=500)


STAGE_ALIASES = {"poc": "experimentation", "experimentation/poc": "experimentation",
                 "experimentation_poc": "experimentation", "pilot": "experimentation"}
HORIZON_ALIASES = {"oe": "operational_excellence", "operational excellence": "operational_excellence",
                   "opex": "operational_excellence"}


def _date(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, datetime):
        return check_date(value.date())
    if isinstance(value, str):
        return check_date(date.fromisoformat(value.strip()[:10]))
    if isinstance(value, date):
        return check_date(value)
    return value


class UseCaseRecord(_Record):
    """A use case in the innovation funnel: its current stage, horizon, pattern and dates."""

    model_config = _CONFIG

    name: str = Field(min_length=1, max_length=200)
    stage: Literal["idea", "evaluation", "experimentation", "validation", "scaled", "stopped"]
    horizon: Literal["H1", "H2", "H3", "operational_excellence"]
    pattern: Literal["replication", "adaptation", "evolution", "innovation", "platform"] | None = None
    region: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)
    started: date | None = None
    stage_changed: date | None = None

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().lower()
            return STAGE_ALIASES.get(key, key)
        return value

    @field_validator("horizon", mode="before")
    @classmethod
    def _horizon(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip()
            return key.upper() if key.upper() in ("H1", "H2", "H3") else HORIZON_ALIASES.get(key.lower(), key.lower())
        return value

    @field_validator("pattern", "region", "department", mode="before")
    @classmethod
    def _optional_text(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return value.strip().lower() if isinstance(value, str) and value.strip().lower() in (
            "replication", "adaptation", "evolution", "innovation", "platform") else value

    @field_validator("started", "stage_changed", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        try:
            return _date(value)
        except ValueError as exc:
            if getattr(exc.args[0] if exc.args else None, "key", None) == "date_window":
                raise
            raise ValueError(Reason("not_date", value=str(value)[:40])) from None


def _name(value: Any) -> Any:
    """A reference name as people type it: surrounding and repeated spaces removed; blank is missing."""
    value = _blank_to_none(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split()) if value is not None else None


class ReferenceRecord(_Record):
    """A region or department: its name and, optionally, its Spanish name (shown on Spanish pages)."""

    model_config = _CONFIG

    name: str = Field(min_length=1, max_length=100)
    name_es: str | None = Field(default=None, max_length=100)

    @field_validator("name", "name_es", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _name(value)


class ProgramRecord(ReferenceRecord):
    """A program: its name, the day program year 1 begins (its ledger accrues from it) and its Spanish name."""

    start_date: date

    @field_validator("start_date", mode="before")
    @classmethod
    def _start(cls, value: Any) -> Any:
        return _date(value)
