"""Numbers for people: 10K, 99.95%, 120 ms, $0.06, MXN 4.5M. Never raw floats.

Digits, separators and compact forms come from Babel's locale data (en_US, es_MX), not from
hand-written patterns."""

from __future__ import annotations

import functools
import math
from datetime import date
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_compact_decimal, format_decimal

if TYPE_CHECKING:
    from kpis.catalog import Kpi


__all__ = ["DASH", "format_attainment", "format_change", "format_compact", "format_day", "format_money",
           "format_multiple", "format_number", "format_percent", "format_value", "locale_for"]

DASH = "—"
LOCALES = {"en": "en_US", "es": "es_MX"}
_WEEKS = {"en": "wk", "es": "sem"}


@functools.cache
def locale_for(lang: str) -> Locale:
    """The language's Babel locale, parsed once per process (parsing it per call cost more than
    the formatting itself on a page of a few thousand figures)."""
    return Locale.parse(LOCALES.get(lang, "en_US"))


@functools.lru_cache(maxsize=4096)
def format_day(day: date | None, lang: str = "en") -> str:
    """A date for people in the language's locale: 'Nov 23, 2026' / '23 nov 2026'."""
    return DASH if day is None else babel_date(day, "medium", locale=locale_for(lang))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_compact(value: float, lang: str = "en") -> str:
    """1234 -> '1,234'; 12_500 -> '12.5K' ('12.5 k' in Spanish); 4_491_600 -> '4.49M'."""
    magnitude, locale = abs(value), locale_for(lang)
    if lang == "es" and magnitude >= 1_000_000:
        # Babel's es_MX compact millions are "1209.1 M" (no grouping), and a "B" would read as a billón
        # (10^12): millions as "M" with grouping, thousands of millions as "mil M" (mil millones)
        scaled, suffix = (value / 1e9, "\u00a0mil\u00a0M") if magnitude >= 1e9 else (value / 1e6, "\u00a0M")
        digits = "#,##0" if abs(scaled) >= 100 else "#,##0.#" if abs(scaled) >= 10 else "#,##0.##"
        return format_decimal(scaled, format=digits, locale=locale) + suffix
    if magnitude >= 10_000:
        scale = 10 ** (3 * int(math.log10(magnitude) // 3))
        scaled = magnitude / scale
        digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
        return format_compact_decimal(value, locale=locale, fraction_digits=digits)
    if float(value).is_integer():
        return format_decimal(int(value), locale=locale)
    return format_decimal(value, format="#,##0" if magnitude >= 100 else "#,##0.##", locale=locale)


def _percent(value: float, precise: bool, lang: str = "en") -> str:
    # near the 100% ceiling the digits carry the meaning (99.99% uptime is not "100%"), so keep them
    pattern = "#,##0.###" if abs(value) >= 99 and (precise or value < 100) else "#,##0.#"
    return format_decimal(value, format=pattern, locale=locale_for(lang)) + "%"


def _currency(value: float, code: str, lang: str) -> str:
    if value == 0:
        amount = "0"
    elif abs(value) < 1:
        digits = 3 if abs(value) < 0.1 else 2
        amount = f"{value:.{digits}f}"
    else:
        amount = format_compact(value, lang)
    # never a bare "$": in es-MX it means pesos, so US dollars are always "US$"
    return f"US${amount}" if code == "USD" else f"{code} {amount}"


def format_value(value: float | None, kpi: Kpi, lang: str = "en") -> str:
    """A KPI value in its unit, rounded for reading."""
    if _missing(value):
        return DASH
    assert value is not None
    if kpi.unit == "percent":
        return _percent(value, kpi.error_budget, lang)
    if kpi.unit == "ms":
        return f"{format_decimal(round(value), locale=locale_for(lang))} ms"
    if kpi.unit == "currency":
        return _currency(value, kpi.currency or "", lang)
    if kpi.unit == "weeks":
        return f"{_trim(f'{value:.1f}')} {_WEEKS.get(lang, 'wk')}"
    if kpi.unit == "ratio":
        return f"{_trim(f'{value:.2f}')}×"
    if kpi.unit == "score":  # NPS, 1-5 ratings: a plain number, no unit sign
        return format_decimal(round(value, 2), format="#,##0.##", locale=locale_for(lang))
    return format_compact(round(value, 2), lang)


ATTAINMENT_SHOWN = 100.0  # 10,000%: past it, a target of almost nothing, not a figure to read digit by digit


def format_attainment(attainment: float | None) -> str:
    """0.873 -> '87%'; beyond 10,000% '> 10,000%' (a target of 1e-300 never prints 302 digits)."""
    if _missing(attainment):
        return DASH
    assert attainment is not None
    if abs(attainment) > ATTAINMENT_SHOWN:
        return f"{'>' if attainment > 0 else '<'} {ATTAINMENT_SHOWN * 100:,.0f}%"
    return f"{attainment * 100 + 0.0:.0f}%"


def format_change(delta: float | None, kpi: Kpi, lang: str = "en") -> str:
    """A signed change in the KPI's unit: '+412', '−0.004 $', '+1.2 pp'."""
    if _missing(delta):
        return DASH
    assert delta is not None
    if kpi.unit == "percent":
        shown = _trim(f"{abs(delta):.3f}" if kpi.error_budget else f"{abs(delta):.1f}")
        return f"{_sign(delta, shown)}{shown} pp"
    shown = format_value(abs(delta), kpi, lang)
    return _sign(delta, shown) + shown


def _sign(delta: float, shown: str) -> str:
    """'+', '−', or '±' when the shown digits are all zero (never '−0')."""
    if not any(ch in "123456789" for ch in shown):
        return "±"
    return "+" if delta > 0 else "−"


def format_number(value: float | None, lang: str = "en", digits: int = 0) -> str:
    """A plain number with the locale's grouping and decimal mark: 1,234.5 / 1,234.5 (es-MX)."""
    if _missing(value):
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(_unsigned_zero(value, digits), format=pattern, locale=locale_for(lang))


def _unsigned_zero(value: float, digits: int) -> float:
    """A value that shows as zero at `digits` decimals is zero: never '−0' or '−0 %'."""
    return 0.0 if round(value, digits) == 0 else value


def format_percent(value: float | None, lang: str = "en", digits: int = 0) -> str:
    """'354%', '1,173%'; with `digits`, up to that many decimals as needed ('354.5%', '150%'), the
    same digits a percent KPI shows (format_value), so one figure reads the same on every surface."""
    if _missing(value):
        return DASH
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(_unsigned_zero(value, digits), format=pattern, locale=locale_for(lang)) + "%"


def format_multiple(value: float | None, lang: str = "en") -> str:
    """A benefit/cost multiple: '4.55×'."""
    return DASH if _missing(value) else format_number(value, lang, 2) + "×"


def format_money(amount: float | None, currency: str, lang: str = "en") -> str:
    """An amount with its currency: 'MXN 250M', '$1.2M' (USD)."""
    if _missing(amount):
        return DASH
    assert amount is not None
    sign = "−" if amount < 0 and _currency(abs(amount), currency, lang) != _currency(0.0, currency, lang) else ""
    return sign + _currency(abs(amount), currency, lang)


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed, cut at `limit` characters with an ellipsis (a note on a card or a slide)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
