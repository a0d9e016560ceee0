"""The MCP server: an AI assistant asks the report's questions ("are we on track to scale AI this quarter?").

Built with the official `mcp` SDK (MCPServer). Two doors: `python -m kpis mcp` speaks over stdio to a desktop
assistant; `serve-api` answers at `/mcp` (streamable HTTP, stateless, so several API processes can serve it),
where every request needs a Bearer token. Tools read from the quarter's report (kpis.api.answers), the same
figures as the dashboard, and every answer names its quarter, scope, currency and cut-off. `record_checkin`
writes, so it needs an editor token; without one the server is read-only.

(No `from __future__ import annotations`: the SDK reads the tools' annotations at run time.)"""

import contextvars
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route

from kpis.api import answers
from kpis.catalog import Catalog
from kpis.editing.checkins import add_checkin
from kpis.errors import KpiError
from kpis.i18n import t
from kpis.maturity.readiness import ORGANISATION
from kpis.report import json_ready
from kpis.roles import Actor
from kpis.store import Store
from kpis.tokens import authenticate

__all__ = ["McpDoor", "build_server", "stdio_actor"]

Lang = Literal["en", "es"]
_CALLER: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("kpis_mcp_caller", default=None)

INSTRUCTIONS = """\
Answers about an organisation's AI scale-up programme, from the same quarterly report as its dashboard and board
deck. Start with `quarter_report` (its `verdict` is the dashboard's one-sentence answer to "are we on track to
scale AI this quarter?"), then `why_status` for one KPI, `forecast_misses`, `regions`, `value_summary`. Quote the
figures and the quarter, scope, currency and cut-off each answer names; do not recompute them. Pass lang="es" for
Spanish. A quarter in progress is reported to the day its data runs to ("quarter to date")."""


def _compact(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("kpi_id", "name", "family", "unit", "actual", "target", "attainment", "status", "quarter_to_date",
            "prorated_target", "full_quarter_status", "forecast_q4", "forecast_status")
    return {k: row[k] for k in keys}


def build_server(store: Store, catalog: Catalog, caller: Callable[[], Actor]) -> MCPServer:
    """The MCP tools on `store`; `caller()` says who is asking (the stdio user, or the HTTP request's token)."""
    server = MCPServer("ai-scaling-kpis", title="AI Scaling KPI Dashboard", instructions=INSTRUCTIONS,
                       version="1", log_level="WARNING")

    def answer(lang: str, work: Callable[[], Any]) -> Any:
        caller()
        try:
            return work()
        except KpiError as exc:  # a clear sentence for the model, in the reader's language
            raise ToolError(exc.localized(lang)) from None

    reports = answers.ReportCache()

    def report_of(year, quarter, region, department, currency, lang):
        return reports.report(store, catalog, answers.Query(year, quarter, region, department, currency, None, lang))

    @server.tool(description="The KPI catalog: ids, names, families, units and whether higher or lower is better.")
    def list_kpis(lang: Lang = "en") -> dict[str, Any]:
        return answer(lang, lambda: {"kpis": answers.catalog_records(catalog, lang)})

    @server.tool(description="The quarter's report: the verdict sentence (are we on track to scale AI?), KPIs "
                             "per status, what changed since last quarter and every KPI's actual, target and "
                             "status. No year and quarter: the latest quarter with data. Scope: a region and/or "
                             "a department (none: the whole organisation).")
    def quarter_report(year: int | None = None, quarter: int | None = None, region: str | None = None,
                       department: str | None = None, currency: str | None = None,
                       lang: Lang = "en") -> dict[str, Any]:
        def work():
            found = answers.report_answer(report_of(year, quarter, region, department, currency, lang), lang)
            found["scorecard"] = [_compact(r) for r in found["scorecard"]]
            return found
        return answer(lang, work)

    @server.tool(description="Why one KPI has its status: the rule, the numbers, the bands, where the target came "
                             "from, the forecast and the latest check-in, as the dashboard explains it.")
    def why_status(kpi_id: str, year: int | None = None, quarter: int | None = None, region: str | None = None,
                   department: str | None = None, currency: str | None = None, lang: Lang = "en") -> dict[str, Any]:
        def work():
            if kpi_id not in catalog:
                raise KpiError.keyed("error.unknown_kpi", kpi=kpi_id)
            return answers.why_answer(report_of(year, quarter, region, department, currency, lang), catalog,
                                      kpi_id, lang)
        return answer(lang, work)

    @server.tool(description="KPIs whose forecast for Q4 falls short of the Q4 target, with how it was forecast.")
    def forecast_misses(year: int | None = None, quarter: int | None = None, region: str | None = None,
                        department: str | None = None, currency: str | None = None,
                        lang: Lang = "en") -> dict[str, Any]:
        return answer(lang, lambda: answers.forecast_misses(
            report_of(year, quarter, region, department, currency, lang), lang))

    @server.tool(description="Every region in the quarter: how many KPIs are on track, at risk or off track, and "
                             "each KPI's actual, target and status.")
    def regions(year: int | None = None, quarter: int | None = None, currency: str | None = None,
                lang: Lang = "en") -> dict[str, Any]:
        return answer(lang, lambda: answers.regions_answer(report_of(year, quarter, None, None, currency, lang),
                                                           lang))

    @server.tool(description="Business value of the AI programme: value realised to date and projected, "
                             "investment, net ROI, payback and NPV, in the reporting currency.")
    def value_summary(program: str | None = None, currency: str | None = None, lang: Lang = "en") -> dict[str, Any]:
        def work():
            with store.session() as session:
                found = answers.value_answer(session, catalog, program=program, currency=currency, lang=lang)
            found.pop("years", None)  # the headline and totals; the yearly table is GET /v1/value
            return found
        return answer(lang, work)

    @server.tool(description="Readiness to scale: the gate's prerequisites, what is missing and the checklists, "
                             "for the organisation or a region or department.")
    def readiness(unit: str = ORGANISATION, year: int | None = None, quarter: int | None = None,
                  lang: Lang = "en") -> dict[str, Any]:
        def work():
            with store.session() as session:
                return answers.readiness_answer(session, catalog, year, quarter, unit, lang)
        return answer(lang, work)

    @server.tool(description="Record a check-in on a KPI's quarter: a note, an owner and a confidence (high, "
                             "medium, low). Needs an editor token.")
    def record_checkin(kpi_id: str, note: str, year: int, quarter: int,
                       confidence: Literal["high", "medium", "low"] = "medium", owner: str | None = None,
                       region: str | None = None, department: str | None = None,
                       lang: Lang = "en") -> dict[str, Any]:
        def work():
            done = add_checkin(store, catalog, actor=caller(), kpi_id=kpi_id, year=year, quarter=quarter, note=note,
                               owner=owner, confidence=confidence, region=region, department=department,
                               channel="mcp")
            return json_ready({"recorded": True, "kpi_id": done.kpi_id, "quarter": f"{done.year}-Q{done.quarter}",
                               "region": done.region, "department": done.department, **done.record()})
        return answer(lang, work)

    return server


def stdio_actor(store: Store, secret: str | None) -> Actor:
    """Who the stdio server acts as: the token's actor, else a read-only local viewer."""
    if not secret:
        return Actor("mcp:local", "viewer")
    found = authenticate(store, secret)
    if found is None:
        raise KpiError.keyed("api.bad_token")
    return found


async def _send_json(send: Any, status: int, content: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps(content).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class McpDoor:
    """`/mcp` on the API: checks the Bearer token, then hands the request to the SDK's streamable HTTP app with
    the token's actor as the caller of every tool it runs."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.server = build_server(store, catalog, self._caller)
        self.inner: Any = None

    def _transport(self) -> Any:
        """A new streamable HTTP app (its session manager runs once per lifespan of the API).
        The SDK's DNS-rebinding check guards servers without authentication; here every request carries a
        Bearer token, which a browser never adds on its own, and behind a reverse proxy the Host differs."""
        return self.server.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))

    @staticmethod
    def _caller() -> Actor:
        actor = _CALLER.get()
        if actor is None:
            raise ToolError("A Bearer token is required.")
        return actor

    def _actor(self, header: str | None) -> Actor | None:
        if not header or not header.lower().startswith("bearer "):
            return None
        return authenticate(self.store, header[7:].strip())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        lang = "es" if "lang=es" in scope.get("query_string", b"").decode("latin-1") else "en"
        try:
            actor = await anyio.to_thread.run_sync(self._actor, headers.get("authorization"))
        except KpiError as exc:
            await _send_json(send, 503, {"detail": exc.localized(lang), "errors": []}, [])
            return
        if actor is None:
            key = "api.bad_token" if headers.get("authorization") else "api.no_token"
            await _send_json(send, 401, {"detail": t(key, lang), "errors": []},
                             [(b"www-authenticate", b"Bearer")])
            return
        if self.inner is None:  # the API's lifespan has not started
            await _send_json(send, 503, {"detail": "The MCP server is not running.", "errors": []}, [])
            return
        token = _CALLER.set(actor)
        try:
            await self.inner(scope, receive, send)
        finally:
            _CALLER.reset(token)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.inner = self._transport()
        try:
            async with self.server.session_manager.run():
                yield
        finally:
            self.inner = None

    def mount(self, app: Any) -> None:
        app.router.routes.append(Route("/mcp", endpoint=self, methods=["GET", "POST", "DELETE"]))
