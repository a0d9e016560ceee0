"""Set up a run: page config, house CSS, language, the store. Idempotent within a run.

app.py calls `setup()` and then runs the selected page. Streamlit still honours the legacy
`pages/` folder on the very first request a fresh server gets: a deep link such as `/value`
then runs the page file without app.py, so every page starts with `page_language()`, which
runs app.py itself when app.py did not run.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from kpis.errors import KpiError
from kpis.i18n import t
from kpis.roles import Actor
from kpis_app.auth import current_actor, user_sidebar
from kpis_app.state import reporting_currency, save_language, saved_language
from kpis_app.widgets import currency_selector, inject_css, language_selector, page_language_script

_DONE = "_kpis_setup_done"
FAVICON = Path(__file__).resolve().parents[2] / "static" / "favicon.png"


def setup() -> str:
    """Configure the page and return the language; stops the run with a message if the store
    cannot be opened."""
    # a local file: a Material icon as favicon is fetched from an outside font host (fails offline)
    st.set_page_config(page_title="AI Scaling KPI Dashboard", page_icon=str(FAVICON), layout="wide")
    inject_css()
    actor = current_actor()
    try:
        saved = saved_language(actor.name)
    except KpiError as exc:
        st.error(f"{t('error.title', 'en')}: {exc}")
        st.stop()
    lang = language_selector(saved)
    # only a person's own choice is remembered: a first visit, or a viewer without a name, writes nothing
    if lang != (saved or "en") and actor.name != "anonymous":
        save_language(actor.name, lang)
    st.session_state["lang_value"] = lang
    page_language_script(lang)
    st.session_state["currency"] = currency_selector(lang, reporting_currency())
    st.session_state["actor"] = user_sidebar(lang)
    st.session_state[_DONE] = True
    return lang


def finish() -> None:
    """Mark the end of an app.py run (the next run starts without setup)."""
    st.session_state.pop(_DONE, None)
    settle_memory()


_FROZEN_MODULES = 0


def settle_memory() -> None:
    """Move what the process has built so far (modules, compiled pages, cached reports) out of the garbage
    collector's sight (gc.freeze), after the first run and after any run that imported new modules: the
    collector's full passes then walk only what later reruns make, so they no longer stall a rerun by 75-150 ms
    (bench/pages.py, "tail"). KPIS_GC_FREEZE=0 turns this off (for comparison)."""
    import gc
    import os
    import sys

    global _FROZEN_MODULES
    if os.environ.get("KPIS_GC_FREEZE") == "0" or len(sys.modules) <= _FROZEN_MODULES:
        return
    _FROZEN_MODULES = len(sys.modules)
    gc.collect()
    gc.freeze()


APP = Path(__file__).resolve().parents[2] / "app.py"


def page_language() -> str:
    """The language of this run. A page run without app.py (a deep link on a fresh server) runs app.py instead
    and stops: app.py draws the navigation, the sidebar and the house style, then runs this page through
    st.navigation, which also makes every later rerun of the session go through app.py. (Setting up here
    instead left the page without navigation, and its next rerun without sidebar and style.)"""
    if not st.session_state.get(_DONE):
        if _served_by_app():
            import runpy

            runpy.run_path(str(APP), run_name="__main__")
            st.stop()
        return setup()  # the page is the main script itself (a test running one page): set up, no navigation
    return st.session_state.get("lang_value", "en")


def _served_by_app() -> bool:
    """The server's main script is app.py (this page was reached by a deep link, not run on its own). Streamlit's
    AppTest (`switch_page`) also runs a page without app.py; there the page sets itself up, as the tests expect."""
    import sys

    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return (ctx is not None and Path(ctx.main_script_path).resolve() == APP
            and "streamlit.testing.v1.app_test" not in sys.modules)


def page_currency() -> str:
    """The reporting currency chosen for this run (after `page_language()`)."""
    return st.session_state.get("currency", "MXN")


def page_actor() -> Actor:
    """Who is using this run (after `page_language()`)."""
    return st.session_state["actor"]
