"""Email digest and alerts: a viewer subscribes themselves; an admin manages everyone's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpis.errors import KpiError
from kpis.i18n import t
from kpis.notify import KINDS, LANGS, Subscription, load_subscriptions, subscribe, unsubscribe
from kpis.reference.names import label, scope_label
from kpis.roles import Actor
from kpis.store import Store
from kpis_app.widgets import message


def render_subscriptions(store: Store, actor: Actor, overview: dict, lang: str) -> None:
    st.subheader(t("notify.heading", lang))
    st.caption(t("notify.caption", lang))
    signed_in = "@" in actor.name
    admin = actor.can("admin")
    if not signed_in and not admin:
        st.info(t("notify.sign_in", lang))
        return
    with store.session() as session:
        subscriptions = load_subscriptions(session)
    mine = next((s for s in subscriptions if s.email == actor.name.strip().lower()), None)
    if mine is not None:
        st.success(t("notify.mine", lang, kind=t(f"kind.{mine.kind}", lang), scope=_scope(mine, overview, lang),
                     lang_name=t(f"lang.{mine.lang}", lang)), icon=":material/mark_email_read:")
    _subscribe_form(store, actor, mine, overview, lang)
    if mine is not None and st.button(t("notify.unsubscribe_me", lang), key="nt_unsub_me"):
        unsubscribe(store, actor, mine.email, channel="app")
        st.rerun()
    if admin and subscriptions:
        _everyone(store, actor, subscriptions, overview, lang)


def _subscribe_form(store: Store, actor: Actor, mine: Subscription | None, overview: dict, lang: str) -> None:
    """Subscribe (or change one's subscription); an admin may subscribe any address."""
    signed_in, admin, spanish = "@" in actor.name, actor.can("admin"), overview["spanish"]
    with st.form("notify_form"):
        email = st.text_input(t("notify.email", lang), value=actor.name if signed_in else "",
                              disabled=signed_in and not admin, key="nt_email",
                              help=None if admin else t("notify.own_only", lang))
        columns = st.columns(4)
        kind = columns[0].selectbox(t("notify.kind", lang), KINDS, format_func=lambda k: t(f"kind.{k}", lang),
                                    index=KINDS.index(mine.kind) if mine else 2, key="nt_kind")
        region = columns[1].selectbox(t("filter.region", lang), [None, *overview["regions"]], key="nt_region",
                                      format_func=lambda r: label("region", r, lang, spanish)
                                      or t("filter.all_regions", lang))
        department = columns[2].selectbox(t("filter.department", lang), [None, *overview["departments"]],
                                          key="nt_department",
                                          format_func=lambda d: label("department", d, lang, spanish)
                                          or t("filter.all_departments", lang))
        language = columns[3].selectbox(t("notify.language", lang), LANGS, index=LANGS.index(lang),
                                        format_func=lambda code: t(f"lang.{code}", lang), key="nt_lang")
        submitted = st.form_submit_button(t("notify.save", lang), type="primary")
    if submitted:
        try:
            done = subscribe(store, actor, email if admin else actor.name, kind, region, department, language,
                             channel="app")
        except KpiError as exc:
            st.error(message(exc, lang))
        else:
            st.session_state["data_flash"] = t("notify.saved", lang, email=done.email)
            st.rerun()


def _everyone(store: Store, actor: Actor, subscriptions: list[Subscription], overview: dict, lang: str) -> None:
    """For admins: every subscription, and removing one."""
    st.markdown(f"**{t('notify.everyone', lang)}**")
    st.dataframe(pd.DataFrame([{
        t("notify.email", lang): s.email,
        t("notify.kind", lang): t(f"kind.{s.kind}", lang),
        t("notify.scope", lang): _scope(s, overview, lang),
        t("notify.language", lang): t(f"lang.{s.lang}", lang),
    } for s in subscriptions]), hide_index=True, width="stretch")
    columns = st.columns([3, 1])
    who = columns[0].selectbox(t("notify.remove_who", lang), [s.email for s in subscriptions], key="nt_remove")
    if columns[1].button(t("notify.remove", lang), key="nt_remove_button"):
        unsubscribe(store, actor, who, channel="app")
        st.rerun()


def _scope(sub, overview: dict, lang: str) -> str:
    return scope_label(sub.region, sub.department, lang, overview["spanish"])
