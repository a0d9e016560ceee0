"""The running app in headless Chromium (Playwright): what an executive actually sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]
ARTIFACTS = ROOT / "tests" / "artifacts"


def test_dashboard_shows_status_flags_and_a_chart(browser, app_url):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(f"{app_url}/?year=2025&quarter=4&lang=en")
    page.get_by_role("heading", name="Quarterly scaling dashboard").wait_for(timeout=60_000)
    off_track = page.locator('[data-status="off_track"]').first
    off_track.wait_for(timeout=30_000)
    assert "Off track" in off_track.inner_text()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2  # actual and target
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.close()


def test_changing_a_filter_updates_the_url_and_figures(browser, app_url):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(f"{app_url}/?year=2025&quarter=4&lang=es")
    page.get_by_role("heading", name="Tablero trimestral de escalamiento").wait_for(timeout=60_000)
    page.get_by_text("Fuera de meta").first.wait_for(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Trimestre").click()
    page.get_by_role("option", name="Q2").click()
    page.wait_for_url("**quarter=2**", timeout=30_000)
    page.get_by_text("2025-Q2 ·").first.wait_for(timeout=30_000)
    page.close()


def test_export_page_downloads_a_chart_png_and_the_deck(browser, app_url, tmp_path):
    from pptx import Presentation

    page = browser.new_page(viewport={"width": 1600, "height": 1400}, accept_downloads=True)
    page.goto(f"{app_url}/export?lang=en")
    page.get_by_role("heading", name="Export for the board").wait_for(timeout=60_000)
    with page.expect_download(timeout=120_000) as chart_download:
        page.get_by_role("button", name="Download chart").click()
    chart_path = tmp_path / chart_download.value.suggested_filename
    chart_download.value.save_as(chart_path)
    assert chart_path.suffix == ".png" and chart_path.read_bytes()[:4] == b"\x89PNG"
    with page.expect_download(timeout=120_000) as deck_download:
        page.get_by_role("button", name="Download the board pack (.pptx)").click()
    deck_path = tmp_path / "deck.pptx"
    deck_download.value.save_as(deck_path)
    deck = Presentation(str(deck_path))
    assert len(deck.slides) >= 9
    page.close()


def test_switching_language_shows_the_landing_page_in_spanish(browser, app_url):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(f"{app_url}/?lang=en")
    page.get_by_role("heading", name="Quarterly scaling dashboard").wait_for(timeout=60_000)
    page.get_by_text("Español").click()
    page.get_by_role("heading", name="Tablero trimestral de escalamiento").wait_for(timeout=30_000)
    page.wait_for_url("**lang=es**", timeout=30_000)
    page.get_by_text("En meta").first.wait_for(timeout=30_000)
    page.get_by_text("On track").first.wait_for(state="detached", timeout=30_000)  # the rerun has finished
    body = page.locator("[data-testid='stMain']").inner_text()
    for english in ("On track", "Off track", "Target", "What changed"):
        assert english not in body
    assert "En meta" in body or "Adelantado" in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-es.png"), full_page=True)
    page.close()


PAGES = ["", "value", "innovation", "regions", "maturity", "export", "data"]


def _settle(page) -> None:
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_page_requests_anything_outside_the_app(browser, app_url, lang):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((app_url, "data:", "blob:", "about:")) else None)
    for path in PAGES:
        page.goto(f"{app_url}/{path}?lang={lang}")
        _settle(page)
    page.close()
    assert outside == []


@pytest.mark.parametrize("lang, words", [("en", "Are we on track to scale AI?"),
                                         ("es", "¿Vamos en camino de escalar la IA?")])
def test_the_verdict_is_in_the_first_screen_at_1440x900(browser, app_url, lang, words):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/?lang={lang}")
    _settle(page)
    box = page.locator(".kpi-verdict").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900
    assert words in page.locator(".kpi-verdict").inner_text()
    page.close()


def _overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900), (1920, 1080)])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_chart_titles_never_overlap_their_legends(browser, app_url, lang, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    checked = 0
    for path in PAGES:
        page.goto(f"{app_url}/{path}?lang={lang}")
        _settle(page)
        for chart in page.locator(".js-plotly-plot").all():
            chart.scroll_into_view_if_needed()
            title = chart.locator(".gtitle").first
            legend = chart.locator(".legend").first
            if title.count() == 0 or legend.count() == 0:
                continue
            title_box, legend_box = title.bounding_box(), legend.bounding_box()
            if title_box and legend_box:
                checked += 1
                assert not _overlaps(title_box, legend_box), (path, title.text_content())
                # the category labels and axis titles under a chart are never covered by its legend
                for label in chart.locator(".xtick text, .g-xtitle text, .annotation-text").all():
                    box = label.bounding_box()
                    if box and box["width"] > 0:
                        assert not _overlaps(box, legend_box), (path, title.text_content(), label.text_content())
    page.close()
    assert checked >= 5


def test_data_page_tabs_run_when_opened(browser, app_url):
    """The Targets & data page runs only its open tab: clicking another tab reruns and shows it."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/data?lang=en")
    _settle(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    page.get_by_role("tab", name="Import").click()
    page.locator('[data-testid="stFileUploader"]').first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Check-ins").click()
    page.get_by_text("Record check-in").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_the_quarter_travels_between_pages_and_back(browser, app_url):
    """From the Q3 dashboard, the Regions page shows Q3, and the dashboard is still on Q3 when you come back."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/?year=2026&quarter=3&lang=en")
    page.get_by_role("heading", name="Quarterly scaling dashboard").wait_for(timeout=60_000)
    page.get_by_text("2026-Q3 ·").first.wait_for(timeout=30_000)
    page.get_by_role("link", name="Regions & compliance").click()
    page.get_by_role("heading", name="Regions & compliance").wait_for(timeout=60_000)
    page.get_by_text("Per-region KPIs · 2026-Q3").first.wait_for(timeout=30_000)
    page.wait_for_url("**quarter=3**", timeout=30_000)
    page.get_by_role("link", name="Quarterly dashboard").click()
    page.get_by_role("heading", name="Quarterly scaling dashboard").wait_for(timeout=60_000)
    page.get_by_text("2026-Q3 ·").first.wait_for(timeout=30_000)
    assert "quarter=3" in page.url and "year=2026" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_an_import_with_tens_of_thousands_of_bad_rows_shows_the_first_and_offers_them_all(browser, app_url,
                                                                                          tmp_path):
    """60,000 rejected rows (past the table-styling limit of ~52,000): the page shows the first ones, says how
    many, and the download holds every one of them."""
    import csv
    import io

    file = tmp_path / "actuals.csv"
    file.write_text("kpi_id,period,region,value\n" + "".join(f"no_such_kpi,2026-06,Mexico,{n}\n"
                                                           for n in range(60_000)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page.goto(f"{app_url}/data?lang=en")
    _settle(page)
    page.get_by_role("tab", name="Import").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(file))
    page.get_by_text("60,000 rows were rejected; the first 1,000 are shown below").wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the 60,000 rejected rows (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 60_000 and rows[0]["line"] == "2" and "no_such_kpi" in rows[0]["problem"]
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_deep_link_on_a_fresh_server_has_navigation_sidebar_and_style_after_a_rerun(browser, demo_db, tmp_path):
    """The first request a new server gets is a deep link (/data): Streamlit runs the page file without app.py.
    The page then runs app.py itself: the navigation is there, and after a tab switch (a rerun) the sidebar and
    the house style still are (they used to vanish)."""
    import shutil

    from tests.browser import running_app

    path = tmp_path / "kpis.duckdb"
    shutil.copy(demo_db, path)
    with running_app(path) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/data?lang=en")
        _settle(page)
        page.get_by_role("tab", name="Check-ins").click()
        page.get_by_text("Record check-in").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        assert page.get_by_role("link", name="Quarterly dashboard").is_visible()
        assert page.get_by_text("Language / Idioma").is_visible()
        assert page.evaluate("[...document.querySelectorAll('style')].some(s => s.textContent.includes('kpi-flag'))")
        page.close()
