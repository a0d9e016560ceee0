"""Writes: all rows or none with every bad row's index, a target changed only over the version read (412
naming who), Idempotency-Key retries that write once, check-ins; audited under the token's name."""

from __future__ import annotations

import threading

from kpis.store import Store

MONTH = [{"kpi_id": "new_users", "period": "2026-11-30", "value": 1500 + i, "region": r}
         for i, r in enumerate(["Mexico", "Brazil", "Colombia", "USA"])]


def observation(store: Store, kpi_id: str, period: str, region: str | None) -> float | None:
    with store.session() as session:
        row = session.con.execute("SELECT value FROM observations WHERE kpi_id = ? AND period = ? "
                                  "AND region IS NOT DISTINCT FROM ? AND department IS NULL",
                                  [kpi_id, period, region]).fetchone()
    return None if row is None else row[0]


def audit_rows(store: Store, actor: str) -> list[tuple]:
    with store.session() as session:
        return session.con.execute("SELECT channel, action, entity, entity_key FROM audit_log WHERE actor = ? "
                                   "ORDER BY audit_id", [actor]).fetchall()


def test_a_pipeline_pushes_a_month_of_actuals_in_one_request_and_reads_the_verdict_back(api):
    before = api.get("/v1/report", params={"year": 2026, "quarter": 4}).json()
    pushed = api.post("/v1/observations", {"rows": MONTH})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {"kind": "observations", "rows": 4, "written": 4, "unchanged": 0, "dry_run": False,
                             "added": {}}
    assert observation(api.store, "new_users", "2026-11-30", "Brazil") == 1501
    after = api.get("/v1/report", params={"year": 2026, "quarter": 4}).json()
    assert after["verdict"] and after["context"]["quarter"] == "2026-Q4"
    rows = {r["kpi_id"]: r for r in after["scorecard"]}
    assert rows["new_users"]["actual"] != {r["kpi_id"]: r for r in before["scorecard"]}["new_users"]["actual"]
    assert [r[:3] for r in audit_rows(api.store, "token:pipeline-editor")] == [("api", "create", "observation")] * 4


def test_every_bad_row_is_named_by_index_and_nothing_is_written(api):
    rows = [dict(MONTH[0]),
            {"kpi_id": "new_users", "period": "2026-12-31", "value": 5},   # after today
            {"kpi_id": "nope", "period": "2026-10-31", "value": 1},        # unknown KPI
            {"kpi_id": "new_users", "period": "2026-10-31", "value": 3, "region": "Mexcio"},  # unknown region
            {"kpi_id": "new_users", "period": "2026-10-31"}]               # no value
    refused = api.post("/v1/observations?lang=es", {"rows": rows})
    assert refused.status_code == 422
    body = refused.json()
    assert [e["index"] for e in body["errors"]] == [1, 2, 3, 4]
    assert "posterior a hoy" in body["errors"][0]["reason"]
    assert "Mexcio" in body["errors"][2]["reason"] and "Mexico" in body["errors"][2]["reason"]
    assert "nada" in body["detail"]
    assert observation(api.store, "new_users", "2026-11-30", "Mexico") != MONTH[0]["value"]
    assert audit_rows(api.store, "token:pipeline-editor") == []


def test_shape_errors_are_422_with_the_row_index(api):
    refused = api.post("/v1/observations", {"rows": [MONTH[0], "not a row"]})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["index"] == 1
    assert api.post("/v1/observations", {"rows": []}).status_code == 422
    assert api.post("/v1/observations", {"rows": MONTH, "surprise": 1}).status_code == 422
    unknown_column = api.post("/v1/observations", {"rows": [{**MONTH[0], "colour": "red"}]})
    assert unknown_column.status_code == 422 and unknown_column.json()["errors"][0]["index"] is None


def test_viewers_may_not_write_and_dry_runs_write_nothing(api):
    assert api.post("/v1/observations", {"rows": MONTH}, role="viewer").status_code == 403
    assert api.post("/v1/checkins", {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "x"},
                    role="viewer").status_code == 403
    dry = api.post("/v1/observations", {"rows": MONTH, "dry_run": True})
    assert dry.status_code == 200 and dry.json()["written"] == 0
    assert observation(api.store, "new_users", "2026-11-30", "Brazil") != 1501


def test_target_batches_follow_the_import_rule_for_a_quarter_in_progress(api):
    row = {"kpi_id": "new_users", "year": 2026, "quarter": 4, "target": 4200}
    refused = api.post("/v1/targets", {"rows": [row]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["index"] == 0
    assert "reason" in refused.json()["errors"][0]["reason"]
    done = api.post("/v1/targets", {"rows": [{**row, "reason": "Board decision"}]})
    assert done.status_code == 200 and done.json()["written"] == 1
    assert api.get("/v1/targets/new_users/2026/4").json()["target"] == 4200


def test_a_target_changes_only_over_the_version_read_and_a_stale_etag_names_who_changed_it(api):
    read = api.get("/v1/targets/new_users/2026/4")
    etag = read.headers["ETag"]
    assert read.json()["etag"] == etag.strip('"')
    assert api.put("/v1/targets/new_users/2026/4", {"target": 4000, "reason": "r"}).status_code == 428
    first = api.put("/v1/targets/new_users/2026/4", {"target": 4000, "reason": "Board asked"},
                    headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != etag and first.json()["changed_by"] == "token:pipeline-editor"
    stale = api.put("/v1/targets/new_users/2026/4?lang=es", {"target": 4100, "reason": "Other"},
                    headers={"If-Match": etag})
    assert stale.status_code == 412
    assert "token:pipeline-editor" in stale.json()["detail"] and "no se guardó nada" in stale.json()["detail"]
    assert stale.headers["ETag"] == first.headers["ETag"]
    assert api.get("/v1/targets/new_users/2026/4").json()["target"] == 4000
    assert api.put("/v1/targets/new_users/2026/4", {"target": 1}, headers={"If-Match": '"v-x"'}).status_code == 412
    assert api.put("/v1/targets/nope/2026/4", {"target": 1}, headers={"If-Match": '"none"'}).status_code == 404


def test_a_new_target_key_is_created_with_the_none_etag(api):
    read = api.get("/v1/targets/new_users/2027/1", params={"region": "Mexico"})
    assert read.json()["target"] is None and read.headers["ETag"] == '"none"'
    made = api.put("/v1/targets/new_users/2027/1?region=Mexico", {"target": 900}, headers={"If-Match": '"none"'})
    assert made.status_code == 200 and made.json()["target"] == 900 and made.json()["region"] == "Mexico"
    again = api.put("/v1/targets/new_users/2027/1?region=Mexico", {"target": 901}, headers={"If-Match": '"none"'})
    assert again.status_code == 412


def test_two_clients_saving_the_same_target_at_once_one_gets_412(api):
    etag = api.get("/v1/targets/new_users/2026/4").headers["ETag"]
    start = threading.Barrier(2)
    answers: list[int] = []

    def save(value: float) -> None:
        start.wait()
        answers.append(api.put("/v1/targets/new_users/2026/4", {"target": value, "reason": f"to {value}"},
                               headers={"If-Match": etag}).status_code)

    threads = [threading.Thread(target=save, args=(v,)) for v in (4000, 4400)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 412]
    with api.store.session() as session:
        changes = session.con.execute("SELECT count(*) FROM audit_log WHERE entity = 'target' AND actor = ?",
                                      ["token:pipeline-editor"]).fetchone()[0]
    assert changes == 1


def test_a_retried_post_with_the_same_idempotency_key_writes_once(api):
    key = {"Idempotency-Key": "nightly-2026-11-30"}
    first = api.post("/v1/observations", {"rows": MONTH}, headers=key)
    retry = api.post("/v1/observations", {"rows": MONTH}, headers=key)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert len(audit_rows(api.store, "token:pipeline-editor")) == 4
    other = api.post("/v1/observations", {"rows": MONTH[:1]}, headers=key)
    assert other.status_code == 422 and "nightly-2026-11-30" in other.json()["detail"]
    # another token may use the same key for its own request
    assert api.post("/v1/observations", {"rows": MONTH[:1]}, role="admin", headers=key).status_code == 200


def test_concurrent_retries_with_one_key_write_once(api):
    key = {"Idempotency-Key": "same-key"}
    start = threading.Barrier(3)
    answers: list[int] = []

    def send() -> None:
        start.wait()
        answers.append(api.post("/v1/checkins", {"kpi_id": "new_users", "year": 2026, "quarter": 4,
                                                 "note": "Nightly load done"}, headers=key).status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 201 in answers and set(answers) <= {201, 409}
    with api.store.session() as session:
        assert session.scalar("SELECT count(*) FROM checkins WHERE note = 'Nightly load done'") == 1


def test_a_refused_batch_is_replayed_as_refused(api):
    key = {"Idempotency-Key": "bad-batch"}
    rows = [{"kpi_id": "nope", "period": "2026-10-31", "value": 1}]
    assert api.post("/v1/observations", {"rows": rows}, headers=key).status_code == 422
    again = api.post("/v1/observations", {"rows": rows}, headers=key)
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"


def test_a_checkin_is_recorded_under_the_token_and_shows_in_the_report(api):
    made = api.post("/v1/checkins", {"kpi_id": "new_users", "year": 2026, "quarter": 4,
                                     "note": "Pipeline loaded November", "owner": "Data team",
                                     "confidence": "high"})
    assert made.status_code == 201, made.text
    assert made.json()["by"] == "token:pipeline-editor"
    rows = {r["kpi_id"]: r for r in api.get("/v1/scorecard", params={"year": 2026, "quarter": 4}).json()}
    assert rows["new_users"]["checkin"]["note"] == "Pipeline loaded November"
    assert audit_rows(api.store, "token:pipeline-editor") == [("api", "create", "checkin",
                                                                "new_users / 2026-Q4 / * / *")]
    bad = api.post("/v1/checkins", {"kpi_id": "new_users", "year": 2026, "quarter": 4, "note": "a\x00b"})
    assert bad.status_code == 422


def test_tokens_are_stored_hashed_and_last_use_is_recorded(api):
    with api.store.session() as session:
        rows = session.con.execute("SELECT name, token_sha256, last_used_at FROM api_tokens ORDER BY name").fetchall()
        text = " ".join(str(v) for row in session.con.execute("SELECT * FROM audit_log").fetchall() for v in row)
    assert all(secret not in str(rows) and secret not in text for secret in api.tokens.values())
    assert {r[0]: r[2] for r in rows}["pipeline-viewer"] is None
    api.get("/v1/kpis")
    with api.store.session() as session:
        used = session.scalar("SELECT last_used_at FROM api_tokens WHERE name = 'pipeline-viewer'")
    assert used is not None
