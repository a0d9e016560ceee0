"""The MCP server, driven by the official SDK's own client: over stdio (`python -m kpis mcp`) and over
streamable HTTP at /mcp of `serve-api` (token required). Its answers carry the report's sentence and numbers."""

from __future__ import annotations

import html
import os
import sys

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from streamlit.testing.v1 import AppTest

from kpis.report import build_report
from kpis.scorecard import Scope
from tests.api.conftest import make_tokens
from tests.api.serving import serving
from tests.conftest import ROOT

TOOLS = {"list_kpis", "quarter_report", "why_status", "forecast_misses", "regions", "value_summary", "readiness",
         "record_checkin"}


async def over_http(url: str, token: str | None, calls: list[tuple[str, dict]]) -> list:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http, \
            streamable_http_client(url + "/mcp", http_client=http) as streams, \
            ClientSession(streams[0], streams[1]) as session:
        await session.initialize()
        found = [await session.list_tools()]
        for name, arguments in calls:
            found.append(await session.call_tool(name, arguments))
        return found


async def over_stdio(db: str, token: str | None, calls: list[tuple[str, dict]]) -> list:
    env = {**os.environ, "KPIS_DB": db}
    env.pop("KPIS_API_TOKEN", None)
    if token:
        env["KPIS_API_TOKEN"] = token
    async with Client(StdioServerParameters(command=sys.executable, args=["-m", "kpis", "mcp"], env=env)) as client:
        found = [await client.list_tools()]
        for name, arguments in calls:
            found.append(await client.call_tool(name, arguments))
        return found


def test_an_assistant_over_stdio_gets_the_dashboards_answer(demo_store, catalog, monkeypatch):
    """'Are we on track to scale AI this quarter?': the same sentence and counts as the dashboard shows."""
    db = str(demo_store.target)
    tools, report, why, value = anyio.run(over_stdio, db, None, [
        ("quarter_report", {"year": 2026, "quarter": 3, "lang": "es"}),
        ("why_status", {"kpi_id": "roi_pct", "year": 2026, "quarter": 3, "lang": "es"}),
        ("value_summary", {}),
    ])
    assert {tool.name for tool in tools.tools} == TOOLS
    answer = report.structured_content
    with demo_store.session() as session:
        expected = build_report(session, catalog, 2026, 3, Scope())
    assert answer["verdict"] == expected.verdict_text("es")
    assert answer["counts"] == expected.counts
    assert answer["context"]["quarter"] == "2026-Q3" and answer["context"]["currency"] == "MXN"
    assert answer["context"]["cutoff"] == "2026-09-30"
    assert {r["kpi_id"]: r["status"] for r in answer["scorecard"]} == {c.kpi.id: c.status for c in expected.cells}
    assert why.structured_content["explanation"][0].startswith("Regla:")
    assert value.structured_content["currency"] == "MXN" and value.structured_content["headline"]
    # the dashboard, for the same quarter and language, says the same sentence with the same counts
    monkeypatch.setenv("KPIS_DB", db)
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params.update({"year": "2026", "quarter": "3", "lang": "es"})
    app.run()
    page = "\n".join(m.value for m in app.markdown)
    assert html.escape(answer["verdict"]) in page


def test_stdio_is_read_only_without_an_editor_token(demo_store):
    db = str(demo_store.target)
    tokens = make_tokens(demo_store)
    checkin = ("record_checkin", {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "On plan"})
    _, refused = anyio.run(over_stdio, db, None, [checkin])
    assert refused.is_error and "viewer" in refused.content[0].text
    _, done = anyio.run(over_stdio, db, tokens["editor"], [checkin])
    assert not done.is_error and done.structured_content["by"] == "token:pipeline-editor"
    with demo_store.session() as session:
        assert session.scalar("SELECT channel FROM audit_log WHERE entity = 'checkin' "
                              "ORDER BY audit_id DESC LIMIT 1") == "mcp"


def test_mcp_over_http_needs_a_token_and_answers_with_the_reports_figures(demo_store, catalog):
    tokens = make_tokens(demo_store)
    with serving(str(demo_store.target)) as server:
        assert httpx.post(server.url + "/mcp", json={}).status_code == 401
        assert httpx.post(server.url + "/mcp", json={}, headers={"Authorization": "Bearer kpis_x"}).status_code == 401
        tools, report, misses, regions, refused = anyio.run(over_http, server.url, tokens["viewer"], [
            ("quarter_report", {}),
            ("forecast_misses", {"year": 2026, "quarter": 3}),
            ("regions", {"year": 2026, "quarter": 3, "lang": "es"}),
            ("record_checkin", {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "x"}),
        ])
        assert {tool.name for tool in tools.tools} == TOOLS
        api_report = httpx.get(server.url + "/v1/report", headers={"Authorization": f"Bearer {tokens['viewer']}"})
        _, written = anyio.run(over_http, server.url, tokens["editor"], [
            ("record_checkin", {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "Over HTTP"})])
    answer = report.structured_content
    assert answer["verdict"] == api_report.json()["verdict"]
    assert answer["context"] == api_report.json()["context"] and answer["context"]["quarter_to_date"] is True
    assert misses.structured_content["context"]["quarter"] == "2026-Q3"
    assert "México" in {r["label"] for r in regions.structured_content["regions"]}
    assert refused.is_error and "viewer" in refused.content[0].text
    assert not written.is_error and written.structured_content["by"] == "token:pipeline-editor"
    for secret in tokens.values():
        assert secret not in server.output[0]


@pytest.mark.parametrize("tool", ["why_status", "quarter_report"])
def test_a_tool_error_is_a_sentence_for_the_model(demo_store, tool):
    arguments = {"kpi_id": "nope"} if tool == "why_status" else {"region": "Atlantis", "lang": "es"}
    _, answer = anyio.run(over_stdio, str(demo_store.target), None, [(tool, arguments)])
    assert answer.is_error
    assert ("nope" if tool == "why_status" else "Atlantis") in answer.content[0].text
    assert "Traceback" not in answer.content[0].text
