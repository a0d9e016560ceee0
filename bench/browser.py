"""Benchmark: what a person waits for in a real browser, at 1x, 1000x and 10,000x the demo (Playwright + Chromium
against `streamlit run app.py` on loopback; server and browser share this machine's 2 cores).

  quarter change  on the dashboard, from the click on a quarter in the sidebar's Quarter list to the page fully
                  updated: the app's script state back to "not running", the subtitle naming the new quarter,
                  every Plotly chart drawn (an SVG in each chart) and two animation frames painted. Alternates
                  between Q2 and Q3 of 2026, so every change asks for a quarter the session is not showing
                  (the server's caches hold both after the first two: the steady state of a board meeting)
  first visit     each page's first showing, three ways (first_visits): switched to from the dashboard's
                  navigation (the page's first run in that session), opened in a new tab of the same browser
                  (a new session; the app's JavaScript already cached) and in a new browser (nothing cached:
                  about 0.7 s of it is loading Streamlit's 2 MB of JavaScript from this server); from the click
                  or `goto` to the same end condition (title shown, script not running, every chart drawn)

Each figure is the median and the 95th percentile of --repeat runs (nearest rank); the pages' first visits
alternate page by page. What the figures include: the websocket round trips, the server's reruns, the
browser's layout and Plotly work. What they leave out: network latency (loopback) and the first visit's
one-off start-up of a new server (the server is warmed by one visit of each page before timing).

Usage: python bench/browser.py [--quick] [--scales 1,1000,10000] [--repeat 15] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import machine, store_for

from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

GOALS = {"quarter_median": 250, "quarter_p95": 400, "first_visit": 600}

SETTLED = """(quarter) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
  if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
  if (quarter && !document.body.innerText.includes(quarter)) return false;
  const charts = [...document.querySelectorAll('.js-plotly-plot')];
  return charts.every(chart => chart.querySelector('.main-svg'));
}"""
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _settle(page, quarter: str | None = None) -> None:
    page.wait_for_function(SETTLED, arg=quarter, timeout=120_000, polling="raf")
    page.evaluate(PAINTED)


def quarter_changes(browser, url: str, repeat: int) -> list[float]:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{url}/?year=2026&quarter=3&lang=en")
    _settle(page, "2026-Q3 ·")
    timings = []
    for run in range(repeat + 2):  # the first two fill the server's caches for both quarters
        target = 2 if run % 2 == 0 else 3
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Quarter").click()
        option = page.get_by_role("option", name=f"Q{target}", exact=True)
        option.wait_for()
        started = time.perf_counter()
        option.click()
        _settle(page, f"2026-Q{target} ·")
        if run >= 2:
            timings.append((time.perf_counter() - started) * 1000)
    page.close()
    return timings


NAV = {"value": "Cumulative value", "innovation": "Innovation", "regions": "Regions & compliance",
       "maturity": "CoE maturity", "export": "Export", "data": "Targets & data"}
TITLES = {"value": "Cumulative value", "innovation": "Innovation pipeline", "regions": "Regions & compliance",
          "maturity": "CoE maturity", "export": "Export for the board", "data": "Targets & data"}


def _opened(context, address: str) -> float:
    """Milliseconds from opening `address` in a new tab of `context` to the page settled."""
    tab = context.new_page()
    started = time.perf_counter()
    tab.goto(address)
    _settle(tab)
    elapsed = (time.perf_counter() - started) * 1000
    tab.close()
    return elapsed


def first_visits(browser, url: str, repeat: int) -> dict[str, dict[str, list[float]]]:
    """Per page, three first visits: `switch` (a reader on the dashboard clicks the page in the navigation: the
    page's first run in that session), `new tab` (the page's address opened in a new tab of the same browser:
    a new session, the app's files already in the browser's cache) and `new browser` (nothing cached)."""
    timings = {kind: {name: [] for name in NAV} for kind in ("switch", "new tab", "new browser")}
    for _ in range(repeat):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/?year=2026&quarter=3&lang=en")
        _settle(page)
        for name, link in NAV.items():  # alternated page by page
            started = time.perf_counter()
            page.get_by_role("link", name=link).click()
            page.get_by_role("heading", name=TITLES[name], exact=True).wait_for(timeout=120_000)
            _settle(page)
            timings["switch"][name].append((time.perf_counter() - started) * 1000)
        for name in NAV:  # a new tab of the same browser: its cache is warm
            timings["new tab"][name].append(_opened(context, f"{url}/{name}?year=2026&quarter=3&lang=en"))
        context.close()
        for name in NAV:  # a new browser: nothing cached
            fresh = browser.new_context(viewport={"width": 1440, "height": 900})
            timings["new browser"][name].append(_opened(fresh, f"{url}/{name}?year=2026&quarter=3&lang=en"))
            fresh.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1x only, 3 runs (CI)")
    parser.add_argument("--scales", default="1,1000,10000")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the stores in this directory")
    args = parser.parse_args()
    scales = [1] if args.quick else [int(s) for s in args.scales.split(",")]
    repeat = args.repeat or (3 if args.quick else 15)
    print(f"machine: {machine()}")
    print(f"budget: quarter change <= {GOALS['quarter_median']} ms median and <= {GOALS['quarter_p95']} ms p95; "
          f"first visit of a page <= {GOALS['first_visit']} ms")
    if not Path(CHROMIUM).exists():
        print(f"skipped: no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    workdir = tempfile.TemporaryDirectory()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for scale in scales:
            path = store_for(scale, args.keep, Path(workdir.name))
            with running_app(path, timeout=120) as url:
                first_visits(browser, url, 1)  # the server's first run of each page (imports, caches)
                changes = quarter_changes(browser, url, repeat)
                visits = first_visits(browser, url, repeat)
            print(f"\n{scale}x the demo, {repeat} runs (ms, median / p95):")
            print(f"  quarter change   {statistics.median(changes):6.0f} / {p95(changes):6.0f}   "
                  f"goal <= {GOALS['quarter_median']} / {GOALS['quarter_p95']}")
            print(f"  first visit of a page (goal <= {GOALS['first_visit']}):   "
                  + "".join(f"{kind:>18}" for kind in visits))
            for name in NAV:
                print(f"    {name:<12}" + "".join(
                    f"{statistics.median(visits[kind][name]):9.0f} / {p95(visits[kind][name]):5.0f}"
                    for kind in visits))
        browser.close()


if __name__ == "__main__":
    main()
