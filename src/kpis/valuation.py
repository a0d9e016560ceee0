"""The value view as one call: ledger + scenario + models -> ValueSummary, records and headline text."""

from __future__ import annotations

from typing import Any

from kpis.catalog import Catalog, Kpi
from kpis.errors import KpiError
from kpis.formatting import DASH, format_money
from kpis.i18n import t
from kpis.ledger import load_ledgers, load_scenarios, models_in_production
from kpis.status import Evaluation, evaluate
from kpis.store import Session
from kpis.value import STREAMS, Scenario, TargetChance, ValueSummary, summarise

__all__ = ["chance_text", "resolve_scenario", "value_flags", "value_headline", "value_record", "value_summary"]


def resolve_scenario(session: Session, name: str) -> Scenario:
    scenarios = load_scenarios(session)
    if name not in scenarios:
        raise KpiError(f"Unknown scenario '{name}' (saved: {', '.join(scenarios)}).")
    return scenarios[name][0]


def value_summary(session: Session, catalog: Catalog, *, program: str | None = None, horizon: int | None = None,
                  scenario: str | Scenario = "base", currency: str | None = None,
                  discount_rate: float = 0.10) -> ValueSummary:
    """Cumulative value for one program or all, in the reporting currency, under a scenario."""
    ledgers, currency = load_ledgers(session, program=program, currency=currency)
    if not ledgers:
        where = f" for program '{program}'" if program else ""
        raise KpiError(f"No value streams or investments recorded{where}. Import a value file first "
                       "(`python -m kpis import value FILE`).")
    chosen = scenario if isinstance(scenario, Scenario) else resolve_scenario(session, scenario)
    return summarise(ledgers, currency=currency, horizon=horizon, scenario=chosen, discount_rate=discount_rate,
                     models_in_production=models_in_production(session, catalog))


def value_record(summary: ValueSummary) -> dict[str, Any]:
    """The `value --format json` object (SPEC section 8 fields first)."""
    return {
        "cumulative_value": summary.cumulative_value,
        "cumulative_investment": summary.cumulative_investment,
        "net_roi_pct": summary.net_roi_pct,
        "benefit_cost_multiple": summary.benefit_cost_multiple,
        "payback_months": summary.payback_months,
        "value_per_model": summary.value_per_model,
        "years": [
            {"year": row.year, **row.streams, "value": row.value, "investment": row.investment,
             "cumulative_value": row.cumulative_value, "cumulative_investment": row.cumulative_investment,
             "net_roi_pct": None if not row.cumulative_investment else
             (row.cumulative_value - row.cumulative_investment) / row.cumulative_investment * 100,
             "projected": row.projected}
            for row in summary.years
        ],
        "currency": summary.currency,
        "programs": list(summary.programs),
        "scenario": summary.scenario.name,
        "npv": summary.npv,
        "discount_rate": summary.discount_rate,
        "models_in_production": summary.models_in_production,
        "streams": list(STREAMS),
    }


def value_headline(summary: ValueSummary, lang: str = "en") -> list[tuple[str, str]]:
    """Labelled headline figures; net ROI and the multiple are never shown unlabelled."""
    roi = DASH if summary.net_roi_pct is None else f"{summary.net_roi_pct:,.0f}%"
    multiple = DASH if summary.benefit_cost_multiple is None else f"{summary.benefit_cost_multiple:.2f}×"
    payback = t("value.never", lang) if summary.payback_months is None else \
        t("value.months", lang, months=f"{summary.payback_months:.1f}")
    per_model = DASH if summary.value_per_model is None else format_money(summary.value_per_model, summary.currency,
                                                                          lang)
    return [
        (t("value.cumulative_value", lang), format_money(summary.cumulative_value, summary.currency, lang)),
        (t("value.cumulative_investment", lang), format_money(summary.cumulative_investment, summary.currency, lang)),
        (t("value.net_roi", lang), roi),
        (t("value.multiple", lang), multiple),
        (t("value.payback", lang), payback),
        (t("value.per_model", lang), per_model),
        (t("value.npv", lang, rate=f"{summary.discount_rate:.0%}"), format_money(summary.npv, summary.currency, lang)),
    ]


# Board targets for the value cards (SPEC section 7): the 3-year vision of net ROI by program year
# (200% / 500% / 1000%, held at 1000% after year 3) and payback within 18 months.
ROI_VISION = {1: 200.0, 2: 500.0, 3: 1000.0}
PAYBACK_TARGET_MONTHS = 18.0
_FLAG_KPIS = {
    "net_roi_pct": Kpi(id="net_roi_pct", family="business", name_en="Net ROI", name_es="ROI neto", unit="percent",
                       direction="higher_is_better", over_time="last", across_scope="mean"),
    "benefit_cost_multiple": Kpi(id="benefit_cost_multiple", family="business", name_en="Benefit/cost multiple",
                                 name_es="Múltiplo beneficio/costo", unit="ratio", direction="higher_is_better",
                                 over_time="last", across_scope="mean"),
    "payback_months": Kpi(id="payback_months", family="business", name_en="Payback", name_es="Recuperación",
                          unit="count", direction="lower_is_better", over_time="last", across_scope="mean"),
}


def value_flags(summary: ValueSummary) -> dict[str, tuple[float | None, Evaluation]]:
    """Target and evaluation of net ROI, the multiple and payback against the board's targets."""
    horizon = len(summary.years)
    roi_target = ROI_VISION.get(horizon, 1000.0) if horizon else None
    targets = {
        "net_roi_pct": (summary.net_roi_pct, roi_target),
        "benefit_cost_multiple": (summary.benefit_cost_multiple, None if roi_target is None else roi_target / 100 + 1),
        "payback_months": (summary.payback_months, PAYBACK_TARGET_MONTHS),
    }
    return {key: (target, evaluate(actual, target, _FLAG_KPIS[key])) for key, (actual, target) in targets.items()}


def chance_text(chance: TargetChance, lang: str = "en") -> str:
    """'Net ROI ≥ 500% by month 18' in words."""
    if chance.metric == "payback":
        return t("prob.payback", lang, month=f"{chance.by_month:g}")
    return t("prob.net_roi", lang, threshold=f"{chance.threshold:,.0f}", month=f"{chance.by_month:g}")
