"""The demo program: a fictional bank's AI scale-up over 2025-2026, generated deterministically."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import pandas as pd

from kpis.periods import last_complete_month_end

__all__ = [
    "DEMO_DEPARTMENTS",
    "DEMO_ELIGIBLE_DEPARTMENTS",
    "DEMO_PROGRAM",
    "DEMO_PROGRAM_START",
    "DEMO_REGIONS",
    "DEMO_SEED",
    "demo_cutoff",
    "demo_fx_rates",
    "demo_growth_observations",
    "demo_investments",
    "demo_maturity",
    "demo_observations",
    "demo_regions",
    "demo_targets",
    "demo_ticks",
    "demo_use_cases",
    "demo_value_streams",
]

DEMO_SEED = 20250101
YEARS = (2025, 2026)
MONTHS = tuple(date(y, m, calendar.monthrange(y, m)[1]) for y in YEARS for m in range(1, 13))

# Region -> (first live month index, share of volume once ramped up). Brazil was planned for
# 2026-Q2 (month 15) and slipped a quarter: the lagging region of the story.
DEMO_REGIONS = {"Mexico": (0, 0.45), "USA": (6, 0.30), "Colombia": (12, 0.15), "Brazil": (18, 0.10)}
DEMO_DEPARTMENTS = (
    "Retail Banking", "Credit Risk", "Fraud Prevention", "Customer Service", "Collections",
    "Marketing", "Treasury", "Operations", "Compliance", "Wealth Management", "Human Resources",
    "Finance",
)
# The three eligible departments that have not started with AI yet (master data, no observations).
DEMO_ELIGIBLE_DEPARTMENTS = (*DEMO_DEPARTMENTS, "Legal", "Procurement", "Information Technology")
ELIGIBLE_DEPARTMENTS = len(DEMO_ELIGIBLE_DEPARTMENTS)
INCIDENT_MONTH = 9  # October 2025: a Mexico platform incident (errors and slow responses)

# Quarter-end anchors (8 quarters, 2025-Q1 .. 2026-Q4) for organisation-level series.
ORG_ANCHORS = {
    "departments_using": [4, 6, 9, 12, 12, 12, 12, 12],
    "regions_covered": [1, 1, 2, 2, 3, 3, 4, 4],
    "concurrent_models": [160, 290, 420, 560, 710, 880, 990, 1000],
    "models_in_production": [6, 11, 21, 36, 41, 47, 52, 58],
    "reusability_index_pct": [38, 48, 57, 62, 66, 69, 72, 74],
    "time_to_new_solution_weeks": [13, 11.5, 9.2, 8.2, 6.1, 5.5, 4.2, 3.6],
}
# Quarterly counts spread over the quarter's months (sum KPIs, organisation level).
ORG_QUARTER_COUNTS = {
    "patents_filed": [0, 1, 1, 2, 1, 2, 3, 2],
    "papers_published": [1, 1, 2, 2, 3, 2, 4, 3],
    "oss_contributions": [3, 5, 6, 8, 10, 12, 15, 18],
}
# Organisation-level monthly plans that regions share (flows and rates).
NEW_USERS = [170, 175, 185, 330, 350, 360, 600, 680, 720, 950, 1020, 1080,
             1000, 1050, 1100, 1050, 1100, 1150, 1250, 1300, 1350, 1400, 1450, 1500]
TRANSACTIONS = [8_000, 11_000, 14_000, 40_000, 52_000, 64_000, 85_000, 98_000, 112_000,
                380_000, 430_000, 480_000, 530_000, 560_000, 590_000, 610_000, 640_000, 670_000,
                660_000, 690_000, 720_000, 750_000, 780_000, 810_000]
REVENUE_MXN = [230_000, 250_000, 270_000, 300_000, 330_000, 370_000, 450_000, 500_000, 550_000,
               560_000, 590_000, 620_000, 950_000, 1_000_000, 1_050_000, 1_150_000, 1_200_000,
               1_250_000, 1_300_000, 1_350_000, 1_400_000, 1_450_000, 1_500_000, 1_550_000]

TARGETS = {
    # kpi_id: 2025-Q1..Q4, 2026-Q1..Q4 (organisation level)
    "new_users": [500, 1000, 2000, 3000, 3000, 3000, 3500, 3500],
    "departments_using": [3, 5, 8, 12, 12, 13, 13, 14],
    "departments_using_pct": [25, 40, 60, 80, 85, 85, 90, 90],
    "regions_covered": [1, 1, 2, 2, 3, 4, 4, 4],
    "adoption_rate_pct": [60, 70, 80, 85, 85, 85, 85, 85],
    "availability_pct": [99.9, 99.9, 99.95, 99.95, 99.99, 99.99, 99.99, 99.99],
    "api_latency_p95_ms": [100] * 8,
    "transactions_per_day": [10_000, 50_000, 100_000, 500_000, 550_000, 600_000, 700_000, 800_000],
    "concurrent_models": [150, 300, 450, 600, 750, 900, 1000, 1000],
    "models_in_production": [5, 10, 20, 35, 40, 45, 50, 55],
    "reusability_index_pct": [40, 50, 55, 60, 65, 70, 70, 70],
    # realised net ROI comes from the value ledger (even accrual): flat in program year 1, then rising
    "roi_pct": [150, 150, 150, 150, 240, 300, 340, 380],
    "cost_per_prediction_usd": [0.09, 0.08, 0.07, 0.06, 0.05, 0.05, 0.05, 0.05],
    "time_to_new_solution_weeks": [14, 12, 10, 8, 6, 5, 4, 4],
    "revenue_attributed": [750_000, 1_000_000, 1_500_000, 1_750_000,
                           3_000_000, 3_500_000, 4_000_000, 4_500_000],
    "new_use_cases": [2] * 8,
    "pipeline_in_evaluation": [10] * 8,
    "use_case_success_rate_pct": [60] * 8,
}
# Per-region latency targets (the seed's "< 100 ms, per region") are inherited from the
# organisation target; no separate rows are needed.


def _ramp(months_live: int) -> float:
    """A new region reaches its full share over its first four months."""
    return min(1.0, (months_live + 1) / 4)


def _live_shares(month: int) -> dict[str, float]:
    weights = {
        region: share * _ramp(month - start)
        for region, (start, share) in DEMO_REGIONS.items() if month >= start
    }
    total = sum(weights.values())
    return {region: w / total for region, w in weights.items()}


def _monthly_from_anchors(anchors: list[float], start: float) -> list[float]:
    """Linear path through quarter-end anchors, three months per quarter."""
    path, before = [], start
    for anchor in anchors:
        path += [before + (anchor - before) * step / 3 for step in (1, 2, 3)]
        before = anchor
    return path


def _department_counts(month: int) -> dict[str, int]:
    """Departments live per region: Mexico leads, later regions start with a few."""
    quarter_index = month // 3
    counts = {}
    for region, (start, _) in DEMO_REGIONS.items():
        if month >= start:
            ceiling = {"Mexico": 12, "USA": 9, "Colombia": 7, "Brazil": 4}[region]
            counts[region] = min(ceiling, 3 + (month - start) // 2 + (1 if quarter_index > 4 else 0))
    return counts


class _Rows:
    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, kpi_id: str, month: int, value: float, region: str | None = None,
            department: str | None = None, source: str = "demo") -> None:
        self.rows.append((kpi_id, MONTHS[month], region, department, float(value), source))


def _org_series(rows: _Rows, rng: np.random.Generator) -> None:
    for kpi_id, anchors in ORG_ANCHORS.items():
        start = anchors[0] * 0.6
        for month, value in enumerate(_monthly_from_anchors(anchors, start)):
            exact_end = month % 3 == 2
            noisy = value if exact_end else value * rng.normal(1.0, 0.01)
            integral = kpi_id in ("departments_using", "regions_covered", "concurrent_models",
                                  "models_in_production")
            rows.add(kpi_id, month, round(noisy) if integral else round(noisy, 1))
    for month in range(24):
        rows.add("departments_using_pct", month,
                 round(100 * _monthly_from_anchors(ORG_ANCHORS["departments_using"], 3)[month]
                       // 1 / ELIGIBLE_DEPARTMENTS, 1))
    for kpi_id, per_quarter in ORG_QUARTER_COUNTS.items():
        for q, total in enumerate(per_quarter):
            split = rng.multinomial(total, [0.3, 0.3, 0.4])
            for step, count in enumerate(split):
                rows.add(kpi_id, 3 * q + step, int(count))


def _department_series(rows: _Rows, rng: np.random.Generator, month: int) -> None:
    """Region x department flows (new users, transactions, revenue, models, adoption);
    regions and the organisation roll up from these."""
    shares = _live_shares(month)
    counts = _department_counts(month)
    for region, share in shares.items():
        departments = DEMO_DEPARTMENTS[: counts[region]]
        weights = rng.dirichlet(np.full(len(departments), 8.0))
        months_live = month - DEMO_REGIONS[region][0]
        adoption_ceiling = {"Mexico": 92, "USA": 89, "Colombia": 86, "Brazil": 70}[region]
        for department, weight in zip(departments, weights):
            rows.add("new_users", month, round(NEW_USERS[month] * share * weight * rng.normal(1, 0.03)),
                     region, department)
            rows.add("transactions_per_day", month,
                     round(TRANSACTIONS[month] * share * weight * rng.normal(1, 0.02)), region, department)
            rows.add("revenue_attributed", month,
                     round(REVENUE_MXN[month] * share * weight * rng.normal(1, 0.04), -2), region, department)
            adoption = adoption_ceiling - (adoption_ceiling - 45) * np.exp(-months_live / 6)
            rows.add("adoption_rate_pct", month, round(adoption + rng.normal(0, 1.2), 1), region, department)
        rows.add("departments_using", month, len(departments), region)
        rows.add("departments_using_pct", month, round(100 * len(departments) / ELIGIBLE_DEPARTMENTS, 1), region)
        rows.add("models_in_production", month,
                 max(1, round(ORG_ANCHORS["models_in_production"][month // 3] * (share + 0.15))), region)


def _platform_series(rows: _Rows, rng: np.random.Generator, month: int) -> None:
    """Availability, latency and cost per region; the October 2025 incident hits Mexico."""
    base_latency = {"Mexico": 72, "USA": 64, "Colombia": 88, "Brazil": 104}
    for region, (start, _) in DEMO_REGIONS.items():
        if month < start:
            continue
        months_live = month - start
        availability = 99.985 + 0.008 * min(1, month / 14) - 0.02 * np.exp(-months_live / 2)
        latency = base_latency[region] * (1 + 0.25 * np.exp(-months_live / 3)) * rng.normal(1, 0.03)
        if month == INCIDENT_MONTH and region == "Mexico":
            availability, latency = 99.21, 182.0
        cost = 0.045 + 0.05 * np.exp(-month / 7) + 0.008 * np.exp(-months_live / 4)
        rows.add("availability_pct", month, round(min(availability + rng.normal(0, 0.002), 99.999), 3), region)
        rows.add("api_latency_p95_ms", month, round(latency), region)
        rows.add("cost_per_prediction_usd", month, round(cost * rng.normal(1, 0.02), 4), region)


def demo_cutoff(today: date) -> date:
    """The last day of the last complete month before `today`, at most the demo's end (2026-12-31):
    the demo never holds an actual dated in the future."""
    return min(last_complete_month_end(today), MONTHS[-1])


def _until(frame: pd.DataFrame, today: date | None) -> pd.DataFrame:
    if today is None:
        return frame
    return frame[pd.to_datetime(frame["period"]).dt.date <= demo_cutoff(today)].reset_index(drop=True)


def demo_observations(seed: int = DEMO_SEED, today: date | None = None) -> pd.DataFrame:
    """Monthly observations for every catalog KPI, 2025-01 .. 2026-12 (same seed, same rows), cut at
    the last complete month before `today` when given (the same day always gives the same rows)."""
    rng = np.random.default_rng(seed)
    rows = _Rows()
    _org_series(rows, rng)
    for month in range(24):
        _department_series(rows, rng, month)
        _platform_series(rows, rng, month)
    frame = pd.DataFrame(rows.rows, columns=["kpi_id", "period", "region", "department", "value", "source"])
    return _until(frame, today)


# Go-live plan per region (quarter index from 2025-Q1); Brazil was planned one quarter earlier
# than it happened, so its 2026-Q2 targets have no actuals behind them.
PLANNED_LIVE = {"Mexico": 0, "USA": 2, "Colombia": 4, "Brazil": 5}
REGIONAL_TARGETS = ("new_users", "transactions_per_day", "revenue_attributed")


def _regional_targets(kpi_id: str, index: int, total: float) -> list[tuple]:
    """Split an additive organisation target over the regions planned to be live."""
    live = {r: DEMO_REGIONS[r][1] for r, start in PLANNED_LIVE.items() if index >= start}
    weight = sum(live.values())
    year, quarter = 2025 + index // 4, index % 4 + 1
    return [(kpi_id, year, quarter, region, None, round(total * share / weight, -1),
             "Regional split of the approved plan (demo program)") for region, share in live.items()]


def demo_targets() -> pd.DataFrame:
    """Quarterly targets from the seeds' scaling-dashboard figures: organisation level for every
    KPI with a target, and a regional split of the additive ones."""
    rows = []
    for kpi_id, values in TARGETS.items():
        for index, value in enumerate(values):
            rows.append((kpi_id, 2025 + index // 4, index % 4 + 1, None, None, float(value),
                         "Approved plan (demo program)"))
            if kpi_id in REGIONAL_TARGETS:
                rows += _regional_targets(kpi_id, index, value)
    return pd.DataFrame(rows, columns=["kpi_id", "year", "quarter", "region", "department", "target", "reason"])


DEMO_PROGRAM = "Banco Demo AI"
DEMO_PROGRAM_START = date(2025, 1, 1)  # program year 1 = calendar 2025
# The seeds' value streams (MXN per program year) and growth rates for later years.
DEMO_STREAMS = {
    "direct_savings": ((10e6, 25e6, 50e6), 1.5),
    "revenue_increase": ((5e6, 15e6, 35e6), 2.0),
    "risk_reduction": ((8e6, 20e6, 40e6), 1.8),
    "innovation_value": ((2e6, 10e6, 30e6), 3.0),
}
# An investment plan at the low end of the seeds' range (10-50M MXN per cycle): 10M per program
# year, which gives the seeds' 150% net ROI in year 1 and 733% over the three recorded years.
DEMO_INVESTMENTS = {
    1: {"platform": 5e6, "talent": 3e6, "data": 1.5e6, "governance": 0.5e6},
    2: {"platform": 4e6, "talent": 3.5e6, "data": 1.5e6, "governance": 1e6},
    3: {"platform": 3.5e6, "talent": 4e6, "data": 1.5e6, "governance": 1e6},
}
# Illustrative rates for the demo only (1 USD = rate units of quote), entered by hand like a user would.
DEMO_FX = {date(2025, 1, 2): {"MXN": 20.4, "BRL": 6.18, "COP": 4405.0},
           date(2026, 1, 2): {"MXN": 18.6, "BRL": 5.45, "COP": 4120.0}}


def demo_value_streams() -> pd.DataFrame:
    rows = [(DEMO_PROGRAM, stream, year, amount, "MXN", rate)
            for stream, (amounts, rate) in DEMO_STREAMS.items()
            for year, amount in enumerate(amounts, start=1)]
    return pd.DataFrame(rows, columns=["program", "stream", "year", "amount", "currency", "growth_rate"])


def demo_investments() -> pd.DataFrame:
    rows = [(DEMO_PROGRAM, year, category, amount, "MXN")
            for year, categories in DEMO_INVESTMENTS.items() for category, amount in categories.items()]
    return pd.DataFrame(rows, columns=["program", "year", "category", "amount", "currency"])


def demo_fx_rates() -> pd.DataFrame:
    rows = [("USD", quote, day, rate) for day, quotes in DEMO_FX.items() for quote, rate in quotes.items()]
    return pd.DataFrame(rows, columns=["base", "quote", "day", "rate"])


# CoE maturity per region: (score in 2025-Q1, gain per quarter) by dimension. Mexico climbs from
# Developing to Defined within the two years; Brazil starts late and stays Developing.
MATURITY_PATHS = {
    "Mexico": {"strategy": (2.4, 0.14), "people": (2.2, 0.13), "process": (2.3, 0.12), "technology": (2.6, 0.12),
               "governance": (2.1, 0.14)},
    "USA": {"strategy": (2.2, 0.12), "people": (2.1, 0.11), "process": (2.0, 0.12), "technology": (2.4, 0.12),
            "governance": (2.0, 0.11)},
    "Colombia": {"strategy": (2.0, 0.10), "people": (1.8, 0.11), "process": (1.9, 0.10), "technology": (2.1, 0.12),
                 "governance": (1.9, 0.09)},
    "Brazil": {"strategy": (1.8, 0.08), "people": (1.6, 0.08), "process": (1.7, 0.07), "technology": (2.0, 0.09),
               "governance": (1.5, 0.08)},
}
MATURITY_TARGET = 3.0  # Defined: the usual current target
ASSESSORS = {"Mexico": "Laura Méndez", "USA": "Daniel Brooks", "Colombia": "Camila Restrepo",
             "Brazil": "Rafael Souza"}


def _quarters_started(today: date | None) -> list[int]:
    """Quarter indexes (0 = 2025-Q1) whose first month is complete-or-current by the demo's cutoff."""
    cutoff = MONTHS[-1] if today is None else demo_cutoff(today)
    return [i for i in range(8) if date(2025 + i // 4, 3 * (i % 4) + 1, 1) <= cutoff]


def demo_maturity(today: date | None = None) -> pd.DataFrame:
    rows = []
    for region, paths in MATURITY_PATHS.items():
        for index in _quarters_started(today):
            year, quarter = 2025 + index // 4, index % 4 + 1
            for dimension, (start, gain) in paths.items():
                score = min(5.0, round(start + gain * index, 1))
                rows.append((region, year, quarter, dimension, score, MATURITY_TARGET, ASSESSORS[region],
                             f"Quarterly CoE review {year}-Q{quarter}"))
    return pd.DataFrame(rows, columns=["unit", "year", "quarter", "dimension", "score", "target", "assessor",
                                       "evidence"])


# Editor ticks (organisation and Mexico), 2026: partly complete checklists.
DEMO_TICKS = {
    ("technical", "platform_approach"): 2, ("technical", "mlops_automated"): 4,
    ("business", "competitive_advantage"): 3, ("business", "new_revenue"): 4,
    ("organisational", "coe_established"): 1, ("organisational", "self_service"): 4,
    ("organisational", "knowledge_sharing"): 2,
    ("governance", "audit_trail"): 1, ("governance", "risk_framework"): 3, ("governance", "multi_region_compliance"): 4,
    ("prerequisites", "roi_demonstrated"): 1, ("prerequisites", "mature_operations"): 2,
    ("prerequisites", "lessons_learned"): 1, ("prerequisites", "technical_capacity"): 3,
    ("prerequisites", "expansion_budget"): 4, ("prerequisites", "executive_sponsor"): 1,
}  # item -> first 2026 quarter it is ticked


def demo_ticks(today: date | None = None) -> pd.DataFrame:
    quarters = [i - 3 for i in _quarters_started(today) if i >= 4]
    rows = [(unit, 2026, quarter, checklist, item, quarter >= first, "demo")
            for unit in ("Organisation", "Mexico")
            for (checklist, item), first in DEMO_TICKS.items()
            for quarter in quarters]
    return pd.DataFrame(rows, columns=["unit", "year", "quarter", "checklist", "item", "done", "note"])


# The demo program run as a business (growth pack), quarter-end values 2025-Q1 .. 2026-Q4.
GROWTH_SERIES = {
    "active_users": [600, 1400, 3200, 6100, 8800, 11500, 14800, 19000],
    "nps": [62, 68, 71, 73, 74, 76, 77, 79],
    "churn_pct": [6.5, 5.2, 4.4, 3.9, 3.4, 2.9, 2.6, 2.3],
    "leads": [2500, 6000, 11000, 18000, 26000, 35000, 46000, 58000],
    "cac_usd": [140, 110, 92, 85, 78, 72, 66, 61],
    "ltv_cac": [12, 17, 22, 25, 27, 31, 33, 36],
    "team_size": [12, 18, 24, 31, 38, 46, 53, 61],
    "revenue_month_usd": [180e3, 320e3, 520e3, 800e3, 1.1e6, 1.5e6, 1.9e6, 2.3e6],
    "gross_margin_pct": [68, 72, 76, 78, 79, 80, 81, 82],
    "mrr_growth_pct": [24, 22, 21, 21, 20.5, 20.5, 20, 19],
    "uptime_pct": [99.85, 99.9, 99.93, 99.8, 99.95, 99.96, 99.97, 99.97],
    "process_automation_pct": [62, 71, 79, 83, 86, 89, 91, 92],
    "quality_score": [4.1, 4.3, 4.4, 4.2, 4.5, 4.6, 4.6, 4.7],
    "error_rate_pct": [1.8, 1.4, 1.1, 1.6, 0.9, 0.8, 0.7, 0.7],
    "customer_satisfaction_pct": [84, 87, 89, 86, 90, 91, 92, 92],
    "team_satisfaction": [4.3, 4.4, 4.2, 4.0, 4.1, 4.3, 4.4, 4.5],
    "burnout_pct": [8, 9, 12, 14, 12, 10, 9, 8],
    "turnover_pct": [4, 4.5, 5.5, 6.2, 5.8, 5.1, 4.6, 4.2],
    "runway_months": [30, 27, 24, 22, 21, 20, 19, 19],
    "burn_usd_month": [350e3, 380e3, 420e3, 460e3, 480e3, 470e3, 455e3, 440e3],
    "revenue_growth_pct": [45, 38, 32, 28, 24, 22, 19, 19],
    "market_share_pct": [3, 4.5, 6, 7.5, 8.5, 9.5, 10.5, 11],
}


def demo_growth_observations(today: date | None = None) -> pd.DataFrame:
    rows = [(kpi_id, date(2025 + i // 4, 3 * (i % 4) + 3, calendar.monthrange(2025 + i // 4, 3 * (i % 4) + 3)[1]),
             None, None, float(value), "demo growth pack")
            for kpi_id, values in GROWTH_SERIES.items() for i, value in enumerate(values)]
    return _until(pd.DataFrame(rows, columns=["kpi_id", "period", "region", "department", "value", "source"]), today)


USE_CASE_NAMES = ("Credit scoring", "Fraud detection", "Churn prediction", "Document OCR", "Service chatbot",
                  "Next best offer", "AML alert triage", "Collections prioritisation", "Call summarisation",
                  "KYC automation", "Cash forecasting", "Complaint routing", "Mortgage pre-approval",
                  "Card limit optimisation", "Branch staffing forecast")
PATTERNS = ("replication", "adaptation", "evolution", "innovation", "platform")
PATTERN_HORIZON = {"replication": "H1", "adaptation": "H1", "evolution": "H2", "innovation": "H3",
                   "platform": "operational_excellence"}
STAGE_STEPS = (("evaluation", 0.75, (21, 45)), ("experimentation", 0.65, (30, 60)),
               ("validation", 0.70, (45, 75)), ("scaled", 0.80, (30, 50)))
DEMO_END = date(2026, 12, 31)


def demo_use_cases(seed: int = DEMO_SEED,
                   today: date | None = None) -> tuple[list[dict], list[tuple[str, str, date]]]:
    """About 60 use cases started 2025-2026 moving through the funnel, with their stage history, up
    to the last complete month before `today` when given."""
    rng = np.random.default_rng(seed + 7)
    end = DEMO_END if today is None else demo_cutoff(today)
    cases, history = [], []
    for index in range(60):
        started = date(2025, 1, 6) + pd.Timedelta(days=11 * index).to_pytimedelta()
        if started > end:
            break
        live = [r for r, (start, _) in DEMO_REGIONS.items() if start <= (started.year - 2025) * 12 + started.month - 1]
        region = live[index % len(live)]
        name = f"{USE_CASE_NAMES[index % len(USE_CASE_NAMES)]} ({region}, #{index + 1})"
        pattern = PATTERNS[int(rng.choice(5, p=[0.3, 0.25, 0.2, 0.15, 0.1]))]
        stage, day = "idea", started
        history.append((name, "idea", started))
        for next_stage, chance, (low, high) in STAGE_STEPS:
            day = day + pd.Timedelta(days=int(rng.integers(low, high))).to_pytimedelta()
            if day > end:
                break
            if rng.random() > chance:
                stage = "stopped"
                history.append((name, "stopped", day))
                break
            stage = next_stage
            history.append((name, stage, day))
        cases.append({"name": name, "stage": stage, "horizon": PATTERN_HORIZON[pattern], "pattern": pattern,
                      "region": region, "department": DEMO_DEPARTMENTS[index % len(DEMO_DEPARTMENTS)],
                      "started": started, "stage_changed": max(d for n, _, d in history if n == name)})
    return cases, history


# Localisation and regulation per region (SPEC section 7).
DEMO_REGULATIONS = [
    ("Mexico", "Spanish", "MXN", "DD/MM/YYYY", "CNBV, Banxico, LFPDPPP", "Circular 13/2023",
     "Required for financial data", True, "Mandatory for risk models", True),
    ("USA", "English", "USD", "MM/DD/YYYY", "Fed, OCC, CFPB", "SR 11-7, Fair Lending",
     "Varies by state", False, "Required for credit decisions", True),
    ("Brazil", "Portuguese", "BRL", "DD/MM/YYYY", "BCB, CMN, LGPD", "Resolution 4,658",
     "Required for personal data", True, "For material models", True),
    ("Colombia", "Spanish", "COP", "DD/MM/YYYY", "SFC, Banco de la República", "Circular Externa 025",
     "Recommended", False, "Risk-based", False),
]


def demo_departments() -> pd.DataFrame:
    """The bank's fifteen eligible departments (master data), with Spanish names."""
    spanish = {"Retail Banking": "Banca minorista", "Credit Risk": "Riesgo de crédito",
               "Fraud Prevention": "Prevención de fraude", "Customer Service": "Atención a clientes",
               "Collections": "Cobranza", "Marketing": "Mercadotecnia", "Treasury": "Tesorería",
               "Operations": "Operaciones", "Compliance": "Cumplimiento", "Wealth Management": "Gestión patrimonial",
               "Human Resources": "Recursos humanos", "Finance": "Finanzas", "Legal": "Jurídico",
               "Procurement": "Compras", "Information Technology": "Tecnología de la información"}
    return pd.DataFrame([(name, spanish[name]) for name in DEMO_ELIGIBLE_DEPARTMENTS], columns=["name", "name_es"])


REGION_NAMES_ES = {"Mexico": "México", "USA": "Estados Unidos", "Brazil": "Brasil", "Colombia": "Colombia"}


# The same table's texts in Spanish (names of regulators and rules stay as they are officially written).
DEMO_REGULATIONS_ES = {
    "Mexico": ("Español", "Circular 13/2023", "Obligatoria para datos financieros",
               "Obligatoria para modelos de riesgo"),
    "USA": ("Inglés", "SR 11-7, Fair Lending", "Varía por estado", "Obligatoria para decisiones de crédito"),
    "Brazil": ("Portugués", "Resolución 4,658", "Obligatoria para datos personales", "Para modelos materiales"),
    "Colombia": ("Español", "Circular Externa 025", "Recomendada", "Basada en riesgo"),
}


def demo_regions() -> pd.DataFrame:
    frame = pd.DataFrame(DEMO_REGULATIONS, columns=["name", "language", "currency", "date_format", "regulators",
                                                    "ai_rules", "residency", "residency_required", "validation",
                                                    "validation_required"])
    spanish = pd.DataFrame.from_dict(DEMO_REGULATIONS_ES, orient="index",
                                     columns=["language_es", "ai_rules_es", "residency_es", "validation_es"])
    return frame.assign(name_es=frame["name"].map(REGION_NAMES_ES)).join(spanish, on="name")
