"""Benchmark: every page's server-side time, at 1x, 100x, 1000x and 10,000x the demo (Streamlit AppTest).

Every run is a run of app.py that then runs the page (st.navigation), as a served app does on every rerun:
app.py's sign-in, language, sidebar and style are in every figure. For each page and store size, in one
process:

  cold      median of 3 first renders, each with empty caches (st.cache_data and st.cache_resource cleared
            and the store's shared connection closed, so the file is opened and checked again as after a
            server start); module imports are done already, as in a running server
  rerun     a filter change: the page's main filter moved to a value not seen before (so the caches miss,
            as when a user picks another region or quarter); median of --repeat. Region and department
            filters step from the end of their lists: at 100x and above those are the benchmark's large
            scopes (R039.., D0499.. or D4999..), not the demo's small regions; the dashboard is timed twice, moving
            the region and moving the department
  throughput  landing-page reruns per second with 1, 2 and 4 sessions rerunning at once in
            threads of this process (filters cycling over three scopes, so mostly cache hits:
            the per-rerun overhead every viewer pays)
  cache-miss throughput  one session on the landing page, every rerun asking for a (quarter, region) pair
            it has not asked for before (the quarter changes on every rerun, the region once every quarter of
            the years offered has been asked, every eight with the benchmark's two years), for --seconds or
            until the pairs run out: reruns per second when no page cache holds the answer (reads kept per
            version of the data, Session.memo, do: a person stepping through quarters and regions has them)

What the figures leave out: the browser (network, rendering, websocket), which AppTest skips
(bench/browser.py times that).
A served app compiles each page script once per process (the Runtime's ScriptCache); AppTest makes a
new cache on every run and so compiles app.py and the page again each time (~14 ms at 1x). Here one
cache is shared between runs, as in the server; it is emptied with the other caches before a cold
render, so "cold" includes compiling.

  memory    the resident and peak memory of this process (the server: AppTest runs the app in it) after
            each size, caches full

Usage: python bench/pages.py [--quick] [--scales 1,100,1000,10000] [--repeat 5] [--keep DIR]
(10,000x is about 100 million observations in a 1.4 GB file; --keep DIR builds it once and reuses it)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, memory, store_for

ROOT = Path(__file__).resolve().parents[1]
BUDGET_RERUN_MS, BUDGET_COLD_MS = 150, 600
GOAL_MISS_RATE = 30  # reruns/s of one process when every rerun asks for a new quarter or scope
COLD_RUNS = 3  # a single cold render varies by +-30 % here (page cache, CPU frequency): median of 3


# page -> (file, how to move its main filter to choice i)
def _select_index(key: str):
    def change(at, i: int) -> None:
        widget = at.selectbox(key=key)
        widget.select_index((i + 1) % len(widget.options))  # by index: labels are formatted, values not
    return change


def _value(key: str, values: list):
    """A selectbox whose options are formatted (Q1..Q4): set by value, stepping through `values`."""
    def change(at, i: int) -> None:
        at.selectbox(key=key).set_value(values[(i + 1) % len(values)])
    return change


def _number(key: str, values: list[int]):
    def change(at, i: int) -> None:
        at.number_input(key=key).set_value(values[i % len(values)])
    return change


def _slider(key: str, values: list[int]):
    def change(at, i: int) -> None:
        at.slider(key=key).set_value(values[i % len(values)])
    return change


def _from_end(key: str):
    """A scope filter moved to its i-th option from the end (the benchmark's large scopes; never "All")."""
    def change(at, i: int) -> None:
        widget = at.selectbox(key=key)
        widget.select_index(len(widget.options) - 1 - i % (len(widget.options) - 1))
    return change


PAGES = {
    "dashboard": ("pages/dashboard.py", _from_end("filter_region_en")),
    "dashboard-department": ("pages/dashboard.py", _from_end("filter_department_en")),
    "value": ("pages/value.py", _slider("value_horizon", [3, 4, 5, 6, 7, 8, 9, 10])),
    "innovation": ("pages/innovation.py", _number("inn_days", [30, 45, 60, 90, 120, 180, 240, 365])),
    "regions": ("pages/regions.py", _value("filter_quarter_en", [1, 2, 3, 4])),  # the shared quarter filter
    "maturity": ("pages/maturity.py", _select_index("mat_checklist_unit")),
    "data": ("pages/data.py", _select_index("tf_region")),
    "export": ("pages/export.py", _from_end("filter_region_en")),
}


def _share_script_cache():
    """One bytecode cache for every AppTest run, as one served process has (see the docstring)."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    runner.ScriptCache = app_test.ScriptCache = lambda: shared
    return shared


def _keep_runtime_between_runs() -> None:
    """AppTest puts a mock Runtime in a global before each run and sets it to None after; with
    sessions in threads, one session's teardown would pull it from under another's running script
    ("Runtime hasn't been created!", a lost rerun). Keep the latest mock in place instead, as a
    served process keeps its one Runtime."""
    from streamlit.runtime import Runtime

    latest: dict = {}

    def instance(cls):
        if cls._instance is not None:
            latest["runtime"] = cls._instance
        if "runtime" not in latest:
            raise RuntimeError("Runtime hasn't been created!")
        return latest["runtime"]

    Runtime.instance = classmethod(instance)
    Runtime.exists = classmethod(lambda cls: cls._instance is not None or "runtime" in latest)


_SCRIPTS = None


def _fresh_caches() -> None:
    import streamlit as st

    from kpis.store import keep_open, keep_open_seconds

    st.cache_data.clear()
    st.cache_resource.clear()
    keep_open(0)  # closes the file's shared connection: the next run opens and checks it again
    keep_open(keep_open_seconds())
    if _SCRIPTS is not None:
        _SCRIPTS.clear()


def _app(page: str):
    """app.py, navigated to `page` (its st.navigation runs the page file, as on a served rerun)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if PAGES[page][0] != "pages/dashboard.py":
        at.switch_page(PAGES[page][0])
    return at


def measure_page(page: str, repeat: int) -> tuple[float, float]:
    """(cold ms, median rerun ms after a filter change)."""
    colds = []
    for _ in range(COLD_RUNS):
        _fresh_caches()
        at = _app(page)
        started = time.perf_counter()
        at.run()
        colds.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].message}")
    cold = statistics.median(colds)
    change = PAGES[page][1]
    times = []
    for i in range(repeat):
        change(at, i)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].message}")
    return cold * 1000, statistics.median(times) * 1000


def throughput(sessions: int, seconds: float) -> tuple[float, float]:
    """(reruns per second over all sessions, median rerun ms) for the landing page."""
    apps = [_app("dashboard") for _ in range(sessions)]
    for at in apps:
        at.run()
    change = PAGES["dashboard"][1]
    done: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    failures: list[BaseException] = []
    retries: list[int] = []

    def work(at) -> None:
        try:
            _work(at)
        except BaseException as exc:  # a session that fails would silently lower the figure
            failures.append(exc)

    def _work(at) -> None:
        i = 0
        while time.perf_counter() < stop:
            try:
                change(at, i % 3)  # three scopes: after the first round, cache hits
                started = time.perf_counter()
                at.run()
            except KeyError:
                # AppTest is not thread-safe: now and then one session's widget state goes missing
                # under another's run (a KeyError on a widget id, never in a served app). Count it,
                # give that session a fresh AppTest (untimed) and go on; the count is printed.
                with lock:
                    retries.append(1)
                at = _app("dashboard")
                at.run()
                continue
            with lock:
                done.append(time.perf_counter() - started)
            if at.exception:
                raise RuntimeError(at.exception[0].message)
            i += 1

    threads = [threading.Thread(target=work, args=(at,)) for at in apps]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"throughput with {sessions} sessions: a session failed: {failures[0]!r}")
    if retries:
        print(f"  (harness: {len(retries)} rerun(s) lost to AppTest's thread-unsafety were redone on a fresh "
              "session, not counted)")
    return len(done) / elapsed, statistics.median(done) * 1000 if done else float("nan")


def miss_throughput(seconds: float) -> tuple[float, float, int]:
    """(reruns per second, median rerun ms, reruns) of one landing-page session where every rerun asks for a
    (quarter, region) pair it has not asked for before (module caches, the store and compiled scripts are warm
    from the page runs before; the answers are not)."""
    _fresh_caches()
    at = _app("dashboard")
    at.run()
    years = [int(y) for y in at.selectbox(key="filter_year_en").options]
    regions = list(at.selectbox(key="filter_region_en").options)
    pairs = [((year, quarter), region) for region in reversed(regions) for year in years for quarter in (1, 2, 3, 4)]
    done: list[float] = []
    began = time.perf_counter()
    for (year, quarter), region in pairs[1:]:
        if time.perf_counter() - began > seconds:
            break
        at.selectbox(key="filter_year_en").set_value(year)
        at.selectbox(key="filter_quarter_en").set_value(quarter)
        at.selectbox(key="filter_region_en").set_value(region)
        started = time.perf_counter()
        at.run()
        done.append(time.perf_counter() - started)
        if at.exception:
            raise SystemExit(f"cache-miss throughput: {at.exception[0].message}")
    return len(done) / (time.perf_counter() - began), statistics.median(done) * 1000, len(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1x and 10x, 2 reruns, 2 s of throughput (CI)")
    parser.add_argument("--scales", default=None,
                        help="comma-separated multiples of the demo (1, 10, 100, 1000, 10000)")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="throughput run length per session count")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the stores in this directory")
    args = parser.parse_args()
    scales = [int(s) for s in (args.scales or ("1,10" if args.quick else "1,100,1000,10000")).split(",")]
    repeat = args.repeat or (2 if args.quick else 5)
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    pages = args.pages.split(",")

    import logging

    global _SCRIPTS
    _SCRIPTS = _share_script_cache()
    _keep_runtime_between_runs()
    os.chdir(ROOT)  # the app's .streamlit/config.toml applies, as when it is served with `make run`
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("streamlit")] + ["streamlit"]:
        logging.getLogger(name).setLevel(logging.ERROR)  # Streamlit sets its loggers' levels one by one
    print(f"machine: {machine()}")
    workdir = tempfile.TemporaryDirectory()
    worst = {"rerun": 0.0, "cold": 0.0}
    os.environ["KPIS_DB"] = str(store_for(1, args.keep, Path(workdir.name)))
    for page in pages:  # imports happen once per server process: done here, before any timing
        _app(page).run()
    for scale in scales:
        os.environ["KPIS_DB"] = str(store_for(scale, args.keep, Path(workdir.name)))
        print(f"\n{scale}x the demo: page, cold first render, median rerun after a filter change (of {repeat})")
        for page in pages:
            cold, rerun = measure_page(page, repeat)
            flag = "" if rerun <= BUDGET_RERUN_MS and cold <= BUDGET_COLD_MS else "  over budget"
            print(f"  {page:<11} cold {cold:8.1f} ms   rerun {rerun:8.1f} ms{flag}")
            if scale == max(scales):
                worst = {"rerun": max(worst["rerun"], rerun), "cold": max(worst["cold"], cold)}
        print(f"  landing-page throughput ({seconds:.0f} s per row)")
        for sessions in (1, 2, 4):
            rate, median = throughput(sessions, seconds)
            print(f"  {sessions} session(s): {rate:6.1f} reruns/s, median rerun {median:7.1f} ms")
        rate, median, count = miss_throughput(seconds)
        flag = "" if rate >= GOAL_MISS_RATE else f"  (goal {GOAL_MISS_RATE}/s)"
        print(f"  cache misses, 1 session, a new (quarter, region) every rerun: {rate:6.1f} reruns/s, "
              f"median rerun {median:7.1f} ms over {count} reruns{flag}")
        now, peak = memory()
        print(f"  server process memory: {now:,.0f} MiB resident now, {peak:,.0f} MiB peak so far")
    print(f"\nat {max(scales)}x: slowest rerun {worst['rerun']:.1f} ms (budget {BUDGET_RERUN_MS}), "
          f"slowest cold render {worst['cold']:.1f} ms (budget {BUDGET_COLD_MS})")


if __name__ == "__main__":
    main()
