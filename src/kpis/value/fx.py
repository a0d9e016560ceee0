"""Currency conversion through the user-maintained, dated FX table (there is no internet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpis.errors import KpiError

__all__ = ["CURRENCIES", "FxError", "FxTable"]

CURRENCIES = ("MXN", "USD", "BRL", "COP")


class FxError(KpiError):
    """No rate is recorded for a conversion the user asked for."""


@dataclass(frozen=True)
class FxTable:
    """Rates as (base, quote, day, rate): 1 base = rate quote, valid from `day` on."""

    rates: tuple[tuple[str, str, date, float], ...] = ()

    def _direct(self, base: str, quote: str, on: date | None) -> float | None:
        candidates = [(day, rate) for b, q, day, rate in self.rates
                      if b == base and q == quote and (on is None or day <= on)]
        return max(candidates)[1] if candidates else None

    def rate(self, base: str, quote: str, on: date | None = None) -> float:
        """The newest rate on or before `on` (any date if None): direct, inverse, or via USD."""
        if base == quote:
            return 1.0
        direct = self._direct(base, quote, on)
        if direct is not None:
            return direct
        inverse = self._direct(quote, base, on)
        if inverse is not None:
            return 1 / inverse
        if "USD" not in (base, quote):
            try:
                return self.rate(base, "USD", on) * self.rate("USD", quote, on)
            except FxError:
                pass
        when = f" on or before {on.isoformat()}" if on else ""
        raise FxError(f"No exchange rate from {base} to {quote}{when}. Add one on the Targets & data page "
                      f"(Currencies), then try again.", key="error.fx_missing", base=base, quote=quote,
                      day=on.isoformat() if on else "—")

    def convert(self, amount: float, base: str, quote: str, on: date | None = None) -> float:
        return amount * self.rate(base, quote, on)
