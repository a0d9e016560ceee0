"""AppTest of the Targets & data page: roles, conflicts between two sessions, import preview."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

ROLES = {"admins": ["ana@bank.mx"], "editors": ["eli@bank.mx"]}


def data_page(db, monkeypatch, email: str | None = None) -> AppTest:
    monkeypatch.setenv("KPIS_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if email is not None:
        at.user = {"is_logged_in": True, "email": email}
        at.secrets["roles"] = ROLES
    at.switch_page("pages/data.py")
    return at


def pick_target(at: AppTest, year: int = 2026, quarter: int = 4) -> AppTest:
    at.selectbox(key="tf_kpi").set_value("new_users")
    at.selectbox(key="tf_year").set_value(year)
    at.selectbox(key="tf_quarter").set_value(quarter)
    return at.run()


def save_target(at: AppTest, value: float, reason: str) -> AppTest:
    at.number_input(key=next(k for k in at.session_state if str(k).startswith("tf_value::"))).set_value(value)
    at.text_area(key=next(k for k in at.session_state if str(k).startswith("tf_reason::"))).input(reason)
    at.button[0].click()  # the form's submit button
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join([e.value for e in at.error] + [s.value for s in at.success] + [c.value for c in at.caption])


def test_local_user_is_admin_and_can_change_a_target(demo_store, monkeypatch):
    at = data_page(demo_store.target, monkeypatch).run()
    assert not at.exception
    assert any("you are admin" in c.value for c in at.sidebar.caption)
    pick_target(at)
    save_target(at, 3600, "Q3 overachievement, raise the bar")
    assert not at.exception
    shown = texts(at).replace("\\", "")  # as rendered: Markdown escapes removed
    assert "3,500 → 3,600" in shown
    assert "New users onboarded · 2026-Q4 · All regions · All departments" in shown  # words, not ids
    assert "In force: 3,600" in shown and "In force: 3,500" not in shown  # the line above refreshed
    assert "new_users" not in shown and " * " not in shown


def test_two_sessions_editing_the_same_target_one_wins_the_other_is_told(demo_store, monkeypatch):
    first = pick_target(data_page(demo_store.target, monkeypatch, "ana@bank.mx").run())
    second = pick_target(data_page(demo_store.target, monkeypatch, "eli@bank.mx").run())
    save_target(first, 3700, "board asked for more")
    assert "→ 3,700" in texts(first)
    save_target(second, 3900, "my own plan")
    message = texts(second)
    assert "changed by ana@bank.mx" in message and "Nothing was saved" in message
    key = next(k for k in second.session_state if str(k).startswith("tf_value::"))
    assert second.session_state[key] == 3900  # the user's input is still on screen to re-apply


def test_viewer_sees_read_only_forms(demo_store, monkeypatch):
    at = data_page(demo_store.target, monkeypatch, "someone@else.com").run()
    assert not at.exception
    assert any("read-only" in i.value for i in at.info)
    assert all(button.disabled for button in at.button)


def test_editor_is_named_in_the_sidebar(demo_store, monkeypatch):
    at = data_page(demo_store.target, monkeypatch, "eli@bank.mx").run()
    assert any("eli@bank.mx (editor)" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_data_page_renders_in_both_languages(demo_store, monkeypatch, lang):
    at = data_page(demo_store.target, monkeypatch)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == ("Targets & data" if lang == "en" else "Metas y datos")


def test_conflict_message_is_in_spanish_for_a_spanish_user(demo_store, monkeypatch):
    first = pick_target(data_page(demo_store.target, monkeypatch, "ana@bank.mx").run())
    second = data_page(demo_store.target, monkeypatch, "eli@bank.mx")
    second.query_params["lang"] = "es"
    pick_target(second.run())
    save_target(first, 3700, "board asked for more")
    save_target(second, 3900, "mi propio plan")
    assert any("cambió este registro" in e.value and "ana@bank.mx" in e.value for e in second.error)


def test_reason_required_message_next_to_the_field(demo_store, monkeypatch):
    at = pick_target(data_page(demo_store.target, monkeypatch).run(), year=2025, quarter=2)  # started long ago
    save_target(at, 1200, "")
    assert any("reason is required" in e.value.lower() for e in at.error)
    with demo_store.session() as session:
        assert session.scalar("SELECT count(*) FROM target_versions WHERE changed_by LIKE '%(local)'") == 0


def test_only_the_open_tab_runs_and_each_tab_opens(demo_store, monkeypatch):
    """st.tabs(on_change="rerun"): the targets form alone on first load; every tab renders when opened."""
    from kpis.i18n import all_texts

    at = data_page(demo_store.target, monkeypatch).run()
    keys = {str(k) for k in at.session_state}
    assert "tf_kpi" in keys and not {"af_kpi", "ci_kpi", "mf_unit"} & keys
    for name in ("actuals", "checkins", "value", "maturity", "use_cases", "fx", "reference", "import", "audit",
                 "quarters"):
        at.session_state["data_tab"] = all_texts()[f"data.tab_{name}"]["en"]
        at.run()
        assert not at.exception, name
        assert at.title[0].value == "Targets & data"
        widget = {"actuals": "af_kpi", "checkins": "ci_kpi", "maturity": "mf_unit"}.get(name)
        keys = {str(k) for k in at.session_state}
        assert widget is None or widget in keys, name  # the open tab's widgets ran
        assert "tf_kpi" not in keys, name  # the targets tab did not
