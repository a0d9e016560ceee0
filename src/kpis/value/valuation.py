"""The value view as one call: ledger + scenario + models -> ValueSummary, records and headline text."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kpis.catalog import Catalog, Kpi
from kpis.errors import KpiError, Reason
from kpis.formatting import DASH, format_day, format_money, format_multiple, format_number, format_percent
from kpis.i18n import t
from kpis.packs import load_checklists, load_growth_pack
from kpis.periods import quarter_of
from kpis.status import Evaluation, evaluate
from kpis.store import Session
from kpis.targets import Scope, targets_in_force
from kpis.value.ledger import load_ledgers, load_scenarios, models_in_production, realised_on
from kpis.value.projection import STREAMS, Realised, Scenario, TargetChance, ValueSummary, summarise

__all__ = [
    "MAX_HORIZON",
    "basis_text",
    "chance_text",
    "horizon_label",
    "payback_arithmetic",
    "projected_lines",
    "realised_flag",
    "realised_lines",
    "resolve_scenario",
    "roi_thresholds",
    "value_flags",
    "value_headline",
    "value_record",
    "value_summary",
]

MAX_HORIZON = 50


_READ = object()  # value_summary reads the models in production itself

def resolve_scenario(session: Session, name: str) -> Scenario:
    scenarios = load_scenarios(session)
    if name not in scenarios:
        raise KpiError.keyed("error.unknown_scenario", name=name, saved=", ".join(scenarios))
    return scenarios[name][0]


def value_summary(session: Session, catalog: Catalog, *, program: str | None = None, horizon: int | None = None,
                  scenario: str | Scenario = "base", currency: str | None = None,
                  discount_rate: float = 0.10, models: float | object | None = _READ) -> ValueSummary:
    """Cumulative value for one program or all, in the reporting currency, under a scenario.
    `models`: the models in production if already known (it does not depend on the scenario)."""
    ledgers, currency = load_ledgers(session, program=program, currency=currency)
    if not ledgers:
        where = Reason("for_program", program=program) if program else ""
        raise KpiError.keyed("error.no_ledger", where=where)
    chosen = scenario if isinstance(scenario, Scenario) else resolve_scenario(session, scenario)
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise KpiError.keyed("error.horizon", limit=MAX_HORIZON)
    summary = summarise(ledgers, currency=currency, horizon=horizon, scenario=chosen, discount_rate=discount_rate,
                        models_in_production=models_in_production(session, catalog) if models is _READ else models)
    return replace(summary, realised=realised_on(session, program=program, currency=currency))


def realised_flag(session: Session, catalog: Catalog, realised: Realised) -> tuple[float | None, Evaluation]:
    """Realised net ROI against the organisation's roi_pct target for the quarter it is measured in:
    the same actual, target and status as the dashboard's roi_pct card for that quarter."""
    year, quarter = quarter_of(realised.on)
    targets = targets_in_force(session, catalog, (year, quarter), (year, quarter), Scope())
    target = targets.get(("roi_pct", year, quarter))
    value = None if target is None else target.value
    return value, evaluate(realised.net_roi_pct, value, catalog.get("roi_pct"))


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
             "projected": row.projected, "investment_basis": row.investment_basis}
            for row in summary.years
        ],
        "currency": summary.currency,
        "programs": list(summary.programs),
        "scenario": summary.scenario.name,
        "npv": summary.npv,
        "discount_rate": summary.discount_rate,
        "models_in_production": summary.models_in_production,
        "streams": list(STREAMS),
        "horizon": len(summary.years),
        "last_recorded_year": summary.last_recorded_year,
        "years_without_investment": list(summary.uninvested_years),
        "run_cost": summary.scenario.run_cost,
        "realised": None if summary.realised is None else {
            "as_of": summary.realised.on.isoformat(),
            "cumulative_value": summary.realised.cumulative_value,
            "cumulative_investment": summary.realised.cumulative_investment,
            "net_roi_pct": summary.realised.net_roi_pct,
            "benefit_cost_multiple": summary.realised.benefit_cost_multiple,
            "programs_without_start_date": list(summary.realised.unstarted),
        },
    }


def value_headline(summary: ValueSummary, lang: str = "en") -> list[tuple[str, str]]:
    """Labelled headline figures: realised to date first, then the figures to the horizon, each
    labelled "projected to year N" when the horizon runs past the recorded years. Net ROI and the
    multiple are never shown unlabelled."""
    return realised_lines(summary, lang) + projected_lines(summary, lang)


def realised_lines(summary: ValueSummary, lang: str = "en") -> list[tuple[str, str]]:
    """Value, investment, net ROI and multiple realised to date, each label naming the date."""
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    lines = []
    real = summary.realised
    if real is not None:
        when = format_day(real.on, lang)
        lines += [
            (t("value.realised_value", lang, date=when), money(real.cumulative_value)),
            (t("value.realised_investment", lang, date=when), money(real.cumulative_investment)),
            (t("value.realised_roi", lang, date=when), format_percent(real.net_roi_pct, lang, 1)),
            (t("value.realised_multiple", lang, date=when), format_multiple(real.benefit_cost_multiple, lang)),
        ]
    return lines


def projected_lines(summary: ValueSummary, lang: str = "en") -> list[tuple[str, str]]:
    """The figures to the horizon, each label saying "projected to year N" (or "recorded") and the
    years counted with no investment."""
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    span = horizon_label(summary, lang)
    payback = t("value.never", lang) if summary.payback_months is None else \
        t("value.months", lang, months=format_number(summary.payback_months, lang, 1))
    per_model = DASH if summary.value_per_model is None else money(summary.value_per_model)
    lines = [
        (f"{t('value.cumulative_value', lang)} ({span})", money(summary.cumulative_value)),
        (f"{t('value.cumulative_investment', lang)} ({span})", money(summary.cumulative_investment)),
        (f"{t('value.net_roi', lang)} ({span})", format_percent(summary.net_roi_pct, lang)),
        (f"{t('value.multiple', lang)} ({span})", format_multiple(summary.benefit_cost_multiple, lang)),
        (f"{t('value.payback', lang)} ({span})", payback),
        (f"{t('value.per_model', lang)} ({span})", per_model),
        (t("value.npv", lang, rate=f"{summary.discount_rate:.0%}") + f" ({span})", money(summary.npv)),
    ]
    if summary.uninvested_years:
        lines.append((t("value.uninvested", lang), ", ".join(str(y) for y in summary.uninvested_years)))
    basis = basis_text(summary, lang)
    if basis:
        lines.append((t("value.basis_label", lang), basis))
    return lines


def payback_arithmetic(summary: ValueSummary, lang: str = "en") -> list[str]:
    """'How is this computed?': the timing rule and the payback worked out with the summary's own numbers, so
    a reader can check it by hand."""
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    lines = [t("value.how.rule", lang)]
    value = invested = 0.0
    for row in summary.years:
        invested += row.investment
        gap = invested - value
        if invested > 0 and gap <= 0:
            lines.append(t("value.how.at_start", lang, year=row.year, months=format_number(12.0 * (row.year - 1),
                                                                                           lang, 1)))
            break
        if invested > 0 and row.value > 0 and row.value >= gap:
            months = 12.0 * (row.year - 1) + 12.0 * gap / row.value
            lines.append(t("value.how.year", lang, year=row.year, value=money(value), invested=money(invested),
                           gap=money(gap), year_value=money(row.value),
                           within=format_number(12.0 * gap / row.value, lang, 1),
                           months=format_number(round(months, 1), lang, 1)))
            break
        value += row.value
    else:
        lines.append(t("value.how.never", lang, years=len(summary.years)))
    lines.append(t("value.how.roi", lang, span=horizon_label(summary, lang), value=money(summary.cumulative_value),
                   invested=money(summary.cumulative_investment), roi=format_percent(summary.net_roi_pct, lang)))
    return lines


def basis_text(summary: ValueSummary, lang: str = "en") -> str:
    """Where each projected year's investment comes from: 'year 4: MXN 20M, recorded plan; year 5: MXN 21.7M,
    average of the recorded years' ('' without projected years)."""
    money = lambda amount: format_money(amount, summary.currency, lang)  # noqa: E731
    return "; ".join(t("value.basis_year", lang, year=row.year, amount=money(row.investment),
                       basis=t(f"value.basis.{row.investment_basis}", lang))
                     for row in summary.years if row.projected)


def horizon_label(summary: ValueSummary, lang: str = "en") -> str:
    """'projected to year 5' when the horizon runs past the recorded years, else 'recorded, years 1-3'."""
    horizon = len(summary.years)
    if horizon > summary.last_recorded_year:
        return t("value.projected_to", lang, year=horizon)
    return t("value.recorded_to", lang, year=horizon)


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


def roi_thresholds(roi_targets: list[tuple[str, float]], lang: str = "en") -> list[tuple[str, str, str]]:
    """Every ROI threshold the product shows, with what it is and where it comes from, in one table: the
    board's plan (the roi_pct KPI's quarterly targets, `roi_targets`: (quarter label, target)) first; then
    the readiness checklist, the growth phases, the seeds' vision and the Monte Carlo thresholds, which are
    criteria and scenarios, not the board's plan."""
    pct = lambda value: format_percent(value, lang)  # noqa: E731
    rows = [(t("roi.plan", lang, quarter=quarter), pct(value), t("roi.source.plan", lang))
            for quarter, value in roi_targets]
    rows += [(item.label(lang), f"> {pct(item.criterion.value)}", t("roi.source.checklist", lang,
                                                                      checklist=checklist.name(lang)))
             for checklist in load_checklists() for item in checklist.items
             if item.criterion is not None and item.criterion.kpi == "roi_pct"]
    rows += [(t("roi.phase", lang, number=phase.number, name=phase.name(lang)), f"{c.op} {pct(c.value)}",
              t("roi.source.growth", lang)) for phase in load_growth_pack().phases for c in phase.criteria
             if c.kpi == "roi_pct"]
    rows += [(t("roi.vision", lang, year=year), pct(value), t("roi.source.vision", lang))
             for year, value in ROI_VISION.items()]
    rows.append((t("roi.seed_18", lang), pct(500.0), t("roi.source.montecarlo", lang)))
    return rows


def chance_text(chance: TargetChance, lang: str = "en") -> str:
    """'Net ROI ≥ 500% by month 18' in words."""
    source = f" ({t(f'prob.source.{chance.source}', lang)})" if chance.source else ""
    if chance.metric == "payback":
        return t("prob.payback", lang, month=f"{chance.by_month:g}") + source
    return t("prob.net_roi", lang, threshold=f"{chance.threshold:,.0f}", month=f"{chance.by_month:g}") + source
