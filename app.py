"""AI Scaling KPI Dashboard: page config, who the user is, language, navigation."""

from __future__ import annotations

import logging
import os

import streamlit as st

from kpis.errors import KpiError
from kpis.i18n import t
from kpis_app.boot import finish, setup

lang = setup()
pages = [
    st.Page("pages/dashboard.py", title=t("nav.dashboard", lang), icon=":material/dashboard:", default=True),
    st.Page("pages/value.py", title=t("nav.value", lang), icon=":material/savings:", url_path="value"),
    st.Page("pages/innovation.py", title=t("nav.innovation", lang), icon=":material/lightbulb:",
            url_path="innovation"),
    st.Page("pages/regions.py", title=t("nav.regions", lang), icon=":material/public:", url_path="regions"),
    st.Page("pages/maturity.py", title=t("nav.maturity", lang), icon=":material/radar:", url_path="maturity"),
    st.Page("pages/export.py", title=t("nav.export", lang), icon=":material/download:", url_path="export"),
    st.Page("pages/data.py", title=t("nav.data", lang), icon=":material/edit_note:", url_path="data"),
]
try:
    st.navigation(pages, position="top").run()
except KpiError as exc:  # a problem the user can fix: say what it is
    st.error(f"{t('error.title', lang)}: {exc.localized(lang)}")
except Exception:  # never a raw traceback on screen; the server log keeps the details
    if os.environ.get("KPIS_DEBUG"):  # tests and developers see the real exception
        raise
    logging.getLogger("kpis").exception("page failed")
    st.error(t("error.unexpected", lang))
finally:
    finish()
