"""Who is using the app and with which role.

With an OIDC provider configured (`[auth]` in .streamlit/secrets.toml, `st.login`), the
signed-in email maps to a role through `[roles]` in the same file (`admins = [...]`,
`editors = [...]`); unknown people are viewers. With no provider configured (the local
single-user default) the local user is admin, and the sidebar says so; "local" means a browser
on this machine (loopback): a visitor from another machine is a viewer, unless the admin opts in
with KPIS_OPEN_ACCESS=1 (documented; the sidebar then shows a warning to everyone).
"""

from __future__ import annotations

import getpass
import ipaddress
import os

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
    if auth_configured() or not (_from_this_machine() or open_access()):
        return Actor("anonymous", "viewer")
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "local"
    return Actor(f"{name} (local)", "admin")


def open_access() -> bool:
    """The documented opt-in: without sign-in, visitors from other machines are admins too."""
    return os.environ.get("KPIS_OPEN_ACCESS") == "1"


def _from_this_machine() -> bool:
    """True for a browser on this machine (a loopback address) or when there is no network request
    (tests); false for any other address."""
    address = st.context.ip_address
    if not isinstance(address, str) or not address:  # no request behind this run (AppTest)
        return True
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


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
        elif actor.role == "viewer":
            st.caption(t("auth.remote_viewer_note", lang))
        else:
            st.caption(t("sidebar.local_admin", lang))
        if open_access() and not auth_configured():
            st.warning(t("auth.open_access_warning", lang), icon=":material/warning:")
    return actor
