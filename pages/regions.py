"""Regions & compliance: go-live timeline, per-region KPIs, the localisation and regulation table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpis.errors import KpiError
from kpis.escaping import markdown_text
from kpis.export.charts import region_latency_figure
from kpis.formatting import format_day, format_value
from kpis.i18n import t, tn
from kpis.reference.names import label
from kpis.reference.regions import REGION_COLUMNS, regulation_table, save_region
from kpis.report import status_word
from kpis.status import STATUS_ICONS
from kpis_app.boot import page_actor, page_currency, page_language
from kpis_app.state import cached_regions_view, cached_report, data_overview, get_catalog, get_store, store_key
from kpis_app.widgets import message, quarter_filters, show_chart, table_html

lang = page_language()
actor = page_actor()
catalog = get_catalog()
st.title(t("regions.heading", lang))
overview = data_overview(*store_key())
if not overview["quarters"]:
    st.info(t("dash.no_data_anywhere", lang))
    st.stop()
year, quarter, _, _ = quarter_filters(lang, overview, scope=False)  # every region, side by side
try:
    report = cached_report(year, quarter, currency=page_currency())
except KpiError as exc:  # a missing FX rate: the named error
    st.error(message(exc, lang))
    st.stop()
view = cached_regions_view()
# live by the report's cut-off: a region that went live later is not live in this quarter's report
live = {name: day for name, day in view["first"].items() if day is not None and day <= report.cutoff}

st.subheader(t("regions.timeline", lang))
names = sorted(report.regions, key=lambda r: live.get(r) or pd.Timestamp.max.date())
cols = st.columns(len(names) or 1)
for column, name in zip(cols, names):
    first = live.get(name)
    column.metric(markdown_text(label("region", name, lang, overview["spanish"])),
                  format_day(first, lang) if first else t("regions.not_live", lang),
                  help=t("regions.live_since", lang))

st.subheader(f"{t('regions.kpis', lang)} · {report.when(lang)}")
shown = ("new_users", "adoption_rate_pct", "availability_pct", "api_latency_p95_ms", "transactions_per_day")
rows = []
for name in names:
    grid = report.regions[name]
    row = {t("filter.region", lang): label("region", name, lang, overview["spanish"])}
    for kpi_id in shown:
        cell = grid.cell(kpi_id, year, quarter)
        row[catalog.get(kpi_id).name(lang)] = (f"{format_value(cell.actual, cell.kpi, lang)} "
                                               f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}")
    rows.append(row)
if rows:  # a static table wraps the KPI names, so no column is cut at 1366 px
    frame = pd.DataFrame(rows)
    st.markdown(table_html(frame.set_index(frame.columns[0])), unsafe_allow_html=True)
latency = [(label("region", name, lang, overview["spanish"]),
            report.regions[name].cell("api_latency_p95_ms", year, quarter).actual) for name in names]
show_chart(region_latency_figure(latency, 100, lang), lang)
if view["from_logs"]:
    st.caption(t("regions.from_logs", lang))

st.subheader(t("regions.table", lang))
table = view["regions"]
if not table.empty:
    texts = regulation_table(table, lang)
    date_formats = texts["date_format"].str.replace("YYYY", "AAAA") if lang == "es" else texts["date_format"]
    display = pd.DataFrame({
        t("filter.region", lang): [label("region", n, lang, overview["spanish"]) for n in table["name"]],
        **{t(f"regions.col.{c}", lang): texts[c] for c in ("language", "currency")},
        t("regions.col.date_format", lang): date_formats,
        **{t(f"regions.col.{c}", lang): texts[c] for c in ("regulators", "ai_rules", "residency", "validation")},
        t("regions.residency_flag", lang): ["⚑ " + t("status.yes", lang) if v else "—"
                                            for v in table["residency_required"]],
        t("regions.validation_flag", lang): ["⚑ " + t("status.yes", lang) if v else "—"
                                             for v in table["validation_required"]],
    })
    # a static table wraps long texts, so nothing is cut at any width (a data grid would truncate)
    st.markdown(table_html(display.set_index(display.columns[0])), unsafe_allow_html=True)
if actor.can("admin"):
    with st.expander(t("regions.edit", lang)), st.form("region_form"):
        current = table.set_index("name").to_dict("index") if not table.empty else {}
        name = st.selectbox(t("filter.region", lang), sorted(set(current) | set(names)), accept_new_options=True)
        base = current.get(name, {})
        values = {c: st.text_input(t(f"regions.col.{c}", lang), value=str(base.get(c, "") or ""))
                  for c in REGION_COLUMNS if not c.endswith("_required")}
        values["residency_required"] = st.checkbox(t("regions.residency_flag", lang),
                                                   value=bool(base.get("residency_required", False)))
        values["validation_required"] = st.checkbox(t("regions.validation_flag", lang),
                                                    value=bool(base.get("validation_required", False)))
        if st.form_submit_button(t("data.save", lang)):
            try:
                save_region(get_store(), actor, name, values)
            except KpiError as exc:
                st.error(message(exc, lang))
            else:
                st.success(tn("data.saved_rows", 1, lang, n=1))
