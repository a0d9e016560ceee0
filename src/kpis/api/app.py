"""The FastAPI application: authentication, errors as JSON in the caller's language, the /v1 routes.

Reads answer from the quarter's report (kpis.api.answers, the same figures as every other surface); writes
go through the library's own write paths (imports' validation and all-or-nothing, the form's optimistic
concurrency for a target, check-ins), audited under the token's name with the channel `api`.

(No `from __future__ import annotations` here: FastAPI reads the parameters' annotations at run time.)"""

import json
import os
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi import Path as PathParam
from fastapi import Query as QueryParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from kpis.api import answers, idempotency
from kpis.api.docs import docs_page
from kpis.api.writes import RowsRefused, TargetState, target_state, write_rows
from kpis.catalog import DEFAULT_CATALOG_PATH, Catalog, load_catalog
from kpis.editing.checkins import add_checkin
from kpis.editing.forms import set_target
from kpis.errors import ConflictError, KpiError, StoreBusyError, ValidationError, localize
from kpis.i18n import t
from kpis.maturity.readiness import ORGANISATION
from kpis.records import TargetRecord
from kpis.reference.names import require_names
from kpis.report import json_ready
from kpis.roles import Actor, PermissionDenied, require
from kpis.store import Store, keep_open, keep_open_seconds
from kpis.tokens import authenticate
from kpis.value.valuation import MAX_HORIZON

__all__ = ["app_from_environment", "create_app"]

Lang = Annotated[Literal["en", "es"], QueryParam(description="Language of names, words and errors.")]
Year = Annotated[int | None, QueryParam(ge=2000, le=2100, description="With `quarter`; both absent: the latest "
                                                                          "quarter with data up to today.")]
QuarterNo = Annotated[int | None, QueryParam(ge=1, le=4)]
Name = Annotated[str | None, QueryParam(min_length=1, max_length=100)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="Send the same key when you retry: the request "
                                                          "writes once and the retry gets the first answer.")]


class RowProblem(BaseModel):
    index: int | None = Field(description="The row's index in `rows` (0 = the first); null: the whole request.")
    reason: str


class Problem(BaseModel):
    detail: str
    errors: list[RowProblem] = Field(default_factory=list, description="Every rejected row, with its reason.")


class _Refused(Exception):
    """An answer other than 200 decided by the API itself (auth, preconditions), in the caller's language."""

    def __init__(self, status: int, key: str, headers: dict[str, str] | None = None, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.headers, self.params = status, key, headers, params


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in ("en", "es") else "en"


def _problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": errors or []}, status_code=status, headers=headers)


_ERRORS = {400: {"model": Problem, "description": "The request cannot be answered as asked (unreadable body, "
                                                  "an unknown scenario, no value ledger)."},
           401: {"model": Problem, "description": "No token, or an unknown or revoked one."},
           403: {"model": Problem, "description": "The token's role may not do this."},
           404: {"model": Problem, "description": "No such KPI, or no assessment of that unit."},
           422: {"model": Problem, "description": "Bad input (an unknown parameter, a value out of range, an "
                                                  "unknown name): every problem with its reason."},
           503: {"model": Problem, "description": "The store is busy (another program is writing it); retry "
                                                  "after the Retry-After seconds."}}
_WRITE_ERRORS = {**_ERRORS, 409: {"model": Problem, "description": "A write conflict, or this Idempotency-Key's "
                                                                   "first request is still running."}}

_bearer = HTTPBearer(auto_error=False, description="A token from `python -m kpis token create`.")


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """The token's actor (`token:NAME` with its role); 401 without a token or with an unknown or revoked one."""
    if credentials is None:
        raise _Refused(401, "api.no_token", headers={"WWW-Authenticate": "Bearer"})
    found = authenticate(request.app.state.store, credentials.credentials)
    if found is None:
        raise _Refused(401, "api.bad_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return found


Reader = Annotated[Actor, Depends(caller)]


def known_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not take: a misspelt `quater=3` must not silently answer for
    the latest quarter instead."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    key = (request.method.lower(), getattr(route, "path_format", ""))
    allowed = _QUERY_NAMES.get(key)
    if allowed is None:  # what the route's OpenAPI description lists (FastAPI builds it once)
        operation = request.app.openapi()["paths"].get(key[1], {}).get(key[0], {})
        names = (p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
        allowed = _QUERY_NAMES[key] = frozenset(names)
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise _Refused(422, "api.unknown_parameter", name=unknown[0], known=", ".join(sorted(allowed)) or "—")


_QUERY_NAMES: dict[tuple[str, str], frozenset[str]] = {}


def report_query(year: Year = None, quarter: QuarterNo = None, region: Name = None, department: Name = None,
                 currency: Annotated[str | None, QueryParam(pattern="^[A-Za-z]{3}$",
                                                            description="Reporting currency (default: the "
                                                                        "store's).")] = None,
                 as_of: Annotated[datetime | None, QueryParam(description="Targets as they stood at this "
                                                                          "moment (default: now).")] = None,
                 lang: Lang = "en") -> answers.Query:
    return answers.Query(year, quarter, region, department, currency, as_of, lang)


ReportQuery = Annotated[answers.Query, Depends(report_query)]


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    create_missing: bool = Field(False, description="Add unknown region or department names in the same write.")
    dry_run: bool = Field(False, description="Check everything, write nothing.")


class ObservationBatch(_Batch):
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=100_000, description=(
        "Actuals, as the rows of an observations import: kpi_id, period (the period's last day, or today for a "
        "month in progress), value, and optionally region, department, source. A row that exists is replaced."))


class TargetBatch(_Batch):
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=100_000, description=(
        "Targets, as the rows of a targets import: kpi_id, year, quarter, target, and optionally region, "
        "department, reason (required to change a target once its quarter has started)."))


class WriteResult(BaseModel):
    kind: str
    rows: int
    written: int
    unchanged: int
    dry_run: bool
    added: dict[str, list[str]] = Field(description="Reference names the write added (create_missing).")


class TargetChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: float = Field(allow_inf_nan=False)
    reason: str | None = Field(None, max_length=500,
                               description="Why (required once the quarter has started, and for frozen quarters).")


class CheckinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kpi_id: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    note: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(None, max_length=200)
    confidence: Literal["high", "medium", "low"] = "medium"
    region: str | None = Field(None, min_length=1, max_length=100)
    department: str | None = Field(None, min_length=1, max_length=100)


def _etag(state: TargetState) -> str:
    return f'"{state.etag}"'


def _status_of(exc: KpiError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, StoreBusyError):
        return 503
    if isinstance(exc, PermissionDenied):
        return 403
    if exc.key == "error.unknown_kpi":
        return 404
    if isinstance(exc, ValidationError):
        return 422
    return 409 if isinstance(exc, ConflictError) else 400


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(_Refused)
    async def refused(request: Request, exc: _Refused) -> JSONResponse:
        return _problem(exc.status, t(exc.key, _lang(request), **exc.params), headers=exc.headers)

    @app.exception_handler(RowsRefused)
    async def rows_refused(request: Request, exc: RowsRefused) -> JSONResponse:
        return _problem(422, exc.localized(_lang(request)), exc.problems(_lang(request)))

    @app.exception_handler(KpiError)
    async def kpi_error(request: Request, exc: KpiError) -> JSONResponse:
        status = _status_of(exc)  # 503: another program holds the store longer than the busy timeout
        return _problem(status, exc.localized(_lang(request)), headers={"Retry-After": "1"} if status == 503 else None)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            index = int(loc[2]) if loc[:2] == ["body", "rows"] and len(loc) > 2 and loc[2].isdigit() else None
            errors.append({"index": index, "reason": f"{'.'.join(loc)}: {err.get('msg', '')}"})
        return _problem(422, t("api.bad_request", _lang(request), n=len(errors)), errors)


def _idempotent(store: Store, actor: Actor, key: str | None, request: Request, body: BaseModel,
                work: Callable[[], tuple[int, Any]], headers: Callable[[Any], dict[str, str]] | None = None
                ) -> Response:
    """Run a write once per Idempotency-Key (none: every time). A 2xx answer or a 422 is kept and replayed."""
    if key is None:
        status, content = work()
        return JSONResponse(content, status_code=status, headers=headers(content) if headers else None)
    token = actor.name
    found = idempotency.reserve(store, token, key, idempotency.fingerprint(
        request.method, request.url.path, str(request.url.query), body.model_dump_json()))
    if found is not None:
        content = json.loads(found.body)
        return JSONResponse(content, status_code=found.status, headers={
            "Idempotent-Replayed": "true", **(headers(content) if headers and found.status < 300 else {})})
    try:
        status, content = work()
    except (ValidationError, PermissionDenied) as exc:  # a refusal (RowsRefused included): the retry gets it again
        lang = _lang(request)
        status = _status_of(exc)
        content = {"detail": exc.localized(lang), "errors": exc.problems(lang) if isinstance(exc, RowsRefused) else []}
        idempotency.finish(store, token, key, status, json.dumps(content))
        return JSONResponse(content, status_code=status)
    except BaseException:
        idempotency.abandon(store, token, key)
        raise
    idempotency.finish(store, token, key, status, json.dumps(content))
    return JSONResponse(content, status_code=status, headers=headers(content) if headers else None)


def create_app(store: Store, catalog: Catalog, *, mcp: bool = True) -> FastAPI:
    """The API for `store`; with `mcp`, the MCP server at /mcp (streamable HTTP, a token required)."""
    door = None
    if mcp:
        from kpis.api.assistant import McpDoor

        door = McpDoor(store, catalog)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if door is None:
            yield
            return
        async with door.running():
            yield

    app = FastAPI(title="AI Scaling KPI Dashboard API", version="1", docs_url=None, redoc_url=None,
                  lifespan=lifespan, dependencies=[Depends(known_parameters)],
                  description="The quarterly report of an AI scale-up programme: the scorecard with its status "
                              "rules, the verdict, value, readiness and maturity; actuals, targets and check-ins "
                              "written with the same validation as imports and forms. Bearer tokens from "
                              "`python -m kpis token create`; every write is audited under the token's name.")
    app.state.store, app.state.catalog = store, catalog
    _install_errors(app)
    _read_routes(app, store, catalog)
    _write_routes(app, store, catalog)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.openapi()))

    if door is not None:
        door.mount(app)
    return app


def _read_routes(app: FastAPI, store: Store, catalog: Catalog) -> None:
    reports = answers.ReportCache()
    @app.get("/v1/health", summary="Is the API up and its store readable? (no token)")
    def health() -> dict[str, str]:
        with store.session():
            pass
        return {"status": "ok"}

    @app.get("/v1/kpis", summary="The KPI catalog", responses=_ERRORS)
    def kpis(_: Reader, lang: Lang = "en") -> list[dict[str, Any]]:
        return answers.catalog_records(catalog, lang)

    @app.get("/v1/report", summary="The quarter's report: verdict, counts, what changed, every scorecard row",
             responses=_ERRORS)
    def report(_: Reader, query: ReportQuery) -> dict[str, Any]:
        return answers.report_answer(reports.report(store, catalog, query), query.lang)

    @app.get("/v1/scorecard", summary="A quarter's scorecard: the same rows as `scorecard --format json`",
             responses=_ERRORS)
    def scorecard(_: Reader, query: ReportQuery) -> list[dict[str, Any]]:
        return answers.scorecard_answer(reports.report(store, catalog, query), query.lang)

    @app.get("/v1/kpis/{kpi_id}/why", summary="Why a KPI has its status this quarter", responses=_ERRORS)
    def why(_: Reader, kpi_id: Annotated[str, PathParam(max_length=100)], query: ReportQuery) -> dict[str, Any]:
        if kpi_id not in catalog:
            raise KpiError.keyed("error.unknown_kpi", kpi=kpi_id)
        return answers.why_answer(reports.report(store, catalog, query), catalog, kpi_id, query.lang)

    @app.get("/v1/forecast-misses", summary="KPIs whose Q4 forecast misses the Q4 target", responses=_ERRORS)
    def misses(_: Reader, query: ReportQuery) -> dict[str, Any]:
        return answers.forecast_misses(reports.report(store, catalog, query), query.lang)

    @app.get("/v1/regions", summary="Every region this quarter: counts per status and each KPI", responses=_ERRORS)
    def regions(_: Reader, query: ReportQuery) -> dict[str, Any]:
        return answers.regions_answer(reports.report(store, catalog, query), query.lang)

    @app.get("/v1/value", summary="Value realised to today and projected: the same object as `value --format json`",
             responses=_ERRORS)
    def value(_: Reader, program: Name = None,
              horizon: Annotated[int | None, QueryParam(ge=1, le=MAX_HORIZON, description="Program years "
                                                        "(default: the last recorded year)")] = None,
              scenario: Annotated[str, QueryParam(min_length=1, max_length=100)] = "base",
              currency: Annotated[str | None, QueryParam(pattern="^[A-Za-z]{3}$")] = None,
              discount_rate: Annotated[float, QueryParam(ge=0, le=1, description="For the NPV")] = 0.10,
              lang: Lang = "en") -> dict[str, Any]:
        with store.session() as session:
            return answers.value_answer(session, catalog, program=program, horizon=horizon, scenario=scenario,
                                        currency=currency, discount_rate=discount_rate, lang=lang)

    @app.get("/v1/readiness", summary="The readiness-to-scale gate and the success checklists of a unit",
             responses=_ERRORS)
    def readiness(_: Reader, year: Year = None, quarter: QuarterNo = None,
                  unit: Annotated[str, QueryParam(min_length=1, max_length=100)] = ORGANISATION,
                  lang: Lang = "en") -> dict[str, Any]:
        with store.session() as session:
            return answers.readiness_answer(session, catalog, year, quarter, unit, lang)

    @app.get("/v1/maturity", summary="CoE maturity of every unit assessed in the quarter", responses=_ERRORS)
    def maturity(_: Reader, year: Year = None, quarter: QuarterNo = None, unit: Name = None,
                 lang: Lang = "en") -> dict[str, Any]:
        with store.session() as session:
            return answers.maturity_answer(session, year, quarter, unit, lang)

    @app.get("/v1/audit", summary="The audit log, newest first, a page at a time (editors and admins)",
             responses=_ERRORS)
    def audit(actor: Reader, before: Annotated[int | None, QueryParam(ge=1, description="`next_before` of the "
                                                                                           "page before")] = None,
              limit: Annotated[int, QueryParam(ge=1, le=answers.AUDIT_MAX)] = answers.AUDIT_PAGE,
              who: Annotated[str | None, QueryParam(min_length=1, max_length=200)] = None,
              kpi_id: Annotated[str | None, QueryParam(min_length=1, max_length=100)] = None,
              since: date | None = None, until: date | None = None, lang: Lang = "en") -> dict[str, Any]:
        require(actor, "editor", "read the audit log")
        with store.session() as session:
            return answers.audit_page(session, before=before, limit=limit, actor=who, kpi_id=kpi_id,
                                      since=since, until=until)


def _write_routes(app: FastAPI, store: Store, catalog: Catalog) -> None:
    def write_batch(kind: str, actor: Actor, batch: _Batch, request: Request, key: str | None) -> Response:
        require(actor, "editor", f"write {kind}")
        return _idempotent(store, actor, key, request, batch, lambda: (200, write_rows(
            store, catalog, kind, batch.rows, actor, create_missing=batch.create_missing, dry_run=batch.dry_run)))

    @app.post("/v1/observations", summary="Write actuals: every row or none", responses=_WRITE_ERRORS,
              response_model=WriteResult)
    def observations(actor: Reader, batch: ObservationBatch, request: Request, idempotency_key: IdempotencyKey = None,
                     lang: Lang = "en") -> Response:
        return write_batch("observations", actor, batch, request, idempotency_key)

    @app.post("/v1/targets", summary="Write targets: every row or none (no version check; see PUT)",
              responses=_WRITE_ERRORS, response_model=WriteResult)
    def targets(actor: Reader, batch: TargetBatch, request: Request, idempotency_key: IdempotencyKey = None,
                lang: Lang = "en") -> Response:
        return write_batch("targets", actor, batch, request, idempotency_key)

    target_path = "/v1/targets/{kpi_id}/{year}/{quarter}"

    @app.get(target_path, summary="One target in force, with its version as the ETag", responses=_ERRORS,
             response_model=TargetState)
    def get_target(_: Reader, kpi_id: Annotated[str, PathParam(min_length=1, max_length=100)],
                   year: Annotated[int, PathParam(ge=2000, le=2100)], quarter: Annotated[int, PathParam(ge=1, le=4)],
                   region: Name = None, department: Name = None,
                   lang: Lang = "en") -> Response:
        if kpi_id not in catalog:
            raise KpiError.keyed("error.unknown_kpi", kpi=kpi_id)
        with store.session() as session:
            require_names(session, region=region, department=department)
            state = target_state(session, kpi_id, year, quarter, region, department)
        return JSONResponse(json.loads(state.model_dump_json()), headers={"ETag": _etag(state)})

    @app.put(target_path, summary="Change one target if nobody changed it since you read it (If-Match)",
             response_model=TargetState,
             responses={**_WRITE_ERRORS, 412: {"model": Problem, "description": "Changed by someone else since "
                                                                                 "your ETag: who and when."},
                        428: {"model": Problem, "description": "If-Match is required."}})
    def put_target(actor: Reader, change: TargetChange,
                   kpi_id: Annotated[str, PathParam(min_length=1, max_length=100)],
                   year: Annotated[int, PathParam(ge=2000, le=2100)], quarter: Annotated[int, PathParam(ge=1, le=4)],
                   if_match: Annotated[str | None, Header(alias="If-Match", max_length=100,
                                                          description="The ETag of GET on this target.")] = None,
                   region: Name = None, department: Name = None,
                   lang: Lang = "en") -> Response:
        require(actor, "editor", "change targets")
        if if_match is None:
            raise _Refused(428, "api.if_match_required")
        expected = TargetState.version_of(if_match)
        if expected is False:
            raise _Refused(412, "api.etag_unknown", etag=if_match)
        if kpi_id not in catalog:
            raise KpiError.keyed("error.unknown_kpi", kpi=kpi_id)
        record = TargetRecord(kpi_id=kpi_id, year=year, quarter=quarter, region=region, department=department,
                              target=change.target, reason=change.reason)
        try:
            set_target(store, catalog, actor, record, expected_version=expected, channel="api")
        except ConflictError as exc:
            if exc.key != "error.conflict":
                raise
            with store.session() as session:
                now = target_state(session, kpi_id, year, quarter, region, department)
            return _problem(412, t("api.target_changed", lang, who=localize(exc.params["who"], lang)),
                            headers={"ETag": _etag(now)})
        with store.session() as session:
            state = target_state(session, kpi_id, year, quarter, region, department)
        return JSONResponse(json.loads(state.model_dump_json()), headers={"ETag": _etag(state)})

    @app.post("/v1/checkins", summary="Record a check-in: a note, an owner and a confidence for a KPI's quarter",
              status_code=201, responses=_WRITE_ERRORS)
    def checkins(actor: Reader, body: CheckinBody, request: Request, idempotency_key: IdempotencyKey = None,
                 lang: Lang = "en") -> Response:
        require(actor, "editor", "record a check-in")

        def work() -> tuple[int, Any]:
            done = add_checkin(store, catalog, actor=actor, kpi_id=body.kpi_id, year=body.year, quarter=body.quarter,
                               note=body.note, owner=body.owner, confidence=body.confidence, region=body.region,
                               department=body.department, channel="api")
            return 201, json_ready({**done.record(), "kpi_id": done.kpi_id, "year": done.year,
                                            "quarter": done.quarter, "region": done.region,
                                            "department": done.department})

        return _idempotent(store, actor, idempotency_key, request, body, work)


def app_from_environment() -> FastAPI:
    """The app each uvicorn worker builds (`serve-api` sets KPIS_DB, and KPIS_CATALOG when given): the store
    kept open between close requests (KPIS_KEEP_OPEN seconds, as the app; PostgreSQL: a connection pool)."""
    keep_open(keep_open_seconds())
    catalog = load_catalog(os.environ.get("KPIS_CATALOG") or DEFAULT_CATALOG_PATH)
    store = Store(os.environ["KPIS_DB"], busy_timeout=float(os.environ.get("KPIS_BUSY_TIMEOUT") or 5))
    return create_app(store, catalog)
