"""Accessibility of the running app (WCAG 2.2 AA), in Chromium: axe-core on every page and every tab of the
Targets & data page in both languages, the page's language, a target changed and saved with the keyboard
alone, a visible focus, and the status colours' contrast."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpis.export.charts import STATUS_COLORS, STATUS_TEXT_COLORS
from tests.browser import CHROMIUM

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}")
PAGES = ["", "value", "innovation", "regions", "maturity", "export", "data"]
BLOCKING = ("serious", "critical")


def _settle(page) -> None:
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    page.wait_for_timeout(1200)


def _blocking(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result.response["violations"] if v["impact"] in BLOCKING]


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(browser, app_url, path, lang):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/{path}?lang={lang}")
    _settle(page)
    assert page.evaluate("document.documentElement.lang") == lang
    for expander in page.locator('[data-testid="stExpander"] summary').all():
        expander.click()  # the charts' tables and every folded section are checked open
    page.wait_for_timeout(300)
    assert _blocking(page) == [], f"/{path} in {lang}"
    page.close()


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("lang", ["en", "es"])
def test_axe_on_every_tab_of_the_data_page(browser, app_url, lang):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/data?lang={lang}")
    _settle(page)
    tabs = page.get_by_role("tab")
    names = [tabs.nth(i).inner_text() for i in range(tabs.count())]
    assert len(names) == 11
    problems = {}
    for index, name in enumerate(names):
        tab = page.get_by_role("tab").nth(index)
        assert tab.is_visible(), f"tab {name!r} is hidden at 1440"  # the strip wraps: every tab shows
        tab.click()
        page.wait_for_timeout(1500)
        page.wait_for_load_state("networkidle", timeout=60_000)
        found = _blocking(page)
        if found:
            problems[name] = found
    assert problems == {}
    page.close()


@pytest.mark.browser
@needs_chromium
def test_streamlit_own_words_are_in_spanish(browser, app_url):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/data?lang=es")
    _settle(page)
    page.get_by_role("tab", name="Importar").click()
    uploader = page.locator('[data-testid="stFileUploader"]').first
    uploader.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    text = uploader.inner_text()
    assert "50 MB por archivo" in text and "Subir archivo" in text
    assert "Drag and drop" not in text and "per file" not in text and "\nUpload\n" not in f"\n{text}\n"
    page.close()


def _tab_until(page, accessible_name: str, limit: int = 120) -> None:
    """Press Tab until the focused element's accessible name (aria-label, label or text) is `accessible_name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate("""() => { const e = document.activeElement; if (!e) return '';
            const by = e.getAttribute('aria-labelledby'); const labelled = by && document.getElementById(by);
            return (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText)
                    || (labelled && labelled.innerText) || e.innerText || '').trim(); }""")
        if name.split("\n")[0] == accessible_name:
            return
    raise AssertionError(f"{accessible_name!r} is not reachable with the Tab key")


@pytest.mark.browser
@needs_chromium
def test_a_target_is_changed_and_saved_with_the_keyboard_alone(browser, app_url):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{app_url}/data?lang=en")
    _settle(page)
    page.locator("body").focus()
    _tab_until(page, "KPI")
    page.keyboard.press("Enter")  # open the KPI list, move to the next KPI, choose it
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    chosen = page.get_by_role("combobox", name="KPI").input_value()
    assert chosen
    _tab_until(page, "Target")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused != "none"  # the keyboard focus is visible
    page.keyboard.press("Control+A")
    page.keyboard.type("777")
    _tab_until(page, "Reason")
    page.keyboard.type("Board asked for a stretch goal")
    _tab_until(page, "Save target")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    saved = page.locator('[data-testid="stAlertContentSuccess"]').first
    saved.wait_for(timeout=30_000)
    assert "777" in saved.inner_text() and chosen in saved.inner_text()
    # the reason box is empty for the next change, and the KPI stays chosen
    expect(page.get_by_role("textbox", name="Reason")).to_have_value("", timeout=10_000)
    assert page.get_by_role("combobox", name="KPI").input_value() == chosen
    page.close()


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_trend_markers_are_outlined_in_the_status_text_colour(demo_db, catalog):
    from kpis.export.charts import trend_figure
    from kpis.report import build_report
    from kpis.store import Store

    with Store(demo_db).session() as session:
        report = build_report(session, catalog, 2026, 3)
    actual = trend_figure(report.grid, catalog.ids[0], "en", as_of=(2026, 3)).data[1]
    assert len(actual.marker.line.color) >= 4 and set(actual.marker.line.color) <= set(STATUS_TEXT_COLORS.values())


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _tint(colour: str, alpha: float = 0x1F / 255) -> str:
    """The flag's background: its status colour at alpha 0x1F over white (widgets.flag_html)."""
    channels = [round(alpha * int(colour[i:i + 2], 16) + (1 - alpha) * 255) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02X}" for c in channels)


@pytest.mark.parametrize("status", sorted(STATUS_COLORS))
def test_status_words_pass_contrast_on_their_flags_and_on_white(status):
    """WCAG 1.4.3: a flag's word at 4.5:1 on its tinted background and on white. 1.4.11: chart markers are
    outlined in the status's text colour (3:1 at least against white): the light fills (at risk's orange is
    2.1:1) are never the only edge of a marker, and a card's coloured edge always comes with the flag's word."""
    text, fill = STATUS_TEXT_COLORS[status], STATUS_COLORS[status]
    assert _contrast(text, _tint(fill)) >= 4.5
    assert _contrast(text, "#FFFFFF") >= 4.5
