"""Data values never act as HTML or Markdown on any page (stored XSS, image fetches, style injection)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpis.escaping import html_text, markdown_text
from tests.conftest import ROOT

PAYLOADS = {
    "region": '<iframe srcdoc="<script>parent.document.title=1</script>">',
    "department": "<style>*{display:none}</style>",
    "program": "![x](http://127.0.0.9/beacon.png)",
    "use_case": "<img src=x onerror=alert(1)>",
}
PAGES = ["pages/dashboard.py", "pages/value.py", "pages/innovation.py", "pages/regions.py", "pages/maturity.py",
         "pages/export.py", "pages/data.py"]
RAW_HTML = re.compile(r"<iframe|<script|<img src=x|<style>\*", re.IGNORECASE)  # the payloads, unescaped
RAW_IMAGE = re.compile(r"(?<!\\)!\[")


@pytest.fixture
def hostile_store(demo_store):
    """The demo with hostile names stored directly (as an older version or a log file could have left them)."""
    with demo_store.write_session() as session:
        rows = pd.DataFrame([
            ("new_users", pd.Timestamp("2026-10-31").date(), PAYLOADS["region"], PAYLOADS["department"], 5.0, "t"),
            ("api_latency_p95_ms", pd.Timestamp("2026-10-31").date(), PAYLOADS["region"], None, 80.0, "t"),
        ], columns=["kpi_id", "period", "region", "department", "value", "source"])
        session.upsert_observations(rows, actor=PAYLOADS["department"], channel="test")
        session.con.execute("INSERT INTO departments VALUES (?, NULL, 't', now()::TIMESTAMP)", [PAYLOADS["department"]])
        session.con.execute("INSERT INTO regions (name, language, currency, date_format, regulators, ai_rules, "
                            "residency, residency_required, validation, validation_required, updated_by, updated_at) "
                            "VALUES (?, '', '', '', '', '', '', false, '', false, 't', now()::TIMESTAMP)",
                            [PAYLOADS["region"]])
        session.con.execute("UPDATE programs SET name = ?", [PAYLOADS["program"]])
        session.con.execute("UPDATE value_streams SET program = ?", [PAYLOADS["program"]])
        session.con.execute("UPDATE investments SET program = ?", [PAYLOADS["program"]])
        session.con.execute("UPDATE use_cases SET name = ? WHERE name = (SELECT min(name) FROM use_cases)",
                            [PAYLOADS["use_case"]])
    return demo_store


def _bodies(at: AppTest) -> list[tuple[bool, str]]:
    """(allows HTML, text) of every Markdown-rendering element of the run."""
    found = []
    for kind in ("markdown", "caption", "title", "subheader", "header", "info", "warning", "error", "success"):
        for element in getattr(at, kind):
            proto = element.proto
            body = getattr(proto, "body", None) or getattr(element, "value", "")
            found.append((bool(getattr(proto, "allow_html", False)), str(body)))
    for metric in at.get("metric"):
        found.append((False, metric.proto.label))
    return found


DATA_TABS = ("Targets", "Actuals", "Check-ins", "Value & investments", "Maturity & checklists", "Use cases",
             "Currencies", "Regions, departments, programs", "Import", "Audit log", "Board snapshots")


@pytest.mark.parametrize("page, tab", [(p, None) for p in PAGES if p != "pages/data.py"]
                         + [("pages/data.py", tab) for tab in DATA_TABS])
def test_page_with_hostile_names_shows_them_as_text(page: str, tab: str | None, hostile_store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", hostile_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.query_params["region"] = PAYLOADS["region"]
    if tab:  # the data page runs only its open tab: every tab is checked
        at.session_state["data_tab"] = tab
    at.run()
    assert not at.exception
    for allows_html, body in _bodies(at):
        if allows_html:
            assert not RAW_HTML.search(body), body[:300]
        assert not RAW_IMAGE.search(body), body[:300]


def test_dashboard_subtitle_shows_the_region_name_escaped(hostile_store, monkeypatch):
    monkeypatch.setenv("KPIS_DB", hostile_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["region"] = PAYLOADS["region"]
    at.run()
    assert not at.exception
    html = "\n".join(m.value for m in at.markdown)
    assert html_text(PAYLOADS["region"]) in html


@pytest.mark.parametrize("text", [*PAYLOADS.values(), "$5 and $6", ":red[alarm]", "a\n# heading", "x_y*z"])
def test_markdown_text_escapes_every_active_character(text: str):
    escaped = markdown_text(text)
    assert not RAW_IMAGE.search(escaped)
    assert "\n" not in escaped
    assert re.sub(r"\\(.)", r"\1", escaped) == " ".join(text.splitlines())
