"""The answer to "are we on track to scale AI?" in one sentence: the readiness gate, what is missing
with its number, how many KPIs are on track or ahead, and the single biggest risk. The dashboard's
first line, the deck's executive summary and `python -m kpis readiness` all print this text."""

from __future__ import annotations

from dataclasses import dataclass

from kpis.catalog import Catalog
from kpis.formatting import format_attainment, format_value
from kpis.i18n import t, tn
from kpis.maturity.readiness import Gate, ItemResult
from kpis.scorecard import Cell

__all__ = ["Verdict", "criterion_text", "gate_disagreement", "verdict", "verdict_text"]

_RISK_ORDER = {"off_track": 0, "at_risk": 1}


@dataclass(frozen=True)
class Verdict:
    ready: bool
    missing: tuple[ItemResult, ...]
    on_track: int  # on track or ahead (quarter in progress: against the pro-rated target)
    judged: int  # KPIs with a status (an actual and a target)
    risk: Cell | None  # the KPI furthest below its target among those off track or at risk
    unjudged: int = 0  # KPIs without an actual or a target (the summary's "no data" and "no target" chips)


def verdict(cells: list[Cell], gate: Gate) -> Verdict:
    """The facts behind the sentence, from the scorecard cells and the gate of the same scope and quarter."""
    views = [(cell, cell.evaluation) for cell in cells]
    judged = [(cell, view) for cell, view in views if view.status != "no_data"]
    risky = [(cell, view) for cell, view in judged if view.status in _RISK_ORDER]
    risk = min(risky, key=lambda pair: (_RISK_ORDER[pair[1].status], pair[1].attainment
                                        if pair[1].attainment is not None else 0.0), default=(None, None))[0]
    return Verdict(gate.ready, gate.missing, sum(1 for _, v in judged if v.status in ("on_track", "ahead")),
                   len(judged), risk, len(cells) - len(judged))


def _missing_text(item: ItemResult, catalog: Catalog, lang: str) -> str:
    label = item.item.label(lang)
    if len(label) > 1 and label[1].islower():  # mid-sentence: "missing adoption above 85%", but "ROI ..."
        label = label[0].lower() + label[1:]
    kpi_id = item.item.kpi
    if item.source != "data" or item.actual is None or kpi_id not in catalog:
        return label
    if item.item.criterion is not None and item.item.criterion.op == "months_live>":
        return f"{label} ({t('verdict.months', lang, n=f'{item.actual:.0f}')})"
    return f"{label} ({format_value(item.actual, catalog.get(kpi_id), lang)})"


def verdict_text(v: Verdict, catalog: Catalog, lang: str = "en") -> str:
    """'Not yet ready to scale: missing adoption above 85% (81.8%) and ... 12 of 18 KPIs on track or
    ahead. Biggest risk: New users onboarded at 40% of target (off track).'"""
    if v.ready:
        head = t("verdict.ready", lang)
    else:
        head = t("verdict.not_ready", lang, missing=t("verdict.and", lang).join(
            [", ".join(_missing_text(i, catalog, lang) for i in v.missing[:-1]),
             _missing_text(v.missing[-1], catalog, lang)] if len(v.missing) > 1
            else [_missing_text(v.missing[0], catalog, lang)]))
    count = t("verdict.count", lang, n=v.on_track, total=v.judged)
    if v.unjudged:  # the counts add up to the chips under the sentence: 12 of 18, and 3 more = 21 KPIs
        count = count.rstrip(".") + " " + tn("verdict.unjudged", v.unjudged, lang, n=v.unjudged) + "."
    parts = [head, count]
    if v.risk is not None:
        view = v.risk.evaluation
        parts.append(t("verdict.risk", lang, kpi=v.risk.kpi.name(lang), attainment=format_attainment(view.attainment),
                       status=t(f"status.{view.status}", lang).lower()))
    return " ".join(parts)


def gate_disagreement(cell: Cell, gate: Gate, catalog: Catalog, lang: str = "en") -> str | None:
    """When a gate prerequisite judges this cell's KPI differently from its card (adoption 81.8% 'on
    track' against its quarter target, but the >85% prerequisite to scale is not met), say so."""
    for item in gate.items:
        if item.source != "data" or item.item.kpi != cell.kpi.id or item.met is None:
            continue
        card_good = cell.status in ("on_track", "ahead")
        if card_good != bool(item.met):
            state = t("verdict.gate_met" if item.met else "verdict.gate_not_met", lang)
            return t("verdict.gate_differs", lang, item=item.item.label(lang), state=state)
    return None


_NEEDS = {">": "verdict.needs_above", ">=": "verdict.needs_at_least", "<": "verdict.needs_below",
          "<=": "verdict.needs_at_most", "months_live>": "verdict.needs_months"}


def criterion_text(item: ItemResult, catalog: Catalog, lang: str = "en") -> str:
    """A data-decided checklist item as a sentence with formatted numbers: 'From data: 81.8%, needs more
    than 85%' (never '83.42 > 85')."""
    criterion = item.item.criterion
    if criterion is None:
        return ""
    if criterion.op == "months_live>":
        actual = t("verdict.months", lang, n=f"{item.actual:.0f}") if item.actual is not None else "—"
        needed = t("verdict.months", lang, n=f"{criterion.value:g}")
    else:
        kpi = catalog.get(criterion.kpi) if criterion.kpi in catalog else None
        shown = (lambda v: format_value(v, kpi, lang)) if kpi else (lambda v: f"{v:g}")
        actual = "—" if item.actual is None else shown(item.actual)
        needed = shown(criterion.value)
    return t("verdict.from_data", lang, actual=actual, needs=t(_NEEDS.get(criterion.op, "verdict.needs_above"),
                                                               lang, value=needed))


def how_decided(item: ItemResult, catalog: Catalog, lang: str = "en") -> str:
    """How a checklist item or prerequisite is decided, in words: the data's figure and what it needs, or who
    ticked it ('ticked by Ana', 'ticked in the demo data', 'not ticked yet')."""
    from kpis.reference.names import actor_label

    if item.source == "data":
        return criterion_text(item, catalog, lang)
    if not item.met:
        return t("maturity.not_ticked", lang)
    if item.ticked_by == "system":
        return t("maturity.by_demo", lang)
    if item.ticked_by:
        return t("maturity.ticked_by", lang, who=actor_label(item.ticked_by, lang))
    return t("maturity.by_editor", lang)

