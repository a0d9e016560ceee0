"""Targets & data (CoE leads): forms, import with preview, audit log, board snapshots."""

from __future__ import annotations

import streamlit as st

from kpis.i18n import t
from kpis.maturity.readiness import ORGANISATION
from kpis_app.boot import page_actor, page_language
from kpis_app.data_forms import (
    actual_form,
    checkin_form,
    fx_form,
    maturity_forms,
    money_forms,
    show_flash,
    target_form,
    use_case_form,
)
from kpis_app.data_tabs import audit_tab, import_tab, quarters_tab, reference_tab
from kpis_app.state import cached_use_cases, data_overview, get_catalog, get_store, store_key, value_options

lang = page_language()
actor = page_actor()
store, catalog = get_store(), get_catalog()
overview = data_overview(*store_key())

st.title(t("data.heading", lang))
show_flash()
if not actor.can("editor"):
    st.info(t("data.viewer_note", lang))

# Only the open tab runs (st.tabs with on_change="rerun"): eleven tabs of forms, tables and queries on
# every rerun cost ~140 ms at 1000x the demo; the open one costs a fraction (bench/pages.py)
NAMES = ("targets", "actuals", "checkins", "value", "maturity", "use_cases", "fx", "reference", "import", "audit",
         "quarters")
RENDER = {
    "targets": lambda: target_form(store, catalog, actor, overview, lang),
    "actuals": lambda: actual_form(store, catalog, actor, overview, lang),
    "checkins": lambda: checkin_form(store, catalog, actor, overview, lang),
    "value": lambda: money_forms(store, actor, value_options()["programs"], lang),
    "maturity": lambda: maturity_forms(store, actor, [ORGANISATION, *overview["regions"]], lang),
    "use_cases": lambda: use_case_form(store, actor, cached_use_cases(), overview, lang),
    "fx": lambda: fx_form(store, actor, lang),
    "reference": lambda: reference_tab(store, actor, overview, lang),
    "import": lambda: import_tab(store, catalog, actor, lang),
    "audit": lambda: audit_tab(store, catalog, lang),
    "quarters": lambda: quarters_tab(store, actor, lang),
}
for name, tab in zip(NAMES, st.tabs([t(f"data.tab_{name}", lang) for name in NAMES], key="data_tab",
                                    on_change="rerun")):
    if tab.open:
        with tab:
            RENDER[name]()
