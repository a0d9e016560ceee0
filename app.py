"""AI Scaling KPI Dashboard: page config, language, navigation."""

from __future__ import annotations

import streamlit as st

from kpis.i18n import t
from kpis_app.boot import finish, setup

lang = setup()
pages = [
    st.Page("pages/dashboard.py", title=t("nav.dashboard", lang), icon=":material/dashboard:", default=True),
    st.Page("pages/value.py", title=t("nav.value", lang), icon=":material/savings:", url_path="value"),
    st.Page("pages/data.py", title=t("nav.data", lang), icon=":material/edit_note:", url_path="data"),
]
try:
    st.navigation(pages, position="top").run()
finally:
    finish()
