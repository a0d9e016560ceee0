"""Forms of the Targets & data page: each remembers the version it loaded and never loses input."""

from __future__ import annotations

from collections.abc import Callable

import pydantic
import streamlit as st

from kpis.catalog import Catalog, Kpi
from kpis.editing.forms import (
    Change,
    current_observation,
    current_target,
    delete_actual,
    record_actual,
    save_investment,
    save_value_stream,
    set_target,
)
from kpis.editing.reasons import reason_of
from kpis.errors import ConflictError, KpiError, Reason, ValidationError, localize
from kpis.escaping import markdown_text
from kpis.formatting import format_day, format_number, format_value
from kpis.i18n import t, tn
from kpis.periods import today
from kpis.records import InvestmentRecord, ObservationRecord, TargetRecord, ValueRecord
from kpis.reference.names import actor_label, label, reason_label, scope_label
from kpis.roles import Actor
from kpis.store import Store
from kpis.value.projection import STREAMS
from kpis_app.widgets import message

FIELD_ERRORS = "_field_errors"


def _field_errors(exc: Exception, lang: str) -> dict[str, str]:
    """Field name -> message, from a pydantic error or our ValidationError rows ('field: reason');
    a library message with a translation key is shown in the user's language."""
    if isinstance(exc, pydantic.ValidationError):
        return {str(e["loc"][0]) if e["loc"] else "form": localize(reason_of(e), lang) for e in exc.errors()}
    if isinstance(exc, ValidationError) and exc.rows:
        found = {}
        for row in exc.rows:
            reason = row.reason
            if isinstance(reason, Reason) and reason.key == "field":
                found[str(reason.params["field"])] = (exc.localized(lang) if exc.key
                                                      else localize(reason.params["reason"], lang))
            else:
                found["form"] = exc.localized(lang) if exc.key else localize(reason, lang)
        return found
    return {"form": message(exc, lang)}


def _show_field_error(errors: dict[str, str], field: str) -> None:
    if field in errors:
        st.error(errors[field], icon=":material/error:")


def _confirm(change: Change, kpi_unit, lang: str, what: str) -> None:
    """Say what was saved (in words: the KPI's name, quarter and scope, old -> new in its unit), then
    rerun so every line above the form (the target in force, the stored actual) shows the new state."""
    old = t("data.nothing", lang) if change.old is None else kpi_unit(change.old)
    new = t("data.deleted", lang) if change.new is None else kpi_unit(change.new)
    note = f" ({t('data.restatement', lang)})" if change.restatement else ""
    flash(t("data.saved", lang, key=markdown_text(what), old=old, new=new) + note)
    st.rerun()


def flash(text: str) -> None:
    """A confirmation shown once, at the top of the next run (after the rerun that refreshes the page)."""
    st.session_state["data_flash"] = text


def show_flash() -> None:
    text = st.session_state.pop("data_flash", None)
    if text:
        st.success(text, icon=":material/check_circle:")


def _input_format(kpi) -> str:
    """Values as people write them: whole numbers for counts, the digits a KPI is read with otherwise."""
    if kpi.unit in ("count", "ms"):
        return "%.0f"
    if kpi.unit == "percent":
        return "%.3f" if kpi.error_budget else "%.1f"
    if kpi.unit == "currency" and kpi.lower_is_better:
        return "%.4f"
    return "%.2f"


def _what(kpi, lang: str, when: str, region: str | None, department: str | None, overview: dict) -> str:
    return " · ".join([kpi.name(lang), when, scope_label(region, department, lang, overview["spanish"])])


def _kept_select(container, text: str, options: list, key: str, default=None, **kwargs):
    """A selectbox that keeps its choice when the reader leaves the page and comes back (Streamlit drops a
    widget's state once a run does not draw it): the choice is copied to the session under another key."""
    kept = st.session_state.get(f"_kept_{key}", default)
    index = options.index(kept) if kept in options else options.index(default) if default in options else 0
    value = container.selectbox(text, options, index=index, key=key, **kwargs)
    st.session_state[f"_kept_{key}"] = value
    return value


def _this_quarter() -> int:
    return (today().month - 1) // 3 + 1


def _scope_pickers(prefix: str, overview: dict, lang: str, columns) -> tuple[str | None, str | None]:
    region = _kept_select(columns[0], t("filter.region", lang), [None, *overview["regions"]], f"{prefix}_region",
                          format_func=lambda r: label("region", r, lang, overview["spanish"])
                          or t("filter.all_regions", lang))
    department = _kept_select(columns[1], t("filter.department", lang), [None, *overview["departments"]],
                              f"{prefix}_department",
                              format_func=lambda d: label("department", d, lang, overview["spanish"])
                              or t("filter.all_departments", lang))
    return region, department


def target_form(store: Store, catalog: Catalog, actor: Actor, overview: dict, lang: str) -> None:
    """Set or change a quarter target; a reason is required once the quarter has started."""
    # the scope on a row of its own: "Todos los departamentos" is never cut at 1366
    columns = [*st.columns([4, 1, 1]), *st.columns(2)]
    kpi_id = _kept_select(columns[0], t("table.kpi", lang), catalog.ids, "tf_kpi",
                          format_func=lambda k: catalog.get(k).name(lang))
    years = sorted({y for y, _ in overview["quarters"]} | {today().year, today().year + 1})
    # first visit: the quarter in progress (a past quarter's target is rarely what one comes to set)
    year = _kept_select(columns[1], t("filter.year", lang), years, "tf_year", default=today().year)
    quarter = _kept_select(columns[2], t("filter.quarter", lang), [1, 2, 3, 4], "tf_quarter",
                           default=_this_quarter(), format_func=lambda q: f"Q{q}")
    region, department = _scope_pickers("tf", overview, lang, columns[3:])
    kpi = catalog.get(kpi_id)
    key = (kpi_id, year, quarter, region, department)
    with store.session() as session:
        current = current_target(session, *key)
    loaded = st.session_state.setdefault("tf_loaded", {})
    loaded.setdefault(key, current["version_id"] if current else None)
    _show_target_in_force(current, kpi, lang)
    errors = st.session_state.pop(f"{FIELD_ERRORS}_tf", {})
    if st.session_state.pop("_tf_clear_reason", None) == key:  # saved on the last run: an empty box
        st.session_state[f"tf_reason::{key}"] = ""
    with st.form("target_form"):
        target = st.number_input(t("card.target", lang), value=float(current["target"]) if current else 0.0,
                                 format=_input_format(kpi), key=f"tf_value::{key}")
        _show_field_error(errors, "target")
        reason = st.text_area(t("data.reason", lang), key=f"tf_reason::{key}",
                              help=t("data.reason_help", lang))
        _show_field_error(errors, "reason")
        submitted = st.form_submit_button(t("data.save_target", lang), type="primary",
                                          disabled=not actor.can("editor"))
    _show_field_error(errors, "form")
    if submitted:
        _save_target(store, catalog, actor, dict(kpi_id=kpi_id, year=year, quarter=quarter, region=region,
                                                  department=department, target=target, reason=reason),
                     loaded, _what(kpi, lang, f"{year}-Q{quarter}", region, department, overview), lang)


def _show_target_in_force(current: dict | None, kpi: Kpi, lang: str) -> None:
    if current:
        st.caption(t("data.target_in_force", lang, value=format_value(current["target"], kpi, lang),
                     who=markdown_text(actor_label(current["changed_by"], lang)),
                     when=format_day(current["changed_at"].date(), lang),
                     reason=markdown_text(reason_label(current["reason"], lang) or "—")))
    else:
        st.caption(t("data.no_target_yet", lang))


def _save_target(store: Store, catalog: Catalog, actor: Actor, fields: dict, loaded: dict, what: str,
                 lang: str) -> None:
    """Save against the version the form loaded: a newer one saved meanwhile is a conflict, shown with a
    button to load it; a bad field is shown under that field."""
    kpi = catalog.get(fields["kpi_id"])
    key = tuple(fields[name] for name in ("kpi_id", "year", "quarter", "region", "department"))
    try:
        change = set_target(store, catalog, actor, TargetRecord(**fields), expected_version=loaded[key])
    except ConflictError as exc:
        st.error(message(exc, lang), icon=":material/sync_problem:")
        if st.button(t("data.load_latest", lang), key="tf_reload"):
            loaded.pop(key, None)
            st.rerun()
        return
    except (pydantic.ValidationError, KpiError) as exc:
        st.session_state[f"{FIELD_ERRORS}_tf"] = _field_errors(exc, lang)
        st.rerun()
    with store.session() as session:
        newest = current_target(session, *key)
    loaded[key] = newest["version_id"] if newest else None
    st.session_state["_tf_clear_reason"] = key  # the next change needs its own reason, not this one's
    _confirm(change, lambda v: format_value(v, kpi, lang), lang, what)


def actual_form(store: Store, catalog: Catalog, actor: Actor, overview: dict, lang: str) -> None:
    """Record (or correct) one actual; delete a mistaken one with a reason."""
    columns = [*st.columns([4, 2]), *st.columns(2)]
    kpi_id = _kept_select(columns[0], t("table.kpi", lang), catalog.ids, "af_kpi",
                          format_func=lambda k: catalog.get(k).name(lang))
    period = columns[1].date_input(t("data.period", lang), value=today(), max_value=today(), key="af_period")
    region, department = _scope_pickers("af", overview, lang, columns[2:])
    kpi = catalog.get(kpi_id)
    key = (kpi_id, period, region, department)
    with store.session() as session:
        current = current_observation(session, *key)
    loaded = st.session_state.setdefault("af_loaded", {})
    loaded.setdefault(key, current["obs_id"] if current else None)
    if current:
        st.caption(t("data.actual_stored", lang, value=format_value(current["value"], kpi, lang),
                     source=markdown_text(current["source"] or "—"),
                     when=format_day(current["loaded_at"].date(), lang)))
    errors = st.session_state.pop(f"{FIELD_ERRORS}_af", {})
    with st.form("actual_form"):
        value = st.number_input(t("card.actual", lang), value=float(current["value"]) if current else 0.0,
                                format=_input_format(kpi), key=f"af_value::{key}")
        _show_field_error(errors, "value")
        source = st.text_input(t("data.source", lang), value=(current or {}).get("source") or "",
                               key=f"af_source::{key}")
        submitted = st.form_submit_button(t("data.save_actual", lang), type="primary",
                                          disabled=not actor.can("editor"))
    _show_field_error(errors, "form")
    if submitted:
        try:
            record = ObservationRecord(kpi_id=kpi_id, period=period, region=region, department=department,
                                       value=value, source=source)
            change = record_actual(store, catalog, actor, record, expected_obs_id=loaded[key])
        except ConflictError as exc:
            st.error(message(exc, lang), icon=":material/sync_problem:")
            loaded.pop(key, None)
            return
        except (pydantic.ValidationError, KpiError) as exc:
            st.session_state[f"{FIELD_ERRORS}_af"] = _field_errors(exc, lang)
            st.rerun()
        loaded.pop(key, None)
        _confirm(change, lambda v: format_value(v, kpi, lang), lang,
                 _what(kpi, lang, format_day(period, lang), region, department, overview))
    if current and actor.can("editor"):
        _delete_actual_box(store, actor, loaded[key] or current["obs_id"], lambda: loaded.pop(key, None), kpi,
                           _what(kpi, lang, format_day(period, lang), region, department, overview), str(key), lang)


def _delete_actual_box(store: Store, actor: Actor, obs_id: int, forget: Callable[[], object], kpi: Kpi, what: str,
                       key: str, lang: str) -> None:
    """Delete a mistaken actual, with a reason (kept in the audit log)."""
    with st.expander(t("data.delete_actual", lang)):
        why = st.text_input(t("data.reason", lang), key=f"af_delete_reason::{key}")
        if st.button(t("data.delete_confirm", lang), key="af_delete"):
            try:
                change = delete_actual(store, actor, obs_id=obs_id, reason=why)
            except KpiError as exc:
                st.error(message(exc, lang))
            else:
                forget()
                _confirm(change, lambda v: format_value(v, kpi, lang), lang, what)


def money_forms(store: Store, actor: Actor, programs: list[str], lang: str) -> None:
    """Enter a value-stream amount or an investment (same validation, audit and roles)."""
    left, right = st.columns(2)
    with left, st.form("value_form"):
        st.markdown(f"**{t('data.value_stream', lang)}**")
        program = st.text_input(t("value.program", lang), value=programs[0] if programs else "")
        stream = st.selectbox(t("data.stream", lang), STREAMS, format_func=lambda s: t(f"stream.{s}", lang))
        year = st.number_input(t("chart.program_year", lang), 1, 50, 1)
        amount = st.number_input(t("data.amount", lang), min_value=0.0, value=0.0, step=1e6, format="%.2f")
        currency = st.text_input(t("value.currency", lang), value="MXN", max_chars=3)
        growth = st.number_input(t("data.growth_rate", lang), min_value=0.0, value=0.0, step=0.1,
                                 help=t("data.growth_help", lang))
        if st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor")):
            _save(lambda: save_value_stream(store, actor, ValueRecord(
                program=program, stream=stream, year=year, amount=amount, currency=currency,
                growth_rate=growth or None)), lang)
    with right, st.form("investment_form"):
        st.markdown(f"**{t('value.investment', lang)}**")
        program = st.text_input(t("value.program", lang), value=programs[0] if programs else "", key="inv_program")
        year = st.number_input(t("chart.program_year", lang), 1, 50, 1, key="inv_year")
        category = st.text_input(t("data.category", lang), value="platform")
        amount = st.number_input(t("data.amount", lang), min_value=0.0, value=0.0, step=1e6, format="%.2f",
                                 key="inv_amount")
        currency = st.text_input(t("value.currency", lang), value="MXN", max_chars=3, key="inv_currency")
        if st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor")):
            _save(lambda: save_investment(store, actor, InvestmentRecord(
                program=program, year=year, category=category, amount=amount, currency=currency)), lang)


def _save(action, lang: str) -> None:
    try:
        written = action()
    except (pydantic.ValidationError, KpiError) as exc:
        for field, text in _field_errors(exc, lang).items():
            st.error(f"{field}: {text}")
        return
    st.success(tn("data.saved_rows", written, lang, n=format_number(written, lang)), icon=":material/check_circle:")


def maturity_forms(store: Store, actor: Actor, units: list[str], lang: str) -> None:
    """Enter a maturity assessment (scores, targets, assessor, evidence) and tick checklist items."""
    from kpis.editing.forms import save_maturity, save_ticks
    from kpis.maturity.levels import DIMENSIONS
    from kpis.packs import load_checklists
    from kpis.records import MaturityRecord, TickRecord

    columns = st.columns(3)
    unit = columns[0].selectbox(t("maturity.units", lang), units, key="mf_unit", accept_new_options=True)
    year = columns[1].number_input(t("filter.year", lang), 2000, 2100, today().year, key="mf_year")
    quarter = columns[2].selectbox(t("filter.quarter", lang), [1, 2, 3, 4], key="mf_quarter",
                                   format_func=lambda q: f"Q{q}")
    with st.form("maturity_form"):
        st.markdown(f"**{t('maturity.assessment', lang)}**")
        records = []
        for dimension in DIMENSIONS:
            cells = st.columns([2, 2, 2, 5])
            cells[0].markdown(t(f"dim.{dimension}", lang))
            score = cells[1].number_input(t("maturity.score", lang), 0.0, 5.0, 0.0, 0.1, key=f"mf_score_{dimension}",
                                          help=t("maturity.score_help", lang))
            target = cells[2].number_input(t("maturity.target", lang), 0.0, 5.0, 3.0, 0.1, key=f"mf_target_{dimension}")
            evidence = cells[3].text_input(t("maturity.evidence", lang), key=f"mf_evidence_{dimension}")
            records.append((dimension, score, target, evidence))
        assessor = st.text_input(t("maturity.assessor", lang), value=actor.name)
        submitted = st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor"))
    if submitted:
        _save(lambda: save_maturity(store, actor, [
            MaturityRecord(unit=unit, year=year, quarter=quarter, dimension=d, score=s, target=tg or None,
                           assessor=assessor, evidence=e)
            for d, s, tg, e in records if s > 0]), lang)
    with st.form("ticks_form"):
        st.markdown(f"**{t('maturity.ticks', lang)}**")
        ticks = []
        for checklist in load_checklists():
            manual = [item for item in checklist.items if item.criterion is None]
            st.markdown(f"*{checklist.name(lang)}*")
            for item in manual:
                done = st.checkbox(item.label(lang), key=f"tick_{checklist.id}_{item.id}")
                ticks.append((checklist.id, item.id, done))
        submitted = st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor"))
    if submitted:
        _save(lambda: save_ticks(store, actor, [
            TickRecord(unit=unit, year=year, quarter=quarter, checklist=c, item=i, done=d) for c, i, d in ticks]),
            lang)


def use_case_form(store: Store, actor: Actor, cases: list, overview: dict, lang: str) -> None:
    """Add a use case or move one to another stage (the stage history keeps every move)."""
    from kpis.innovation.funnel import save_use_cases
    from kpis.records import UseCaseRecord

    by_name = {c.name: c for c in cases}
    name = st.selectbox(t("innovation.name", lang), sorted(by_name), key="uc_name", accept_new_options=True,
                        index=None, placeholder=t("data.uc_pick", lang))
    if not name:
        return
    current = by_name.get(name)
    stages = ["idea", "evaluation", "experimentation", "validation", "scaled", "stopped"]
    horizons = ["H1", "H2", "H3", "operational_excellence"]
    patterns = [None, "replication", "adaptation", "evolution", "innovation", "platform"]
    with st.form("use_case_form"):
        columns = st.columns(3)
        stage = columns[0].selectbox(t("innovation.stage", lang), stages, format_func=lambda s: t(f"stage.{s}", lang),
                                     index=stages.index(current.stage) if current else 0)
        horizon = columns[1].selectbox(t("innovation.horizon", lang), horizons,
                                       format_func=lambda h: t(f"horizon.{h}", lang),
                                       index=horizons.index(current.horizon) if current else 0)
        pattern = columns[2].selectbox(t("innovation.pattern", lang), patterns,
                                       format_func=lambda p: "—" if p is None else t(f"pattern.{p}", lang),
                                       index=patterns.index(current.pattern) if current else 0)
        columns = st.columns(4)
        region = columns[0].selectbox(t("filter.region", lang), [None, *overview["regions"]],
                                      format_func=lambda r: r or "—",
                                      index=([None, *overview["regions"]].index(current.region)
                                             if current and current.region in overview["regions"] else 0))
        department = columns[1].text_input(t("filter.department", lang), value=(current.department or "") if current
                                           else "")
        started = columns[2].date_input(t("data.uc_started", lang),
                                        value=current.started if current and current.started else today())
        changed = columns[3].date_input(t("data.uc_changed", lang), value=today())
        submitted = st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor"))
    if submitted:
        _save(lambda: save_use_cases(store, actor, [UseCaseRecord(
            name=name, stage=stage, horizon=horizon, pattern=pattern, region=region, department=department,
            started=started, stage_changed=changed)]), lang)


def fx_form(store: Store, actor: Actor, lang: str) -> None:
    """Enter a dated exchange rate (there is no internet) and choose the reporting currency."""
    from kpis.editing.forms import save_fx_rate, set_reporting_currency
    from kpis.value.fx import CURRENCIES

    with store.session() as session:
        rates = session.query("fx_rates")
        reporting = session.get_setting("reporting_currency", "MXN")
    st.dataframe(rates.rename(columns={"base": t("data.fx_base", lang), "quote": t("data.fx_quote", lang),
                                       "day": t("data.fx_day", lang), "rate": t("data.fx_rate", lang),
                                       "updated_by": t("audit.who", lang), "updated_at": t("audit.when", lang)}),
                 hide_index=True, width="stretch")
    with st.form("fx_form"):
        columns = st.columns(4)
        base = columns[0].selectbox(t("data.fx_base", lang), CURRENCIES, index=1)
        quote = columns[1].selectbox(t("data.fx_quote", lang), CURRENCIES, index=0)
        day = columns[2].date_input(t("data.fx_day", lang), value=today())
        rate = columns[3].number_input(t("data.fx_rate", lang), min_value=0.0, value=0.0, format="%.6f")
        if st.form_submit_button(t("data.save", lang), disabled=not actor.can("editor")):
            if rate <= 0 or base == quote:
                st.error(t("data.fx_invalid", lang))
            else:
                _save(lambda: save_fx_rate(store, actor, base, quote, day, rate), lang)
    with st.form("reporting_form"):
        chosen = st.selectbox(t("value.currency", lang), CURRENCIES, index=CURRENCIES.index(reporting)
                              if reporting in CURRENCIES else 0)
        if st.form_submit_button(t("data.save", lang), disabled=not actor.can("admin")):
            _save(lambda: set_reporting_currency(store, actor, chosen) or 1, lang)


def checkin_form(store: Store, catalog: Catalog, actor: Actor, overview: dict, lang: str) -> None:
    """Record a check-in on a KPI for a quarter and scope (note, owner, confidence); every one is kept
    and listed below, newest first. The latest shows on the dashboard card and in the deck."""
    from kpis.editing.checkins import CONFIDENCES, add_checkin, checkin_history
    from kpis.explain import checkin_lines

    # the scope on a row of its own: "Todos los departamentos" is never cut at 1366
    columns = [*st.columns([4, 1, 1]), *st.columns(2)]
    kpi_id = _kept_select(columns[0], t("table.kpi", lang), catalog.ids, "ci_kpi",
                          format_func=lambda k: catalog.get(k).name(lang))
    years = sorted({y for y, _ in overview["quarters"]} | {today().year})
    year = _kept_select(columns[1], t("filter.year", lang), years, "ci_year", default=today().year)
    quarter = _kept_select(columns[2], t("filter.quarter", lang), [1, 2, 3, 4], "ci_quarter",
                           default=_this_quarter(), format_func=lambda q: f"Q{q}")
    region, department = _scope_pickers("ci", overview, lang, columns[3:])
    with st.form("checkin_form", clear_on_submit=True):
        note = st.text_area(t("checkin.note", lang), max_chars=2000, key="ci_note",
                            placeholder=t("checkin.note_help", lang))
        left, right = st.columns(2)
        owner = left.text_input(t("checkin.owner_field", lang), max_chars=200, key="ci_owner")
        confidence = right.radio(t("checkin.confidence", lang), CONFIDENCES, index=1, horizontal=True,
                                 format_func=lambda c: t(f"confidence.{c}", lang), key="ci_confidence")
        submitted = st.form_submit_button(t("checkin.save", lang), type="primary", disabled=not actor.can("editor"))
    if submitted:
        try:
            add_checkin(store, catalog, actor=actor, kpi_id=kpi_id, year=year, quarter=quarter, note=note,
                        owner=owner, confidence=confidence, region=region, department=department, channel="app")
        except KpiError as exc:
            st.error(message(exc, lang))
        else:
            flash(t("checkin.saved", lang, kpi=catalog.get(kpi_id).name(lang), quarter=f"{year}-Q{quarter}"))
            st.rerun()
    with store.session() as session:
        history = checkin_history(session, kpi_id, year, quarter, region, department)
    st.markdown(f"**{t('checkin.history', lang)}**")
    if not history:
        st.caption(t("checkin.none", lang))
    for item in history:
        note_line, meta = checkin_lines(item, lang)
        st.markdown(f"{markdown_text(note_line)}  \n_{markdown_text(meta)}_")
