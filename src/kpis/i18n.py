"""User-visible words in English and Spanish (Mexico). Every key must have both languages."""

from __future__ import annotations

__all__ = ["LANGUAGES", "MESSAGES", "t"]

LANGUAGES = {"en": "English", "es": "Español"}

MESSAGES: dict[str, dict[str, str]] = {
    # status flags
    "status.ahead": {"en": "Ahead", "es": "Adelantado"},
    "status.on_track": {"en": "On track", "es": "En curso"},
    "status.at_risk": {"en": "At risk", "es": "En riesgo"},
    "status.off_track": {"en": "Off track", "es": "Fuera de curso"},
    "status.no_data": {"en": "No data", "es": "Sin datos"},
    "status.no_target": {"en": "No target", "es": "Sin meta"},
    # families
    "family.adoption": {"en": "Adoption", "es": "Adopción"},
    "family.technical": {"en": "Platform", "es": "Plataforma"},
    "family.business": {"en": "Business value", "es": "Valor de negocio"},
    "family.innovation": {"en": "Innovation", "es": "Innovación"},
    # rules behind a flag
    "rule.higher_is_better": {"en": "Higher is better: attainment = actual / target",
                              "es": "Más es mejor: cumplimiento = real / meta"},
    "rule.lower_is_better": {"en": "Lower is better: attainment = target / actual",
                             "es": "Menos es mejor: cumplimiento = meta / real"},
    "rule.error_budget": {"en": "Error budget: attainment = (100 − target) / (100 − actual)",
                          "es": "Presupuesto de error: cumplimiento = (100 − meta) / (100 − real)"},
    "rule.error_budget_full": {"en": "Error budget: an actual of 100% meets any target",
                               "es": "Presupuesto de error: un real de 100% cumple cualquier meta"},
    "rule.zero_target": {"en": "Target is 0: on track if the actual meets it, else off track",
                         "es": "Meta en 0: en curso si el real la cumple; si no, fuera de curso"},
    "rule.zero_actual": {"en": "Lower is better and the actual is 0: ahead",
                         "es": "Menos es mejor y el real es 0: adelantado"},
    "rule.no_actual": {"en": "No actual recorded for this quarter", "es": "No hay dato real para este trimestre"},
    "rule.no_target": {"en": "No target set for this quarter", "es": "No hay meta para este trimestre"},
    # direction and aggregation words
    "direction.higher_is_better": {"en": "higher is better", "es": "más es mejor"},
    "direction.lower_is_better": {"en": "lower is better", "es": "menos es mejor"},
    "agg.sum": {"en": "sum", "es": "suma"},
    "agg.last": {"en": "latest value", "es": "último valor"},
    "agg.mean": {"en": "average", "es": "promedio"},
    "agg.max": {"en": "maximum", "es": "máximo"},
    "agg.min": {"en": "minimum", "es": "mínimo"},
    "agg.p95": {"en": "95th percentile", "es": "percentil 95"},
    # dashboard
    "app.title": {"en": "AI Scaling KPI Dashboard", "es": "Tablero de KPIs de escalamiento de IA"},
    "nav.dashboard": {"en": "Quarterly dashboard", "es": "Tablero trimestral"},
    "filter.language": {"en": "Language", "es": "Idioma"},
    "filter.year": {"en": "Fiscal year", "es": "Año fiscal"},
    "filter.quarter": {"en": "Quarter", "es": "Trimestre"},
    "filter.region": {"en": "Region", "es": "Región"},
    "filter.department": {"en": "Department", "es": "Departamento"},
    "filter.all_regions": {"en": "All regions", "es": "Todas las regiones"},
    "filter.all_departments": {"en": "All departments", "es": "Todos los departamentos"},
    "filter.headline_only": {"en": "Headline dimensions only", "es": "Solo dimensiones principales"},
    "sidebar.user": {"en": "Signed in as {user} ({role})", "es": "Sesión de {user} ({role})"},
    "sidebar.local_admin": {"en": "Local single-user mode: you are admin",
                            "es": "Modo local de un usuario: usted es administrador"},
    "dash.heading": {"en": "Quarterly scaling dashboard", "es": "Tablero trimestral de escalamiento"},
    "dash.subheading": {"en": "{quarter} · {region} · {department}", "es": "{quarter} · {region} · {department}"},
    "dash.data_as_of": {"en": "Data to {period} · loaded {loaded}", "es": "Datos al {period} · cargados {loaded}"},
    "dash.summary": {"en": "Status of {n} KPIs", "es": "Estado de {n} KPIs"},
    "dash.no_data_anywhere": {"en": "There is no data yet. Import observations and targets on the Targets & data page or with the CLI.",
                              "es": "Aún no hay datos. Importe observaciones y metas en la página de metas y datos o con la CLI."},
    "dash.cards": {"en": "KPIs by family", "es": "KPIs por familia"},
    "dash.table": {"en": "Scaling dashboard: targets and actuals by quarter",
                   "es": "Tablero de escalamiento: metas y reales por trimestre"},
    "dash.trend": {"en": "Trend", "es": "Tendencia"},
    "dash.trend_kpi": {"en": "KPI to chart", "es": "KPI a graficar"},
    "dash.changes": {"en": "What changed since last quarter", "es": "Qué cambió desde el trimestre anterior"},
    "dash.explain": {"en": "Why is a flag what it is?", "es": "¿Por qué un indicador tiene ese estado?"},
    "dash.explain_kpi": {"en": "KPI to explain", "es": "KPI a explicar"},
    "dash.status_moves": {"en": "Status moves", "es": "Cambios de estado"},
    "dash.biggest_misses": {"en": "Furthest below target", "es": "Más lejos de la meta"},
    "dash.biggest_gains": {"en": "Biggest gains", "es": "Mayores avances"},
    "dash.no_moves": {"en": "No KPI changed status.", "es": "Ningún KPI cambió de estado."},
    "dash.no_misses": {"en": "No KPI is at risk or off track.", "es": "Ningún KPI está en riesgo o fuera de curso."},
    "dash.no_gains": {"en": "No KPI improved its attainment.", "es": "Ningún KPI mejoró su cumplimiento."},
    "dash.vs_previous": {"en": "vs {quarter}", "es": "vs {quarter}"},
    "dash.first_quarter": {"en": "no earlier quarter", "es": "sin trimestre anterior"},
    "card.actual": {"en": "Actual", "es": "Real"},
    "card.target": {"en": "Target", "es": "Meta"},
    "card.attainment": {"en": "Attainment", "es": "Cumplimiento"},
    "card.change": {"en": "Change", "es": "Cambio"},
    "card.inherited": {"en": "organisation target", "es": "meta de la organización"},
    "table.kpi": {"en": "KPI", "es": "KPI"},
    "table.family": {"en": "Family", "es": "Familia"},
    "table.status": {"en": "Status", "es": "Estado"},
    "table.actual_target": {"en": "actual / target", "es": "real / meta"},
    "chart.actual": {"en": "Actual", "es": "Real"},
    "chart.target": {"en": "Target", "es": "Meta"},
    "chart.quarter": {"en": "Quarter", "es": "Trimestre"},
    "explain.rule": {"en": "Rule", "es": "Regla"},
    "explain.numbers": {"en": "Numbers", "es": "Cifras"},
    "explain.bands": {"en": "Bands", "es": "Bandas"},
    "explain.bands_text": {"en": "Ahead ≥ {ahead:.2f} · On track ≥ {on_track:.2f} · At risk ≥ {at_risk:.2f} · else Off track",
                           "es": "Adelantado ≥ {ahead:.2f} · En curso ≥ {on_track:.2f} · En riesgo ≥ {at_risk:.2f} · si no, Fuera de curso"},
    "explain.aggregation": {"en": "Quarter value: {over_time} of the quarter's observations; regions and departments roll up by {across}; an organisation-level figure for a period wins.",
                            "es": "Valor del trimestre: {over_time} de las observaciones del trimestre; regiones y departamentos se agregan por {across}; una cifra de toda la organización para un periodo prevalece."},
    "explain.target_source": {"en": "Target set by {who} on {when}", "es": "Meta fijada por {who} el {when}"},
    "explain.target_inherited": {"en": "This scope has no own target; it uses the organisation's.",
                                 "es": "Este alcance no tiene meta propia; usa la de la organización."},
    "explain.observations": {"en": "Observations in the quarter: {n} (latest {last})",
                             "es": "Observaciones en el trimestre: {n} (última {last})"},
    "error.title": {"en": "Something needs attention", "es": "Algo requiere atención"},
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for `key` in `lang` (falls back to English), with `{name}` fields filled in."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
