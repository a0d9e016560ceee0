"""Who is using the app and with which role.

With an OIDC provider configured (`[auth]` in .streamlit/secrets.toml, `st.login`), the
signed-in email maps to a role through `[roles]` in the same file (`admins = [...]`,
`editors = [...]`); unknown people are viewers. With no provider configured (the local
single-user default) the local user is admin, and the sidebar says so.
"""

from __future__ import annotations

import getpass

import streamlit as st

from kpis.i18n import t
from kpis.roles import Actor, role_for_email


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}))
    except Exception:  # no secrets file at all: Streamlit raises rather than returning empty
        return {}


def auth_configured() -> bool:
    return bool(_secrets_section("auth"))


def current_actor() -> Actor:
    """The signed-in user's Actor; the local user is admin when no provider is configured."""
    if st.user.get("is_logged_in"):
        roles = _secrets_section("roles")
        email = st.user.get("email") or ""
        return Actor(email, role_for_email(email, list(roles.get("admins", [])), list(roles.get("editors", []))))
    if auth_configured():
        return Actor("anonymous", "viewer")
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local"
    return Actor(f"{name} (local)", "admin")


def user_sidebar(lang: str) -> Actor:
    """Show who is signed in (and log in/out buttons when a provider is configured)."""
    actor = current_actor()
    with st.sidebar:
        if st.user.get("is_logged_in"):
            st.caption(t("sidebar.user", lang, user=actor.name, role=t(f"role.{actor.role}", lang)))
            if auth_configured():
                st.button(t("auth.logout", lang), on_click=st.logout)
        elif auth_configured():
            st.caption(t("auth.viewer_note", lang))
            st.button(t("auth.login", lang), on_click=st.login)
        else:
            st.caption(t("sidebar.local_admin", lang))
    return actor
