"""Periods and quarters: parse the exchange-file formats and compute quarter bounds."""

from __future__ import annotations

import calendar
import os
import re
from datetime import UTC, date, datetime, timedelta

from kpis.errors import KpiError, Reason

__all__ = [
    "EARLIEST_DATE",
    "FUTURE_YEARS",
    "Quarter",
    "last_complete_month_end",
    "latest_date",
    "parse_period",
    "parse_quarter",
    "quarter_end",
    "quarter_of",
    "quarter_start",
    "shift_quarter",
    "today",
]

Quarter = tuple[int, int]  # (year, quarter 1..4)

# Bounds every input path shares (imports, forms, CLI, ingest): a date outside 2000-01-01 .. today + 10 years
# is a typo, and it would break sums and page ranges (kpis.records also bounds figures, MAX_MAGNITUDE).
EARLIEST_DATE = date(2000, 1, 1)
FUTURE_YEARS = 10


def latest_date() -> date:
    """The last accepted date: today (UTC) plus FUTURE_YEARS years."""
    day = datetime.now(UTC).date()
    return day.replace(year=day.year + FUTURE_YEARS, day=min(day.day, 28))

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def parse_period(text: str) -> date:
    """`YYYY-MM-DD`, `YYYY-MM` (the month's last day) or `YYYY-Qn` (the quarter's last day)."""
    text = text.strip()
    if m := _DAY.match(text):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:  # 2026-02-30
            raise ValueError(Reason("not_date", value=text[:40])) from None
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(Reason("bad_month", month=month))
        return date(year, month, calendar.monthrange(year, month)[1])
    if m := _QUARTER.match(text):
        return quarter_end(int(m[1]), int(m[2]))
    raise ValueError(Reason("not_period", value=text[:40]))


def parse_quarter(text: str | int) -> int:
    """`Q1`..`Q4` or `1`..`4` -> 1..4."""
    raw = str(text).strip().upper().removeprefix("Q")
    if raw in {"1", "2", "3", "4"}:
        return int(raw)
    if raw in {"1.0", "2.0", "3.0", "4.0"}:  # spreadsheets store 2 as 2.0
        return int(float(raw))
    raise ValueError(Reason("not_quarter", value=str(text)[:40]))


def quarter_of(day: date) -> Quarter:
    return day.year, (day.month - 1) // 3 + 1


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_end(year: int, quarter: int) -> date:
    month = 3 * quarter
    return date(year, month, calendar.monthrange(year, month)[1])


def shift_quarter(year: int, quarter: int, by: int) -> Quarter:
    """The quarter `by` quarters after (negative: before) the given one."""
    index = year * 4 + (quarter - 1) + by
    return index // 4, index % 4 + 1


def last_complete_month_end(today: date) -> date:
    """The last day of the month before `today`'s month: the newest date data can be complete to."""
    return today.replace(day=1) - timedelta(days=1)


def today() -> date:
    """The day reports are made on: today in UTC, or `KPIS_TODAY` (YYYY-MM-DD) to read every report as it
    stood on another day (reproducing a past board pack; tests that must not depend on the day they run)."""
    fixed = os.environ.get("KPIS_TODAY")
    if fixed:
        try:
            return date.fromisoformat(fixed.strip())
        except ValueError:
            raise KpiError.keyed("error.bad_today", value=fixed[:40]) from None
    return datetime.now(UTC).date()

def utc_now() -> datetime:
    """Naive UTC timestamp, the form every stored time takes."""
    return datetime.now(UTC).replace(tzinfo=None)
