"""Numbers for people: 10K, 99.95%, 120 ms, $0.06, MXN 4.5M. Never raw floats."""

from __future__ import annotations

import math

from kpis.catalog import Kpi

__all__ = ["DASH", "format_attainment", "format_change", "format_compact", "format_money", "format_value"]

DASH = "—"
_SUFFIXES = {"en": ((1e9, "B"), (1e6, "M"), (1e3, "K")), "es": ((1e9, " mil M"), (1e6, " M"), (1e3, " mil"))}
_WEEKS = {"en": "wk", "es": "sem"}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_compact(value: float, lang: str = "en") -> str:
    """1234 -> '1,234'; 12_500 -> '12.5K' ('12.5 mil' in Spanish); 4_491_600 -> '4.49M'."""
    magnitude = abs(value)
    for size, suffix in _SUFFIXES.get(lang, _SUFFIXES["en"]):
        if magnitude >= max(size, 10_000):
            scaled = value / size
            digits = 0 if abs(scaled) >= 100 else 1 if abs(scaled) >= 10 else 2
            return _trim(f"{scaled:.{digits}f}") + suffix
    if float(value).is_integer():
        return f"{int(value):,}"
    return _trim(f"{value:,.0f}" if magnitude >= 100 else f"{value:,.2f}")


def _percent(value: float, precise: bool) -> str:
    if precise and abs(value) >= 99:
        return _trim(f"{value:.3f}") + "%"
    return _trim(f"{value:.1f}") + "%"


def _currency(value: float, code: str, lang: str) -> str:
    if abs(value) < 1:
        digits = 3 if abs(value) < 0.1 and value != 0 else 2
        amount = f"{value:.{digits}f}"
    else:
        amount = format_compact(value, lang)
    return f"${amount}" if code == "USD" else f"{code} {amount}"


def format_value(value: float | None, kpi: Kpi, lang: str = "en") -> str:
    """A KPI value in its unit, rounded for reading."""
    if _missing(value):
        return DASH
    assert value is not None
    if kpi.unit == "percent":
        return _percent(value, kpi.error_budget)
    if kpi.unit == "ms":
        return f"{value:,.0f} ms"
    if kpi.unit == "currency":
        return _currency(value, kpi.currency or "", lang)
    if kpi.unit == "weeks":
        return f"{_trim(f'{value:.1f}')} {_WEEKS.get(lang, 'wk')}"
    if kpi.unit == "ratio":
        return f"{_trim(f'{value:.2f}')}×"
    return format_compact(round(value, 2), lang)


def format_attainment(attainment: float | None) -> str:
    """0.873 -> '87%'."""
    return DASH if _missing(attainment) else f"{attainment * 100:.0f}%"


def format_change(delta: float | None, kpi: Kpi, lang: str = "en") -> str:
    """A signed change in the KPI's unit: '+412', '−0.004 $', '+1.2 pp'."""
    if _missing(delta):
        return DASH
    assert delta is not None
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    if kpi.unit == "percent":
        return f"{sign}{_trim(f'{abs(delta):.3f}' if kpi.error_budget else f'{abs(delta):.1f}')} pp"
    return sign + format_value(abs(delta), kpi, lang)


def format_money(amount: float | None, currency: str, lang: str = "en") -> str:
    """An amount with its currency: 'MXN 250M', '$1.2M' (USD)."""
    if _missing(amount):
        return DASH
    assert amount is not None
    sign = "−" if amount < 0 else ""
    return sign + _currency(abs(amount), currency, lang)
