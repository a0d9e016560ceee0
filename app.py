"""AI Scaling KPI Dashboard: page config, language, navigation."""

from __future__ import annotations

import streamlit as st

from kpis.errors import KpiError
from kpis.i18n import t
from kpis_app.state import get_store
from kpis_app.widgets import inject_css, language_selector

st.set_page_config(page_title="AI Scaling KPI Dashboard", page_icon="📈", layout="wide")
inject_css()
lang = language_selector()
st.session_state["lang_value"] = lang

try:
    get_store()
except KpiError as exc:
    st.error(f"{t('error.title', lang)}: {exc}")
    st.stop()

pages = [
    st.Page("pages/dashboard.py", title=t("nav.dashboard", lang), icon="📊", default=True, url_path="dashboard"),
]
st.navigation(pages).run()
