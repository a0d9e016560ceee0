"""Targets & data (CoE leads): forms, import with preview, audit log, board snapshots."""

from __future__ import annotations

import streamlit as st

from kpis.i18n import t
from kpis.readiness import ORGANISATION
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

tabs = st.tabs([t(f"data.tab_{name}", lang) for name in ("targets", "actuals", "checkins", "value", "maturity",
                                                            "use_cases", "fx", "reference", "import", "audit",
                                                            "quarters")])
with tabs[0]:
    target_form(store, catalog, actor, overview, lang)
with tabs[1]:
    actual_form(store, catalog, actor, overview, lang)
with tabs[2]:
    checkin_form(store, catalog, actor, overview, lang)
with tabs[3]:
    money_forms(store, actor, value_options()["programs"], lang)
with tabs[4]:
    maturity_forms(store, actor, [ORGANISATION, *overview["regions"]], lang)
with tabs[5]:
    use_case_form(store, actor, cached_use_cases(), overview, lang)
with tabs[6]:
    fx_form(store, actor, lang)
with tabs[7]:
    reference_tab(store, actor, overview, lang)
with tabs[8]:
    import_tab(store, catalog, actor, lang)
with tabs[9]:
    audit_tab(store, catalog, lang)
with tabs[10]:
    quarters_tab(store, actor, lang)
