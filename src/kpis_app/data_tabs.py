"""Import, audit log and board-snapshot tabs of the Targets & data page."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from kpis.catalog import Catalog
from kpis.editing.forms import freeze_quarter, frozen_quarters
from kpis.editing.imports import (
    SUPPORTED_KINDS,
    Parsed,
    Row,
    parse_rows,
    preview,
    preview_page,
    read_table,
    reference_context,
    rejected_rows,
    write_parsed,
)
from kpis.errors import KpiError
from kpis.escaping import markdown_text
from kpis.export.tables import to_csv_bytes
from kpis.formatting import format_day, format_number
from kpis.i18n import t, tn
from kpis.reference.names import KINDS, add_reference, rename, set_program_start
from kpis.roles import Actor
from kpis.store import Store
from kpis_app.data_forms import flash
from kpis_app.state import cached_audit
from kpis_app.widgets import message, table_html

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile


def import_tab(store: Store, catalog: Catalog, actor: Actor, lang: str) -> None:
    """Upload, preview with every bad row marked, then commit all rows or none (editors and admins
    only: a viewer never gets an upload box, so a file from a viewer is never read)."""
    if not actor.can("editor"):
        st.info(t("data.import_editors_only", lang))
        return
    kind = st.selectbox(t("data.import_kind", lang), SUPPORTED_KINDS, key="imp_kind",
                        format_func=lambda k: t(f"kind.{k}", lang))
    _templates(kind, lang)
    upload = st.file_uploader(t("data.import_file", lang), type=["csv", "xlsx", "parquet"], key="imp_file")
    if upload is None:
        return
    read = _read_upload(store, catalog, kind, upload, lang)
    if read is None:
        return
    names, rows, parsed, unconfirmed = read
    bad = _show_preview(kind, names, rows, parsed, lang)
    count = len(parsed.frame)
    if st.button(tn("data.import_commit", count, lang, total=format_number(count, lang)), type="primary",
                 key="imp_commit",
                 disabled=bool(parsed.errors) or bad > 0 or unconfirmed or not actor.can("editor")):
        try:
            written = write_parsed(store, parsed, actor=actor, channel="import")
        except KpiError as exc:
            st.error(message(exc, lang))
        else:
            st.success(t("data.import_done", lang, written=written, total=len(parsed.frame)))


def _templates(kind: str, lang: str) -> None:
    """The kind's template (CSV and XLSX, headers in the reader's language with each column's id in brackets)
    beside the uploader, and what each column holds."""
    from kpis.editing.templates import template_bytes, template_columns

    st.caption(t("data.import_help", lang))
    with st.container(horizontal=True):
        for fmt, mime in (("csv", "text/csv"),
                          ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
            st.download_button(t(f"template.{fmt}", lang), data=lambda fmt=fmt: template_bytes(kind, fmt, lang),
                               file_name=f"{t(f'kind.{kind}', lang)} - {t('template.' + fmt, lang)}.{fmt}"
                               .replace("/", "-"), mime=mime, icon=":material/download:", key=f"imp_template_{fmt}",
                               width="content")
    with st.expander(t("template.columns_of", lang)):
        st.markdown(table_html(pd.DataFrame(template_columns(kind, lang))
                               .drop(columns=["id"]).set_index("header")
                               .rename_axis(t("template.column", lang))
                               .rename(columns={"meaning": t("template.meaning", lang),
                                                "required": t("template.needed", lang),
                                                "example": t("template.example", lang)})),
                    unsafe_allow_html=True)


def _confirm_new_names(parsed: Parsed, reference, lang: str) -> bool:
    """Each new name on its own line with the closest existing name ('Mexcio' beside 'Mexico'), confirmed one by
    one. True while any is not confirmed (the import then waits)."""
    from kpis.reference.names import closest

    waiting = False
    for name_kind, new in parsed.missing.items():
        kind_word = t(f"reference.{name_kind}", lang)
        st.info(t("data.import_new_names", lang, kind=kind_word, names=markdown_text(", ".join(new))),
                icon=":material/add_circle:")
        for name in new:
            near = closest(name, reference.of(name_kind))
            text = (t("data.confirm_new_near", lang, name=markdown_text(name), near=markdown_text(near))
                    if near else t("data.confirm_new", lang, name=markdown_text(name)))
            if not st.checkbox(text, key=f"imp_confirm::{name_kind}::{name}"):
                waiting = True
    if waiting:
        st.warning(t("data.confirm_each", lang), icon=":material/help:")
    return waiting


def _read_upload(store: Store, catalog: Catalog, kind: str, upload: UploadedFile,
                 lang: str) -> tuple[list[str], list[Row], Parsed, bool] | None:
    """The uploaded file's rows, parsed; new reference names only when the user ticks the box and confirms
    each name (the last value: some name still waits for its confirmation).
    None (with the error shown) when the file cannot be read."""
    try:  # the browser's file-type filter is a convenience; the server checks size and content
        names, rows = read_table(upload.getvalue(), upload.name)
        reference, derived = reference_context(store)
        parsed = parse_rows(kind, names, rows, catalog, reference, False, derived)
    except KpiError as exc:
        st.error(message(exc, lang))
        return None
    # adding new names is explicit: the preview lists them and the user confirms
    unknown_names = any(getattr(e.reason, "key", "").startswith("unknown_name") for e in parsed.errors)
    waiting = False
    if unknown_names and st.checkbox(t("data.import_create_missing", lang), key="imp_create"):
        parsed = parse_rows(kind, names, rows, catalog, reference, True, derived)
        waiting = _confirm_new_names(parsed, reference, lang)
    return names, rows, parsed, waiting


def _show_preview(kind: str, names: list[str], rows: list[Row], parsed: Parsed, lang: str) -> int:
    """The verdict on the file and its rows with every bad one marked (the first ones when there are
    too many to show, and all of them as a download). Returns how many rows are bad."""
    table = preview(names, rows, parsed, lang)
    bad = int((table["problem"].fillna("") != "").sum()) + sum(1 for e in parsed.errors if e.line == 1)
    if parsed.errors:
        st.error(t("data.import_bad", lang, bad=len(parsed.errors), total=len(rows)))
        for error in [e for e in parsed.errors if e.line == 1]:
            st.error(error.text(lang))
    else:
        st.success(tn("data.import_ok", len(rows), lang, total=format_number(len(rows), lang)))
    shown = preview_page(table)
    rejected = rejected_rows(table)
    shown_bad = int((shown["problem"].fillna("") != "").sum())
    if shown_bad < len(rejected):  # too many to show: the first ones here, every one in the file
        st.warning(t("data.import_bad_shown", lang, shown=shown_bad, bad=len(rejected)),
                   icon=":material/download:")
        st.download_button(t("data.import_bad_download", lang, bad=len(rejected)),
                           lambda: to_csv_bytes(rejected), file_name=f"rejected-{kind}.csv", mime="text/csv",
                           key="imp_rejected")
    elif len(shown) < len(table):
        st.caption(t("data.import_preview_page", lang, shown=len(shown), total=len(table)))
    # the file's own column names stay as written (they are what the user typed); ours are translated
    st.dataframe(shown.style.apply(lambda r: ["background-color: #FBE3D6" if r["problem"] else "" for _ in r],
                                   axis=1), hide_index=True, width="stretch",
                 column_config={"line": st.column_config.NumberColumn(t("data.preview_line", lang), format="%d"),
                                "problem": st.column_config.TextColumn(t("data.preview_problem", lang))})
    return bad


AUDIT_PAGE = 100  # rows on the page


def audit_tab(store: Store, catalog: Catalog, lang: str) -> None:
    """Every write with who, when, what, old and new, why; filters; spreadsheet-safe CSV."""
    with store.session() as session:
        people = [r[0] for r in session.con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()]
        first = session.scalar("SELECT min(logged_at) FROM audit_log")
    columns = st.columns(3)
    actor = columns[0].selectbox(t("audit.person", lang), [None, *people], key="audit_person",
                                 format_func=lambda p: p or t("audit.anyone", lang))
    kpi_id = columns[1].selectbox(t("table.kpi", lang), [None, *catalog.ids], key="audit_kpi",
                                  format_func=lambda k: catalog.get(k).name(lang) if k else t("audit.any_kpi", lang))
    today = datetime.now().date()
    span = columns[2].date_input(t("audit.dates", lang), value=((first or datetime.now()).date(), today),
                                 key="audit_dates")
    since, until = (span if isinstance(span, tuple) and len(span) == 2 else (span, span)) if span else (None, None)
    frame, shown = cached_audit(actor, kpi_id, datetime.combine(since, time.min) if since else None,
                                datetime.combine(until, time.max) if until else None, lang)
    st.caption(tn("audit.count", len(frame), lang, n=format_number(len(frame), lang)) + (
        " " + t("audit.latest", lang, n=format_number(min(len(shown), AUDIT_PAGE), lang))
        if min(len(shown), AUDIT_PAGE) < len(frame) else ""))
    # a wrapping table: every column readable without scrolling sideways at 1366 (and no scroll box, which a
    # keyboard cannot reach); the newest AUDIT_PAGE rows, the CSV has them all
    page = shown.head(AUDIT_PAGE)
    st.markdown(table_html(page.set_index(page.columns[0])), unsafe_allow_html=True)
    # the file keeps the stored values (ids, JSON) for machines; built only when clicked
    st.download_button(t("audit.download", lang), lambda: to_csv_bytes(frame.drop(columns=["audit_id"])),
                       file_name="audit_log.csv", mime="text/csv", key="audit_download")


def quarters_tab(store: Store, actor: Actor, lang: str) -> None:
    """Frozen (board-approved) quarters; admins freeze a quarter."""
    with store.session() as session:
        frozen = frozen_quarters(session)
    if frozen:
        st.dataframe(pd.DataFrame([
            {t("filter.quarter", lang): f"{y}-Q{q}", t("audit.who", lang): r["frozen_by"],
             t("audit.when", lang): r["frozen_at"], t("data.note", lang): r["note"]}
            for (y, q), r in frozen.items()]), hide_index=True, width="stretch")
    else:
        st.caption(t("data.none_frozen", lang))
    if not actor.can("admin"):
        st.caption(t("data.freeze_admin_only", lang))
        return
    with st.form("freeze_form"):
        columns = st.columns([1, 1, 3])
        year = columns[0].number_input(t("filter.year", lang), 2000, 2100, datetime.now().year)
        quarter = columns[1].selectbox(t("filter.quarter", lang), [1, 2, 3, 4], format_func=lambda q: f"Q{q}")
        note = columns[2].text_input(t("data.note", lang))
        if st.form_submit_button(t("data.freeze", lang)):
            try:
                freeze_quarter(store, actor, int(year), quarter, note or None)
            except KpiError as exc:
                st.error(message(exc, lang))
            else:  # rerun: the list of frozen quarters above shows the new one at once
                flash(t("data.frozen_ok", lang, quarter=f"{int(year)}-Q{quarter}"))
                st.rerun()


def reference_tab(store: Store, actor: Actor, overview: dict, lang: str) -> None:
    """Regions, departments and programs the store knows; admins add, rename or merge them (audited),
    editors set a program's start date (program year 1 begins on it)."""
    kind = st.segmented_control(t("reference.kind", lang), list(KINDS), default="region", key="ref_kind",
                                format_func=lambda k: t(f"reference.{k}s", lang)) or "region"
    known = overview[f"{kind}s"]
    rows = [{t("reference.name", lang): name} | (
        {t("reference.started", lang): format_day(overview["program_starts"].get(name), lang)} if kind == "program"
        else {}) for name in known]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if kind == "program" and known and actor.can("editor"):
        with st.form("program_start_form"):
            columns = st.columns(2)
            program = columns[0].selectbox(t("reference.program", lang), known, key="ref_program")
            started = columns[1].date_input(t("reference.started", lang),
                                            value=overview["program_starts"].get(program), key="ref_started")
            if st.form_submit_button(t("data.save", lang)):
                _saved(lambda: set_program_start(store, actor, program, started), lang)
    if not actor.can("admin"):
        st.caption(t("reference.admin_only", lang))
        return
    with st.form("reference_add_form"):
        name = st.text_input(t("reference.new_name", lang), key="ref_new")
        if st.form_submit_button(t("reference.add", lang)):
            _saved(lambda: add_reference(store, actor, kind, name), lang)
    if known:
        with st.form("reference_rename_form"):
            columns = st.columns(2)
            old = columns[0].selectbox(t("reference.rename_from", lang), known, key="ref_old")
            new = columns[1].text_input(t("reference.rename_to", lang), key="ref_to")
            st.caption(t("reference.rename_help", lang))
            if st.form_submit_button(t("reference.rename", lang)):
                _saved(lambda: rename(store, actor, kind, old, new), lang)


def _saved(action, lang: str) -> None:
    try:
        action()
    except KpiError as exc:
        st.error(message(exc, lang))
    else:
        flash(tn("data.saved_rows", 1, lang, n=1))
        st.rerun()
