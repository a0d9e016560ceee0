"""Export (analysts): quarter, scope, language, sections -> board pack, chart files, table files."""

from __future__ import annotations

import streamlit as st

from kpis.export.deck import SECTIONS, libreoffice
from kpis.export.images import FORMATS, chrome_path
from kpis.i18n import t
from kpis.reference.names import scope_label
from kpis.scorecard import Scope
from kpis_app.boot import page_actor, page_language
from kpis_app.data_forms import show_flash
from kpis_app.exports import chart_choices, chart_file, deck_file, deck_pdf_file, table_choices, table_file
from kpis_app.notify_view import render_subscriptions
from kpis_app.state import data_overview, get_store, store_key
from kpis_app.widgets import quarter_filters

lang = page_language()
st.title(t("export.heading", lang))
show_flash()
overview = data_overview(*store_key())
if not overview["quarters"]:
    st.info(t("dash.no_data_anywhere", lang))
    st.stop()

year, quarter, region, department = quarter_filters(lang, overview)  # the quarter being looked at
st.caption(t("export.scope_note", lang, quarter=f"{year}-Q{quarter}", scope=scope_label(
    region, department, lang, overview["spanish"])))
columns = st.columns(5)
deck_lang = columns[0].selectbox(t("export.language", lang), ["en", "es"], key="ex_lang",
                                 index=["en", "es"].index(lang), format_func={"en": "English", "es": "Español"}.get)
scope = Scope(region, department)
name = f"{year}-Q{quarter}" + (f"-{region}" if region else "") + (f"-{department}" if department else "")

st.subheader(t("export.deck", lang))
sections = st.multiselect(t("export.sections", lang), SECTIONS, default=list(SECTIONS), key="ex_sections",
                          format_func=lambda s: t(f"deck.section.{s}", lang))
st.caption(t("export.deck_help", lang))
left, right = st.columns(2)
left.download_button(t("export.download_deck", lang), data=lambda: deck_file(year, quarter, scope, deck_lang, sections),
                     file_name=f"board-pack-{name}-{deck_lang}.pptx", type="primary", key="ex_deck",
                     mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
if libreoffice():
    right.download_button(t("export.download_pdf", lang),
                          data=lambda: deck_pdf_file(year, quarter, scope, deck_lang, sections),
                          file_name=f"board-pack-{name}-{deck_lang}.pdf", mime="application/pdf", key="ex_pdf")
else:
    right.caption(t("export.no_libreoffice", lang))

st.subheader(t("export.charts", lang))
if chrome_path() is None:
    st.warning(t("export.no_chrome", lang))
else:
    choices = chart_choices(deck_lang)
    columns = st.columns([4, 1, 2])
    chart_id = columns[0].selectbox(t("export.chart", lang), list(choices), format_func=choices.get, key="ex_chart")
    fmt = columns[1].selectbox(t("export.format", lang), FORMATS, key="ex_chart_format")
    columns[2].download_button(t("export.download_chart", lang), key="ex_chart_download",
                               data=lambda: chart_file(chart_id, fmt, year, quarter, scope, deck_lang),
                               file_name=f"{chart_id}-{name}.{fmt}",
                               mime={"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}[fmt])

st.subheader(t("export.tables", lang))
choices = table_choices(deck_lang)
columns = st.columns([4, 1, 2])
table_id = columns[0].selectbox(t("export.table", lang), list(choices), format_func=choices.get, key="ex_table")
table_fmt = columns[1].selectbox(t("export.format", lang), ["csv", "xlsx"], key="ex_table_format")
columns[2].download_button(t("export.download_table", lang), key="ex_table_download",
                           data=lambda: table_file(table_id, table_fmt, year, quarter, scope, deck_lang),
                           file_name=f"{table_id}-{name}.{table_fmt}")

render_subscriptions(get_store(), page_actor(), overview, lang)
