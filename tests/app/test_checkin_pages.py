"""AppTest: check-ins and forecasts on the dashboard, the check-in form, email subscriptions."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from kpis.editing.checkins import add_checkin, latest_checkins
from kpis.notify import load_subscriptions
from kpis.roles import Actor
from tests.conftest import ROOT

ROLES = {"admins": ["ana@bank.mx"], "editors": ["eli@bank.mx"]}


def page(db, monkeypatch, path: str | None = None, lang: str = "en", email: str | None = None,
         tab: str | None = None) -> AppTest:
    monkeypatch.setenv("KPIS_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["lang"] = lang
    if email is not None:
        at.user = {"is_logged_in": True, "email": email}
        at.secrets["roles"] = ROLES
    if path:
        at.switch_page(path)
    if tab:  # the Targets & data page runs only its open tab
        at.session_state["data_tab"] = tab
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_dashboard_card_shows_the_latest_checkin_and_the_forecast_in_spanish(demo_store, catalog, monkeypatch):
    add_checkin(demo_store, catalog, actor=Actor("ana", "admin"), kpi_id="adoption_rate_pct", year=2026, quarter=4,
                note="La ola 3 pasó a octubre <script>x</script>", owner="Ana Ruiz", confidence="low")
    at = page(demo_store.target, monkeypatch, lang="es").run()
    assert not at.exception
    html = markdown(at)
    assert "✎ Seguimiento: La ola 3 pasó a octubre &lt;script&gt;" in html  # escaped, never run
    assert "<script>x" not in html
    assert "Pronóstico Q4" in html and ("alcanzará la meta" in html)
    assert "Forecast" not in html and "will miss" not in html
    # the popover explains the method and that it is not an actual
    shown = html.replace("\\", "")  # as rendered: Markdown escapes removed
    assert "Es un pronóstico, no un dato real." in shown and "confianza baja" in shown
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)  # parsed: the serialiser may escape "ó"
    forecast = [trace for trace in chart["data"] if trace.get("name") == "Pronóstico (ritmo actual)"]
    assert forecast and forecast[0]["line"]["dash"] == "dot"


def test_checkin_form_records_and_lists_history(demo_store, catalog, monkeypatch):
    at = page(demo_store.target, monkeypatch, "pages/data.py", email="eli@bank.mx", tab="Check-ins").run()
    at.selectbox(key="ci_kpi").set_value("new_users")
    at.selectbox(key="ci_year").set_value(2026)
    at.selectbox(key="ci_quarter").set_value(4)
    at.run()
    at.text_area(key="ci_note").input("Campaign in Brazil delayed two weeks")
    at.text_input(key="ci_owner").input("Eli")
    at.radio(key="ci_confidence").set_value("high")
    next(b for b in at.button if b.label == "Record check-in").click()
    at.run()
    assert not at.exception
    with demo_store.session() as session:
        saved = latest_checkins(session, 2026, 4)["new_users"]
    assert (saved.note, saved.owner, saved.confidence, saved.by) == (
        "Campaign in Brazil delayed two weeks", "Eli", "high", "eli@bank.mx")
    assert "Campaign in Brazil delayed two weeks" in markdown(at)


def test_viewer_cannot_record_a_checkin(demo_store, monkeypatch):
    at = page(demo_store.target, monkeypatch, "pages/data.py", email="vic@bank.mx", tab="Check-ins").run()
    assert next(b for b in at.button if b.label == "Record check-in").disabled


def test_signed_in_viewer_subscribes_only_themselves(demo_store, monkeypatch):
    at = page(demo_store.target, monkeypatch, "pages/export.py", email="vic@bank.mx").run()
    assert not at.exception
    email = at.text_input(key="nt_email")
    assert email.value == "vic@bank.mx" and email.disabled
    at.selectbox(key="nt_kind").set_value("digest")
    at.selectbox(key="nt_region").set_value("Brazil")
    at.selectbox(key="nt_lang").set_value("es")
    next(b for b in at.button if b.label == "Subscribe").click()
    at.run()
    assert not at.exception
    with demo_store.session() as session:
        (sub,) = load_subscriptions(session)
    assert (sub.email, sub.kind, sub.region, sub.lang) == ("vic@bank.mx", "digest", "Brazil", "es")
    assert "You are subscribed" in "\n".join(s.value for s in at.success)
    assert not [d for d in at.dataframe]  # a viewer does not see everyone's subscriptions


def test_admin_manages_everyones_subscriptions_in_spanish(demo_store, monkeypatch):
    at = page(demo_store.target, monkeypatch, "pages/export.py", lang="es", email="ana@bank.mx").run()
    at.text_input(key="nt_email").input("luis@bank.mx")
    next(b for b in at.button if b.label == "Suscribir").click()
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["Correo", "Qué", "Alcance", "Idioma"]
    assert table.iloc[0].tolist() == ["luis@bank.mx", "resumen y alertas",
                                      "Todas las regiones · Todos los departamentos", "Español"]
    at.selectbox(key="nt_remove").set_value("luis@bank.mx")
    next(b for b in at.button if b.label == "Quitar").click()
    at.run()
    with demo_store.session() as session:
        assert load_subscriptions(session) == []
