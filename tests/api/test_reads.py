"""Reads: every answer comes from the quarter's report, equals the CLI's JSON, and needs a token."""

from __future__ import annotations

import json

import pytest

from kpis.cli import main
from kpis.reference.names import load_names
from kpis.report import build_report, report_quarter
from kpis.scorecard import Scope
from kpis.tokens import revoke_token
from tests.api.conftest import ADMIN

READS = ["/v1/kpis", "/v1/report", "/v1/scorecard", "/v1/kpis/roi_pct/why", "/v1/forecast-misses", "/v1/regions",
         "/v1/value", "/v1/readiness", "/v1/maturity", "/v1/targets/new_users/2026/4"]


def cli_json(capsys, *args: str) -> object:
    assert main([*args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", READS)
def test_every_read_needs_a_token_and_answers_a_viewer(api, path):
    refused = api.get(path, role=None)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in refused.json()["detail"].lower()
    assert api.get(path, headers={"Authorization": "Bearer kpis_not-a-token"}, role=None).status_code == 401
    found = api.get(path)
    assert found.status_code == 200, found.text


def test_a_revoked_token_stops_working_and_errors_are_in_the_callers_language(api):
    assert api.get("/v1/kpis").status_code == 200
    revoke_token(api.store, ADMIN, "pipeline-viewer")
    refused = api.get("/v1/kpis?lang=es")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Este token no existe o fue revocado."


def test_the_scorecard_equals_the_cli_json_for_every_quarter_and_scope_of_the_demo(api, capsys):
    """SPEC 10: the API's JSON for a scorecard equals `scorecard --format json` for the same query."""
    with api.store.session() as session:
        quarters = [(int(r.year), int(r.quarter)) for r in session.query("data_quarters").itertuples()]
        names = load_names(session)
    scopes = [{}] + [{"region": r} for r in names.regions] + [{"department": d} for d in names.departments]
    assert len(quarters) >= 8 and len(scopes) >= 15
    compared = 0
    for year, quarter in quarters:
        for scope in scopes:
            args = ["--year", str(year), "--quarter", str(quarter)]
            for key, value in scope.items():
                args += [f"--{key}", value]
            expected = cli_json(capsys, "--db", str(api.store.target), "scorecard", *args)
            query = {"year": year, "quarter": quarter, **scope}
            answer = api.get("/v1/scorecard", params=query)
            assert answer.status_code == 200, (query, answer.text)
            assert answer.json() == expected, query
            compared += 1
    assert compared == len(quarters) * len(scopes)


def test_the_report_carries_the_verdict_counts_and_rows_of_the_one_report(api, catalog):
    answer = api.get("/v1/report", params={"year": 2026, "quarter": 3, "lang": "es"}).json()
    with api.store.session() as session:
        report = build_report(session, catalog, 2026, 3, Scope())
    assert answer["verdict"] == report.verdict_text("es")
    assert answer["counts"] == report.counts
    assert answer["on_track"] == report.on_track
    assert answer["context"] == {**answer["context"], "quarter": "2026-Q3", "cutoff": "2026-09-30",
                                 "quarter_to_date": False, "currency": "MXN"}
    assert len(answer["scorecard"]) == len(report.cells)


def test_without_a_quarter_the_report_is_the_latest_with_data_to_date(api):
    answer = api.get("/v1/report").json()
    with api.store.session() as session:
        year, quarter = report_quarter(session)
    assert answer["context"]["quarter"] == f"{year}-Q{quarter}"
    assert answer["context"]["quarter_to_date"] is True
    assert answer["context"]["cutoff"] <= "2026-12-04"


def test_value_readiness_and_maturity_equal_the_cli(api, capsys):
    db = str(api.store.target)
    assert {k: v for k, v in api.get("/v1/value").json().items() if k != "headline"} == \
        cli_json(capsys, "--db", db, "value")
    readiness = api.get("/v1/readiness", params={"year": 2026, "quarter": 3}).json()
    expected = cli_json(capsys, "--db", db, "readiness", "--year", "2026", "--quarter", "3")
    assert {k: v for k, v in readiness.items() if k != "context"} == expected
    maturity = api.get("/v1/maturity", params={"year": 2026, "quarter": 3}).json()
    assert maturity["units"] == cli_json(capsys, "--db", db, "maturity", "--year", "2026", "--quarter", "3")


def test_why_misses_and_regions_name_their_quarter_scope_currency_and_cutoff(api):
    why = api.get("/v1/kpis/roi_pct/why", params={"year": 2026, "quarter": 3, "lang": "es"}).json()
    assert why["explanation"][0].startswith("Regla:")
    assert why["context"]["quarter"] == "2026-Q3" and why["context"]["currency"] == "MXN"
    assert api.get("/v1/kpis/nope/why").status_code == 404
    misses = api.get("/v1/forecast-misses", params={"year": 2026, "quarter": 3}).json()
    assert misses["count"] == len(misses["misses"])
    assert all(m["forecast_q4"] is not None for m in misses["misses"])
    regions = api.get("/v1/regions", params={"year": 2026, "quarter": 3, "lang": "es"}).json()
    assert {r["region"] for r in regions["regions"]} >= {"Mexico", "Brazil"}
    assert {r["label"] for r in regions["regions"]} >= {"México", "Brasil"}
    for answer in (why, misses, regions):
        assert set(answer["context"]) >= {"quarter", "region", "department", "currency", "cutoff"}


def test_bad_queries_are_4xx_with_a_reason(api):
    assert api.get("/v1/report", params={"year": 2026}).status_code == 422
    assert api.get("/v1/report", params={"quarter": 5, "year": 2026}).status_code == 422
    unknown = api.get("/v1/report", params={"region": "Atlantis", "lang": "es"})
    assert unknown.status_code == 422 and "Atlantis" in unknown.json()["detail"]
    assert api.get("/v1/report", params={"currency": "XYZ"}).status_code == 422


def test_the_audit_log_pages_newest_first_for_editors(api):
    assert api.get("/v1/audit").status_code == 403
    first = api.get("/v1/audit", role="editor", params={"limit": 5}).json()
    assert len(first["entries"]) == 5
    ids = [e["audit_id"] for e in first["entries"]]
    assert ids == sorted(ids, reverse=True)
    second = api.get("/v1/audit", role="editor", params={"limit": 5, "before": first["next_before"]}).json()
    assert max(e["audit_id"] for e in second["entries"]) < min(ids)
    assert first["entries"][0]["entity"] == "api_token"  # the tokens this test made, newest first


def test_the_docs_page_and_openapi_are_served_from_here(api):
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert "/v1/report" in page.text and "<script" not in page.text and "http" not in page.text.split("<pre>")[0]
    schema = api.client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/v1/report", "/v1/scorecard", "/v1/observations", "/v1/targets", "/v1/checkins", "/v1/audit",
            "/v1/value", "/v1/readiness", "/v1/maturity", "/v1/regions"} <= set(schema["paths"])


def test_a_misspelt_parameter_is_refused_not_ignored(api):
    refused = api.get("/v1/report", params={"year": 2026, "quater": 3, "lang": "es"})
    assert refused.status_code == 422
    assert "quater" in refused.json()["detail"] and "quarter" in refused.json()["detail"]
