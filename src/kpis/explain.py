"""The explanation behind a flag, in words: rule, numbers, bands, aggregation, target source."""

from __future__ import annotations

from kpis.formatting import format_attainment, format_day, format_value
from kpis.i18n import has, t
from kpis.reference.names import actor_label, reason_label
from kpis.scorecard import Cell

__all__ = ["checkin_lines", "explain_cell", "forecast_lines"]

FORECAST_ICONS = {"will_reach": "✔", "will_miss": "✖", "no_data": "○"}


def forecast_lines(cell: Cell, lang: str = "en") -> list[str]:
    """The forecast in words: value against the Q4 target, the verdict, and how it was made."""
    forecast = cell.forecast
    if forecast is None:
        return []
    kpi = cell.kpi
    verdict = f"{FORECAST_ICONS[forecast.status]} {t(f'forecast.{forecast.status}', lang)}"
    basis = ", ".join(f"Q{q} {format_value(v, kpi, lang)}" for q, v in forecast.basis)
    return [t("forecast.line", lang, value=format_value(forecast.value, kpi, lang),
              target=format_value(forecast.target, kpi, lang), verdict=verdict),
            t(f"forecast.method.{forecast.method}", lang, basis=basis) + ". " + t("forecast.not_actual", lang)]


def confidence_word(confidence: str, lang: str = "en") -> str:
    """'high', 'medium', 'low' in `lang`; a value from elsewhere (an old backup) shown as it is."""
    key = f"confidence.{confidence}"
    return t(key, lang) if has(key) else str(confidence)


def checkin_lines(checkin, lang: str = "en") -> list[str]:
    """The latest check-in: its note, then owner, confidence, who and when."""
    if checkin is None:
        return []
    owner = t("checkin.owner", lang, owner=checkin.owner) if checkin.owner else ""
    return [checkin.note, t("checkin.meta", lang, owner=owner, confidence=confidence_word(checkin.confidence, lang),
                            by=actor_label(checkin.by, lang), when=format_day(checkin.at.date(), lang))]


def explain_cell(cell: Cell, lang: str = "en") -> list[tuple[str, str]]:
    """(label, text) lines that say why the cell's status is what it is."""
    kpi, evaluation = cell.kpi, cell.evaluation
    numbers = (
        f"{t('card.actual', lang)} {format_value(cell.actual, kpi, lang)} · "
        f"{t('card.target', lang)} {format_value(cell.target_value, kpi, lang)} · "
        f"{t('card.attainment', lang)} {format_attainment(cell.attainment)}"
    )
    if evaluation.attainment is not None:
        numbers += f"  ({evaluation.formula})"
    lines = [
        (t("explain.rule", lang), t(f"rule.{evaluation.rule}", lang)),
        (t("explain.numbers", lang), numbers),
        (t("explain.bands", lang), t("explain.bands_text", lang, **kpi.bands.model_dump())),
        ("", t("explain.aggregation", lang, over_time=t(f"agg.{kpi.over_time}", lang),
               across=t(f"agg.{kpi.across_scope}", lang))),
    ]
    if cell.capped_at is not None:
        lines.append(("", t("explain.capped", lang, n=cell.capped_at,
                            entity=t(f"reference.{cell.kpi.counts[:-1]}", lang))))
    if cell.periods:
        lines.append(("", t("explain.observations", lang, n=cell.periods, last=format_day(cell.last_period, lang))))
    if cell.target is not None:
        source = t("explain.target_source", lang, who=actor_label(cell.target.changed_by, lang),
                   when=format_day(cell.target.changed_at.date(), lang))
        if cell.target.reason:
            source += f": “{reason_label(cell.target.reason, lang)}”"
        lines.append(("", source))
        if cell.target.inherited:
            lines.append(("", t("explain.target_inherited", lang)))
    return lines
