"""Schemathesis against the API's own OpenAPI document: on every route, generated input (valid and invalid)
never gets a 500, every answer matches its documented schema, status codes and content type, and input the
schema forbids gets a 4xx. Runs in `make test` (a fresh copy of the demo store per route)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kpis.api import create_app
from kpis.catalog import load_catalog
from kpis.store import Store

_PATHS = create_app(Store("unused.duckdb"), load_catalog(), mcp=False).openapi()["paths"]
# (method, path, mode): invalid input only where a route takes some (a parameter or a body)
ROUTES = [(method.upper(), path, mode) for path, item in _PATHS.items() for method, op in item.items()
          for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
          if mode is GenerationMode.POSITIVE or op.get("parameters") or op.get("requestBody")]
EXAMPLES = 30  # per route and mode
# Not checked: that every schema-valid request is accepted. Names of regions, departments, programs and KPIs
# are the store's data, which a schema cannot list, and a row of actuals is checked against the catalog: such
# requests get a 422 that names the problem, which is the point.
EXCLUDED = [positive_data_acceptance]


IDS = [f"{m} {p} {'valid' if g is GenerationMode.POSITIVE else 'invalid'}" for m, p, g in ROUTES]


@pytest.mark.parametrize(("method", "path", "mode"), ROUTES, ids=IDS)
def test_every_route_keeps_its_contract(api, method, path, mode):
    operation = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)[path][method]
    headers = api.headers("editor")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)  # the same examples every run: CI never fails on a new draw
    def check(case):
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

    check()
