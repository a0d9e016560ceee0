"""Streamlit AppTest of every page, against real DuckDB files."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(demo_store, monkeypatch) -> AppTest:
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_dashboard_renders_cards_flags_and_chart(app: AppTest):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Quarterly scaling dashboard"
    html = _markdown(app)
    assert 'data-status="off_track"' in html or 'data-status="at_risk"' in html
    assert "Transactions per day" in html
    assert len(app.get("plotly_chart")) == 1


def test_dashboard_defaults_to_latest_quarter_with_data(app: AppTest):
    app.run()
    assert app.selectbox(key="filter_year_en").value == 2026
    assert app.selectbox(key="filter_quarter_en").value == 4


def test_changing_the_quarter_changes_the_figures(app: AppTest):
    app.run()
    before = _markdown(app)
    app.selectbox(key="filter_year_en").set_value(2025).run()
    app.selectbox(key="filter_quarter_en").set_value(4).run()
    after = _markdown(app)
    assert not app.exception
    assert before != after
    assert "2025-Q4" in after and "430K" in after  # transactions per day in the at-risk quarter
    assert app.query_params["year"] == "2025" and app.query_params["quarter"] == "4"


def test_region_filter_shows_region_figures(app: AppTest):
    app.run()
    app.selectbox(key="filter_region_en").set_value("Brazil").run()
    assert not app.exception
    assert "Brazil" in _markdown(app)
    assert app.query_params["region"] == "Brazil"


def test_filters_are_read_from_the_url(app: AppTest):
    app.query_params["year"] = "2025"
    app.query_params["quarter"] = "2"
    app.query_params["region"] = "Mexico"
    app.run()
    assert app.selectbox(key="filter_year_en").value == 2025
    assert app.selectbox(key="filter_quarter_en").value == 2
    assert app.selectbox(key="filter_region_en").value == "Mexico"


def test_spanish_interface(app: AppTest):
    app.query_params["lang"] = "es"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Tablero trimestral de escalamiento"
    assert "En meta" in _markdown(app)


def test_empty_store_shows_guidance_not_an_error(store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "no data yet" in at.info[0].value


def test_first_run_creates_the_database_with_the_demo(tmp_path: Path, monkeypatch):
    path = tmp_path / "fresh" / "kpis.duckdb"
    monkeypatch.setenv("KPIS_DB", str(path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    assert path.exists()
    assert "New users onboarded" in _markdown(at)


def test_value_page_shows_flagged_cards_and_three_charts(app: AppTest):
    app.switch_page("pages/value.py").run()
    assert not app.exception
    assert app.title[0].value == "Cumulative value"
    html = _markdown(app)
    assert "Net ROI" in html and "Benefit/cost multiple" in html
    headings = [h.value for h in app.subheader]
    assert any(h.startswith("Realised to date") for h in headings)
    assert any("recorded, years 1-3" in h for h in headings)  # default horizon: the last recorded year (SPEC 10)
    assert 'data-status="ahead"' in html
    assert len(app.get("plotly_chart")) == 3
    assert 'class="kpi-table"' in html  # the numbers behind the charts: a wrapping table (no sideways scroll)
    assert len(app.expander) >= 3  # each chart's figures as a table, behind a toggle


def test_value_page_scenario_switch_changes_figures(app: AppTest):
    app.switch_page("pages/value.py").run()
    before = _markdown(app)
    app.selectbox(key="value_scenario").set_value("conservative").run()
    assert not app.exception
    assert _markdown(app) != before


def test_export_page_renders_download_buttons(app: AppTest):
    app.switch_page("pages/export.py").run()
    assert not app.exception and not app.error
    labels = [b.label for b in app.get("download_button")]
    assert "Download the board pack (.pptx)" in labels and "Download table" in labels


def test_reporting_currency_applies_to_money_kpis(app: AppTest):
    app.query_params["cur"] = "USD"
    app.run()
    assert not app.exception and not app.error
    app.selectbox(key="filter_year_en").set_value(2026).run()
    app.selectbox(key="filter_quarter_en").set_value(2).run()
    app.session_state["family_tab_en"] = "Business value"  # only the open family's cards are drawn
    app.run()
    html = _markdown(app)
    assert "Revenue attributed to AI" in html and "MXN " not in html


def test_missing_fx_rate_is_the_named_error_and_no_amount_in_another_currency(app: AppTest, demo_store):
    with demo_store.write_session() as session:
        session.con.execute("DELETE FROM fx_rates WHERE quote = 'COP'")
    app.query_params["cur"] = "COP"
    app.run()
    assert not app.exception
    assert any("No exchange rate from" in e.value and "to COP" in e.value for e in app.error)
    assert "MXN " not in _markdown(app) and "COP " not in _markdown(app)
