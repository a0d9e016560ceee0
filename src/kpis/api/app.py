"""The FastAPI application: authentication, errors as JSON in the caller's language, the /v1 routes.

(No `from __future__ import annotations` here: FastAPI reads the parameters' annotations at run time.)"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kpis.catalog import Catalog
from kpis.errors import KpiError, ValidationError
from kpis.reference.names import require_names
from kpis.report import QuarterReport, build_report, json_ready, report_quarter
from kpis.roles import Actor, PermissionDenied
from kpis.scorecard import Scope
from kpis.store import Store
from kpis.tokens import token_actor
from kpis.value.fx import CURRENCIES

__all__ = ["create_app"]

_bearer = HTTPBearer(auto_error=False, description="A token from `python -m kpis token create`.")

Lang = Annotated[str, Query(pattern="^(en|es)$", description="Language of names and words: en or es.")]


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    """The token's actor (`token:NAME` with its role); 401 without a token or with an unknown or revoked one."""
    if credentials is None:
        raise HTTPException(401, "A Bearer token is required.", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.store.session() as session:
        found = token_actor(session, credentials.credentials)
    if found is None:
        raise HTTPException(401, "Unknown or revoked token.", headers={"WWW-Authenticate": "Bearer"})
    return found


Reader = Annotated[Actor, Depends(caller)]


def create_app(store: Store, catalog: Catalog) -> FastAPI:
    app = FastAPI(title="AI Scaling KPI Dashboard API", version="1", docs_url=None, redoc_url=None,
                  description="The quarterly report of an AI scale-up programme: the scorecard with its status "
                              "rules, the verdict, value and readiness. Bearer tokens from "
                              "`python -m kpis token create`.")
    app.state.store, app.state.catalog = store, catalog

    @app.exception_handler(KpiError)
    async def kpi_error(request: Request, exc: KpiError) -> JSONResponse:
        lang = request.query_params.get("lang", "en")
        lang = lang if lang in ("en", "es") else "en"
        status = 403 if isinstance(exc, PermissionDenied) else 422 if isinstance(exc, ValidationError) else 400
        return JSONResponse({"detail": exc.localized(lang)}, status_code=status)


    def report(year: int | None, quarter: int | None, region: str | None, department: str | None,
               currency: str | None, as_of: datetime | None) -> QuarterReport:
        if currency is not None and currency.upper() not in CURRENCIES:
            raise ValidationError.keyed("error.unknown_currency", currency=currency, known=", ".join(CURRENCIES))
        with store.session() as session:
            require_names(session, region=region, department=department)
            year, quarter = report_quarter(session, year, quarter)
            return build_report(session, catalog, year, quarter, Scope(region, department),
                                currency=currency.upper() if currency else None, as_of=as_of)

    @app.get("/v1/kpis", summary="The KPI catalog")
    def kpis(_: Reader, lang: Lang = "en") -> list[dict[str, Any]]:
        return [{"id": k.id, "name": k.name(lang), "family": k.family, "unit": k.unit, "direction": k.direction,
                 "over_time": k.over_time, "across_scope": k.across_scope} for k in catalog]

    @app.get("/v1/scorecard", summary="A quarter's scorecard: the same rows as `scorecard --format json`")
    def scorecard(_: Reader, year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                  quarter: Annotated[int | None, Query(ge=1, le=4)] = None, region: str | None = None,
                  department: str | None = None, currency: str | None = None, as_of: datetime | None = None,
                  lang: Lang = "en") -> list[dict[str, Any]]:
        return json_ready(report(year, quarter, region, department, currency, as_of).records(lang))

    @app.get("/v1/report", summary="The quarter's report: scorecard, counts, verdict and what changed")
    def quarter_report(_: Reader, year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                       quarter: Annotated[int | None, Query(ge=1, le=4)] = None, region: str | None = None,
                       department: str | None = None, currency: str | None = None, as_of: datetime | None = None,
                       lang: Lang = "en") -> dict[str, Any]:
        found = report(year, quarter, region, department, currency, as_of)
        return json_ready({
            "quarter": found.label, "year": found.year, "quarter_number": found.quarter,
            "scope": {"region": found.scope.region, "department": found.scope.department},
            "currency": found.currency, "cutoff": found.cutoff, "quarter_to_date": found.in_progress,
            "verdict": found.verdict_text(lang), "on_track": found.on_track, "judged": found.judged,
            "counts": found.counts, "scorecard": found.records(lang),
        })

    return app
