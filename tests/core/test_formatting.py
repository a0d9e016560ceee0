"""Numbers formatted for people, and the periods of exchange files."""

from __future__ import annotations

from datetime import date

import pytest

from kpis.catalog import Catalog
from kpis.formatting import format_attainment, format_change, format_compact, format_value
from kpis.i18n import LANGUAGES, all_texts
from kpis.periods import parse_period, parse_quarter, shift_quarter


@pytest.mark.parametrize(
    ("kpi_id", "value", "lang", "text"),
    [
        ("transactions_per_day", 10_000, "en", "10K"),
        ("transactions_per_day", 776_582.4, "en", "777K"),
        ("transactions_per_day", 1_250_000, "es", "1.25\u00a0M"),  # Babel: a no-break space
        ("transactions_per_day", 776_582.4, "es", "777\u00a0k"),
        ("new_users", 4374, "en", "4,374"),
        ("new_users", None, "en", "—"),
        ("availability_pct", 99.95, "en", "99.95%"),
        ("availability_pct", 99.99233, "en", "99.992%"),
        ("adoption_rate_pct", 83.2875, "en", "83.3%"),
        ("roi_pct", 500, "en", "500%"),
        ("api_latency_p95_ms", 119.6, "en", "120 ms"),
        ("cost_per_prediction_usd", 0.08, "en", "US$0.080"),
        ("cost_per_prediction_usd", 0.1, "en", "US$0.10"),
        ("revenue_attributed", 4_491_600, "en", "MXN 4.49M"),
        ("time_to_new_solution_weeks", 3.83, "es", "3.8 sem"),
    ],
)
def test_format_value_reads_like_a_person_wrote_it(catalog: Catalog, kpi_id, value, lang, text):
    assert format_value(value, catalog.get(kpi_id), lang) == text


def test_format_attainment_and_change(catalog: Catalog):
    assert format_attainment(0.873) == "87%"
    assert format_attainment(None) == "—"
    assert format_change(-4.5, catalog.get("adoption_rate_pct")) == "−4.5 pp"
    assert format_change(330_000, catalog.get("transactions_per_day")) == "+330K"
    assert format_change(0, catalog.get("new_users")) == "±0"
    assert format_compact(-12_500) == "-12.5K"


@pytest.mark.parametrize(
    ("text", "day"),
    [("2025-02-14", date(2025, 2, 14)), ("2025-02", date(2025, 2, 28)), ("2024-02", date(2024, 2, 29)),
     ("2025-Q1", date(2025, 3, 31)), ("2025-q4", date(2025, 12, 31)), (" 2026-Q2 ", date(2026, 6, 30))],
)
def test_parse_period_accepts_the_three_forms(text, day):
    assert parse_period(text) == day


@pytest.mark.parametrize("text", ["2025", "2025-13", "2025-Q5", "31/01/2025", "2025-02-30", ""])
def test_parse_period_rejects_anything_else(text):
    with pytest.raises(ValueError):
        parse_period(text)


@pytest.mark.parametrize(("text", "quarter"), [("Q1", 1), ("q3", 3), ("4", 4), (2, 2), ("2.0", 2)])
def test_parse_quarter_accepts_q_and_number_forms(text, quarter):
    assert parse_quarter(text) == quarter


def test_shift_quarter_crosses_years():
    assert shift_quarter(2025, 1, -1) == (2024, 4)
    assert shift_quarter(2025, 4, 1) == (2026, 1)
    assert shift_quarter(2025, 2, -9) == (2023, 1)


def test_every_ui_string_has_every_language():
    missing = [(key, lang) for key, entry in all_texts().items() for lang in LANGUAGES if not entry.get(lang)]
    assert missing == []
