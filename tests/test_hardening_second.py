"""The second attack pass (issue: hardening, second pass): each defect class found there, as a test that failed
before its fix."""

from __future__ import annotations

import pytest

from kpis.checkins import add_checkin, latest_checkins
from kpis.edits import set_target
from kpis.errors import ValidationError
from kpis.notify import load_subscriptions, subscribe
from kpis.records import TargetRecord
from kpis.reference import add_reference, rename
from kpis.roles import Actor
from kpis.scorecard import Scope, targets_in_force

ADMIN = Actor("ana", "admin")


def _brazil_target(store, catalog) -> float:
    with store.session() as session:
        found = targets_in_force(session, catalog, (2026, 3), (2026, 3), Scope(region="Brazil"))
    return found[("new_users", 2026, 3)].value


def test_a_merge_never_overwrites_the_other_regions_targets(demo_store, catalog):
    before = _brazil_target(demo_store, catalog)
    add_reference(demo_store, ADMIN, "region", "Brasil Sur")
    set_target(demo_store, catalog, ADMIN, TargetRecord(kpi_id="new_users", year=2026, quarter=3, target=1,
                                                        region="Brasil Sur", reason="plan"), expected_version=None)
    with pytest.raises(ValidationError, match="target_versions"):
        rename(demo_store, ADMIN, "region", "Brasil Sur", "Brazil")
    assert _brazil_target(demo_store, catalog) == before


def test_a_rename_carries_checkins_and_subscriptions(demo_store, catalog):
    add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=3, region="Colombia",
                note="Campaign moved to October", confidence="medium")
    subscribe(demo_store, ADMIN, "cfo@bank.example", "digest", region="Colombia")
    rename(demo_store, ADMIN, "region", "Colombia", "Colombia Andina")
    with demo_store.session() as session:
        assert "new_users" in latest_checkins(session, 2026, 3, "Colombia Andina")
        assert not latest_checkins(session, 2026, 3, "Colombia")
        (sub,) = [s for s in load_subscriptions(session) if s.email == "cfo@bank.example"]
    assert sub.region == "Colombia Andina"


def _glob_named_logs(folder):
    from kpis.eventgen import write_events

    sizes = {"x_a.parquet": 3000, "x_b.parquet": 2000, "x_[ab].parquet": 10}
    for name, events in sizes.items():
        write_events(folder / name, events, seed=len(name) + events)
    return sizes


@pytest.mark.parametrize("how", ["files", "directory", "glob"])
@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_log_file_named_with_glob_characters_is_read_once_as_itself(tmp_path, engine, how):
    from kpis.catalog import load_catalog
    from kpis.setup import initialise
    from kpis.store import Store
    from kpis.telemetry import ingest_events

    if engine == "spark":
        from kpis.spark import spark_available

        if spark_available() is not None:
            pytest.skip(f"Spark: {spark_available()}")
    logs = tmp_path / "logs"
    logs.mkdir()
    sizes = _glob_named_logs(logs)
    store = Store(tmp_path / "s.duckdb")
    initialise(store, load_catalog())
    patterns = {"files": [str(logs / name) for name in sizes], "directory": [str(logs)],
                "glob": [str(logs / "*.parquet")]}[how]
    result = ingest_events(store, patterns, actor=ADMIN, create_missing=True, engine=engine)
    assert result.rows == sum(sizes.values())  # 5,010: none read twice, none missed
    with store.session() as session:
        files = dict(session.con.execute("SELECT path, rows FROM event_files").fetchall())
    assert {p.rsplit("/", 1)[-1]: n for p, n in files.items()} == sizes


MARKDOWN_NAMES = ["![x](http://evil.test/x.png)", "**bold** _it_ `code`", "see http://evil.test or a@evil.test",
                  "two\n\n![y](http://evil.test/y.png)"]


@pytest.mark.parametrize("name", MARKDOWN_NAMES)
def test_region_names_never_render_as_markdown_on_the_regions_page(demo_store, name, monkeypatch):
    import html
    import re

    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    with demo_store.write_session() as session:
        session.con.execute("UPDATE regions SET name = ? WHERE name = 'Brazil'", [name])
        session.con.execute("UPDATE regions SET name_es = NULL WHERE name = ?", [name])
        session.con.execute("UPDATE observations SET region = ? WHERE region = 'Brazil'", [name])
        session.refresh_rollup()
    monkeypatch.setenv("KPIS_DB", demo_store.target)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / "regions.py"), default_timeout=60).run()
    assert not at.exception
    assert not at.table  # st.table renders Markdown in its cells
    tables = [m.value for m in at.markdown if m.value.startswith('<table class="kpi-table">')]
    assert tables and all("\n" not in t for t in tables)  # one HTML block: no blank line lets Markdown back in
    assert all(html.escape(" ".join(name.split())) in t for t in tables)
    assert not any(re.search(r"<(a|img)\b", t) for t in tables)


@pytest.mark.parametrize("period", ["2026-12-31", "2026-12", "2026-Q4", "2027-01-15"])
def test_actuals_dated_after_today_are_refused(store, catalog, tmp_path, period):
    from kpis.exchange import import_file

    path = tmp_path / "o.csv"
    path.write_text(f"kpi_id,period,value\nnew_users,{period},5\n", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        import_file(store, "observations", path, catalog, actor=ADMIN)
    assert "after today" in str(refused.value.rows[0].reason)
    with store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == 0


def test_a_month_in_progress_from_logs_is_dated_today_and_moves_with_the_next_run(tmp_path, monkeypatch):
    import pandas as pd

    from kpis.catalog import load_catalog
    from kpis.setup import initialise
    from kpis.store import Store
    from kpis.telemetry import ingest_events

    def log(name: str, days: list[str]) -> str:
        frame = pd.DataFrame({"timestamp": pd.to_datetime(days), "region": "Mexico", "tenant": "t",
                              "model_id": "m1", "latency_ms": 50.0, "status": "ok"})
        frame.to_parquet(tmp_path / name)
        return str(tmp_path / name)

    store = Store(tmp_path / "s.duckdb")
    initialise(store, load_catalog())
    monkeypatch.setenv("KPIS_TODAY", "2026-12-04")
    ingest_events(store, [log("a.parquet", ["2026-12-01T10:00", "2026-12-03T10:00"])], actor=ADMIN,
                  create_missing=True)
    monkeypatch.setenv("KPIS_TODAY", "2026-12-09")
    ingest_events(store, [log("b.parquet", ["2026-12-08T10:00"])], actor=ADMIN)
    with store.session() as session:
        days = session.con.execute("SELECT DISTINCT period FROM observations WHERE source = 'events'").fetchall()
        daily = session.scalar("SELECT value FROM observations WHERE kpi_id = 'transactions_per_day' "
                               "AND region IS NULL")
    assert [str(d) for (d,) in days] == ["2026-12-09"]  # one figure per month: the first run's day replaced
    assert daily == pytest.approx(3 / 31)  # the three events of both files, per day of the month


def test_logs_with_events_after_this_month_are_refused(tmp_path, monkeypatch):
    import pandas as pd

    from kpis.catalog import load_catalog
    from kpis.setup import initialise
    from kpis.store import Store
    from kpis.telemetry import ingest_events

    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2027-02-01T10:00"]), "region": "Mexico", "tenant": "t",
                          "model_id": "m1", "latency_ms": 50.0, "status": "ok"})
    frame.to_parquet(tmp_path / "late.parquet")
    store = Store(tmp_path / "s.duckdb")
    initialise(store, load_catalog())
    with pytest.raises(ValidationError, match="after today"):
        ingest_events(store, [str(tmp_path / "late.parquet")], actor=ADMIN, create_missing=True)


CONTROL_NAMES = ["Norte\r\nBcc: everyone@bank.example", "Sur\x0bcon\x01trol", "Este\u2028linea"]


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_one_hostile_region_name_breaks_no_output_for_anyone(demo_store, catalog, name, tmp_path):
    import email
    import email.policy
    import io

    import openpyxl
    from pptx import Presentation

    from kpis.boardpack import gather, render_table
    from kpis.deck import build_deck
    from kpis.notify import run_alerts, run_digest
    from kpis.tables import to_xlsx_bytes

    with demo_store.write_session() as session:  # as an older version or a restored backup could have left it
        session.con.execute("UPDATE regions SET name = ?, name_es = NULL WHERE name = 'Brazil'", [name])
        session.con.execute("UPDATE observations SET region = ? WHERE region = 'Brazil'", [name])
        session.con.execute("UPDATE maturity_assessments SET unit = ? WHERE unit = 'Brazil'", [name])
        session.refresh_rollup()
    subscribe(demo_store, ADMIN, "everyone@bank.example", "both")
    subscribe(demo_store, ADMIN, "brazil@bank.example", "both", region=name)
    digest = run_digest(demo_store, catalog, year=2026, quarter=3, send=False, out=tmp_path / "d", with_chart=False)
    assert not digest.failed and len(digest.written) == 2
    for path in digest.written:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
    alerts = run_alerts(demo_store, catalog, send=False, out=tmp_path / "a", year=2026, quarter=3)
    assert not alerts.failed
    with demo_store.session() as session:
        data = gather(session, catalog, 2026, 3)
    deck = Presentation(io.BytesIO(build_deck(data, None, "Program")))
    assert len(deck.slides) > 5
    for table in ("scorecard", "maturity", "checklists"):
        openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(render_table(table, data), table)))


def test_a_checkin_confidence_from_elsewhere_does_not_break_the_deck(demo_store, catalog):
    import io

    from pptx import Presentation

    from kpis.boardpack import gather
    from kpis.deck import build_deck

    add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=3, note="Restored",
                confidence="low")
    with demo_store.write_session() as session:  # a restored backup with a value this version never wrote
        session.con.execute("UPDATE checkins SET confidence = 'extreme'")
    with demo_store.session() as session:
        data = gather(session, catalog, 2026, 3)
    texts = [s.notes_slide.notes_text_frame.text for s in Presentation(io.BytesIO(build_deck(data, None, "P"))).slides
             if s.has_notes_slide]
    assert any("extreme" in text for text in texts)


TWINS = [("mexico", "Mexico"), ("Méxicó", "Mexico"), ("Мexico", "Mexico"), ("M e x i c o", "Mexico"),
         ("ΜEXICO", "Mexico")]  # ('México' is Mexico's Spanish name: an import reads it as Mexico)
BAD_NAMES = ["Mex\u200bico Norte", "Norte\u202eetroN", "Norte\x07Sur", "x" * 10_000, "Organisation", "organización"]


@pytest.mark.parametrize(("name", "known"), TWINS)
def test_a_look_alike_of_a_known_region_is_refused_on_every_path(demo_store, catalog, tmp_path, name, known):
    from kpis.exchange import import_file

    for attempt in (lambda: add_reference(demo_store, ADMIN, "region", name),
                    lambda: rename(demo_store, ADMIN, "region", "Colombia", name)):
        with pytest.raises(ValidationError, match=f"'{known}'"):
            attempt()
    path = tmp_path / "o.csv"
    path.write_text(f"kpi_id,period,value,region\nnew_users,2026-10-31,5,{name}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        import_file(demo_store, "observations", path, catalog, actor=ADMIN, create_missing=True)
    assert known in str(refused.value.rows[0].reason)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_control_invisible_reserved_and_huge_names_are_refused(demo_store, catalog, tmp_path, name):
    from kpis.exchange import import_file
    from kpis.reference import load_names

    with pytest.raises(ValidationError):
        add_reference(demo_store, ADMIN, "region", name)
    with pytest.raises(ValidationError):
        rename(demo_store, ADMIN, "region", "Colombia", name)
    path = tmp_path / "r.csv"
    path.write_text(f"name\n{name}\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        import_file(demo_store, "regions", path, catalog, actor=ADMIN)
    with demo_store.session() as session:
        assert len(load_names(session).regions) == 4


def test_a_line_break_in_a_new_name_becomes_a_space(demo_store):
    from kpis.reference import load_names

    add_reference(demo_store, ADMIN, "region", "Norte\r\nSur")
    with demo_store.session() as session:
        assert "Norte Sur" in load_names(session).regions


SECRET = "s3cretpw"


@pytest.mark.parametrize("url", [f"smtp://:{SECRET}@", f"smtp:/bot:{SECRET}@mail.example", f"smtps://bot:pa@{SECRET}@",
                                 f"smtp://bot:{SECRET}@mail.example:notaport"])
def test_smtp_url_errors_never_show_the_password(url):
    from kpis.errors import KpiError
    from kpis.notify import smtp_settings

    with pytest.raises(KpiError) as refused:
        smtp_settings(url, "kpis@bank.example")
    assert SECRET not in str(refused.value)


@pytest.mark.parametrize("text", [f"postgresql://kpis@db.example/kpis?password={SECRET}",
                                  f"postgresql://kpis:{SECRET}@db.example/kpis",
                                  f"postgresql://kpis:pa@{SECRET}@db.example/kpis",
                                  f"failed to resolve host \"{SECRET}@db\" (postgresql://kpis:{SECRET}@db/k)"])
def test_redact_removes_every_form_of_a_password(text):
    from kpis.kinds import redact, url_secrets

    assert SECRET not in redact(text, (*url_secrets(text), SECRET))
    assert SECRET not in redact(text.split(" (")[-1].rstrip(")"))


def test_an_unreachable_postgresql_store_is_named_without_its_password(tmp_path):
    from kpis.errors import KpiError
    from kpis.store import Store

    store = Store(f"postgresql://kpis@127.0.0.1:1/kpis?password={SECRET}&connect_timeout=2")
    assert SECRET not in store.location
    with pytest.raises(KpiError) as failed, store.session():
        pass
    assert SECRET not in str(failed.value)


def test_a_keyword_connection_string_as_db_is_refused_and_creates_no_file(tmp_path):
    import os
    import subprocess
    import sys

    dsn = f"host=db.example user=kpis password={SECRET} dbname=kpis"
    result = subprocess.run([sys.executable, "-m", "kpis", "--db", dsn, "init"], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "KPIS_USER": "t"}, timeout=120)
    assert result.returncode == 2 and "postgresql://" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert not list(tmp_path.iterdir())


def test_a_server_that_fails_quit_after_delivering_does_not_get_the_messages_again():
    import email.message

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    from kpis.notify import SmtpSettings, _deliver
    from tests.test_notify import Inbox, _free_port

    class FailingQuit(SMTP):
        async def smtp_QUIT(self, arg):
            await self.push("451 cannot close now")
            self.transport.close()

    class QuitController(Controller):
        def factory(self):
            return FailingQuit(self.handler)

    inbox, port = Inbox(), _free_port()
    controller = QuitController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        messages = []
        for to in ("a@bank.example", "b@bank.example"):
            message = email.message.EmailMessage()
            message["Subject"], message["From"], message["To"] = "digest", "kpis@bank.example", to
            message.set_content("hello")
            messages.append((to, message))
        failed = _deliver(SmtpSettings("127.0.0.1", port, False, None, None, "kpis@bank.example"), messages)
    finally:
        controller.stop()
    assert len(inbox.messages) == 2 and failed == {}  # both accepted: neither is marked failed nor sent again


def _cli(db, *args):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "kpis", "--db", str(db), *args], capture_output=True, text=True,
                          env={**os.environ, "KPIS_USER": "t"}, timeout=120)


def test_cli_csv_protects_formula_cells_and_tables_print_no_escape_sequences(demo_store, tmp_path):
    import csv
    import io

    with demo_store.write_session() as session:  # a check-in note and a KPI name as a restored backup could hold
        session.con.execute("INSERT INTO checkins VALUES (nextval('checkin_ids'), 'new_users', 2026, 3, NULL, NULL, "
                            "'=HYPERLINK(\"http://evil.test\")', NULL, 'low', 't', now()::TIMESTAMP)")
        session.con.execute("UPDATE regions SET name = 'Bra\x1b[31mzil', name_es = NULL WHERE name = 'Brazil'")
        session.con.execute("UPDATE observations SET region = 'Bra\x1b[31mzil' WHERE region = 'Brazil'")
        session.refresh_rollup()
    rows = list(csv.DictReader(io.StringIO(_cli(demo_store.target, "scorecard", "--year", "2026", "--quarter", "3",
                                                "--format", "csv").stdout)))
    note = next(r["checkin_note"] for r in rows if r["kpi_id"] == "new_users")
    assert note.startswith("'=")
    table = _cli(demo_store.target, "scorecard", "--year", "2026", "--quarter", "3", "--region", "Bra\x1b[31mzil")
    assert table.returncode == 0 and "Bra" in table.stdout and "\x1b" not in table.stdout


@pytest.mark.parametrize("args", [("scorecard", "--year", "0", "--quarter", "1"),
                                  ("scorecard", "--year", "10000", "--quarter", "1"),
                                  ("value", "--discount-rate", "-1"), ("value", "--discount-rate", "1e308"),
                                  ("value", "--discount-rate", "nan")])
def test_out_of_range_numbers_get_a_one_line_usage_error(demo_store, args):
    result = _cli(demo_store.target, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "unexpected" not in result.stderr.lower()


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), -1.5, 0.0])
def test_fx_rates_must_be_positive_finite_numbers(demo_store, rate):
    from datetime import date

    from kpis.edits import save_fx_rate

    with pytest.raises(ValidationError):
        save_fx_rate(demo_store, ADMIN, "USD", "MXN", date(2026, 6, 30), rate)


def test_targets_and_checkins_take_the_years_dates_take():
    from kpis.records import TargetRecord, latest_date

    with pytest.raises(Exception, match="accepted years"):
        TargetRecord(kpi_id="new_users", year=latest_date().year + 1, quarter=1, target=1)


def test_tiny_targets_and_negative_zero_read_as_people_read_them():
    from kpis.formatting import format_attainment, format_number, format_percent

    assert format_attainment(1e300) == "> 10,000%"
    assert format_percent(-0.0, "es") == "0%" and format_percent(-0.004, "en", 1) == "0%"
    assert format_number(-0.0) == "0"


# -- 4, 13, 18: mail sent exactly once, to the address stored, within a deadline ------------------------------

def _smtp_server(handler):
    from aiosmtpd.controller import Controller

    from tests.test_notify import _free_port

    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def test_a_retried_digest_goes_only_to_those_who_did_not_get_it(demo_store, catalog):
    from kpis.notify import run_digest, smtp_settings
    from tests.test_notify import Inbox

    inbox = Inbox()
    controller, port = _smtp_server(inbox)
    try:
        settings = smtp_settings(f"smtp://127.0.0.1:{port}", "kpis@bank.example")
        for address in ("ana@bank.example", "bounce@bank.example", "luis@bank.example"):
            subscribe(demo_store, ADMIN, address, "digest")
        inbox.refuse.add("bounce@bank.example")
        first = run_digest(demo_store, catalog, year=2026, quarter=3, smtp=settings, with_chart=False)
        assert sorted(first.sent) == ["ana@bank.example", "luis@bank.example"] and list(first.failed) == [
            "bounce@bank.example"]
        inbox.refuse.clear()
        retry = run_digest(demo_store, catalog, year=2026, quarter=3, smtp=settings, with_chart=False)
        assert retry.sent == ["bounce@bank.example"] and sorted(retry.skipped) == ["ana@bank.example",
                                                                                  "luis@bank.example"]
        assert [len(inbox.to(a)) for a in ("ana@bank.example", "bounce@bank.example", "luis@bank.example")] == [
            1, 1, 1]
        again = run_digest(demo_store, catalog, year=2026, quarter=3, smtp=settings, with_chart=False, resend=True)
        assert len(again.sent) == 3 and len(inbox.to("ana@bank.example")) == 2  # asked for: sent again
        other = run_digest(demo_store, catalog, year=2026, quarter=2, smtp=settings, with_chart=False)
        assert len(other.sent) == 3  # another quarter's digest is another message
    finally:
        controller.stop()


def test_two_overlapping_alert_runs_never_send_the_same_news_twice(demo_store, catalog):
    import threading

    from kpis.errors import KpiError
    from kpis.notify import run_alerts, smtp_settings
    from tests.test_notify import Inbox

    class Slow(Inbox):
        def __init__(self):
            super().__init__()
            self.arrived, self.go = threading.Event(), threading.Event()

        async def handle_DATA(self, server, session, envelope):
            import asyncio

            self.arrived.set()
            while not self.go.is_set():
                await asyncio.sleep(0.02)
            return await super().handle_DATA(server, session, envelope)

    inbox = Slow()
    controller, port = _smtp_server(inbox)
    try:
        settings = smtp_settings(f"smtp://127.0.0.1:{port}", "kpis@bank.example")
        subscribe(demo_store, ADMIN, "ana@bank.example", "alerts")
        results = {}
        first = threading.Thread(target=lambda: results.setdefault("first", run_alerts(demo_store, catalog,
                                                                                       smtp=settings)))
        first.start()
        assert inbox.arrived.wait(30)
        with pytest.raises(KpiError) as busy:  # the second run while the first is sending
            run_alerts(demo_store, catalog, smtp=settings)
        assert "Another run is sending the alerts" in str(busy.value) and "Traceback" not in str(busy.value)
        inbox.go.set()
        first.join(30)
        assert results["first"].sent == ["ana@bank.example"]
        after = run_alerts(demo_store, catalog, smtp=settings)  # the lock was given back; nothing is news
        assert after.sent == [] and len(inbox.to("ana@bank.example")) == 1
    finally:
        inbox.go.set()
        controller.stop()


def test_a_run_killed_mid_batch_never_resends_what_was_delivered(demo_store, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import threading

    from tests.test_notify import Inbox

    class StopsAtTheSecond(Inbox):
        def __init__(self):
            super().__init__()
            self.hold = threading.Event()

        async def handle_DATA(self, server, session, envelope):
            import asyncio

            if self.messages and not self.hold.is_set():  # the second message of the first run hangs
                self.hold.set()
                await asyncio.sleep(60)
            return await super().handle_DATA(server, session, envelope)

    inbox = StopsAtTheSecond()
    controller, port = _smtp_server(inbox)
    try:
        for address in ("a1@bank.example", "b2@bank.example"):
            subscribe(demo_store, ADMIN, address, "alerts")
        env = {**os.environ, "KPIS_SMTP_URL": f"smtp://127.0.0.1:{port}", "KPIS_MAIL_FROM": "kpis@bank.example"}
        run = subprocess.Popen([sys.executable, "-m", "kpis", "--db", demo_store.target, "alerts", "--send"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert inbox.hold.wait(60)
        run.send_signal(signal.SIGKILL)  # killed with the first message delivered and the second in flight
        run.wait(30)
        assert [rcpts for rcpts, _ in inbox.messages] == [["a1@bank.example"]]
        again = subprocess.run([sys.executable, "-m", "kpis", "--db", demo_store.target, "alerts", "--send"],
                               env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr  # the dead run's lock was taken over
        assert len(inbox.to("a1@bank.example")) == 1 and len(inbox.to("b2@bank.example")) == 1
    finally:
        controller.stop()


def test_a_server_trickling_bytes_stops_at_the_deadline(demo_store, catalog, monkeypatch):
    import socket
    import threading
    import time

    from kpis.notify import run_alerts, smtp_settings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle():
        conn, _ = listener.accept()
        with conn:
            while not stop.is_set():  # "220 ..." one byte every 0.2 s: never a whole line
                try:
                    conn.send(b"2")
                except OSError:
                    return
                time.sleep(0.2)

    threading.Thread(target=trickle, daemon=True).start()
    monkeypatch.setenv("KPIS_SMTP_DEADLINE", "2")
    subscribe(demo_store, ADMIN, "ana@bank.example", "alerts")
    started = time.monotonic()
    try:
        outcome = run_alerts(demo_store, catalog, smtp=smtp_settings(
            f"smtp://127.0.0.1:{listener.getsockname()[1]}", "kpis@bank.example"))
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 10
    assert "within 2 s" in outcome.failed["ana@bank.example"]
    with demo_store.session() as session:  # not told: retried next run; the lock was given back
        assert session.scalar("SELECT count(*) FROM notifications_sent") == 0
        assert session.scalar("SELECT count(*) FROM send_locks") == 0


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon", "100000"])
def test_a_bad_smtp_deadline_is_one_line(value, monkeypatch):
    from kpis.errors import KpiError
    from kpis.notify import send_deadline

    monkeypatch.setenv("KPIS_SMTP_DEADLINE", value)
    with pytest.raises(KpiError, match="KPIS_SMTP_DEADLINE"):
        send_deadline()


@pytest.mark.parametrize("address", ["a(comment)@bank.example", "ceo:b@bank.example", "@host:25",
                                     "<ana@bank.example>", "ana@bank.example\x07", "an\x00a@bank.example",
                                     '"a b"@bank.example', "ana@bank", "ana@-bank.example", "ana@bank..example",
                                     "ñ@bank.example", "x" * 65 + "@bank.example",
                                     "a@" + ".".join(["b" * 63] * 4) + ".example"])
def test_addresses_a_server_would_read_differently_are_refused(demo_store, address):
    with pytest.raises(ValidationError) as refused:
        subscribe(demo_store, ADMIN, address)
    assert "\x00" not in str(refused.value) and "\x07" not in str(refused.value)


def test_a_long_valid_address_goes_out_with_the_others(demo_store, catalog, tmp_path):
    from kpis.notify import run_digest, smtp_settings
    from tests.test_notify import Inbox

    long_one = "x" * 64 + "@" + ".".join(["b" * 60] * 3) + ".exampl"
    assert len(long_one) == 254
    inbox = Inbox()
    controller, port = _smtp_server(inbox)
    try:
        subscribe(demo_store, ADMIN, long_one, "digest")
        subscribe(demo_store, ADMIN, "ana@bank.example", "digest")
        outcome = run_digest(demo_store, catalog, year=2026, quarter=3, with_chart=False,
                             smtp=smtp_settings(f"smtp://127.0.0.1:{port}", "kpis@bank.example"))
    finally:
        controller.stop()
    assert "ana@bank.example" in outcome.sent and len(inbox.to("ana@bank.example")) == 1
    assert set(outcome.sent) | set(outcome.failed) == {long_one, "ana@bank.example"}


def test_dry_run_files_never_collide(demo_store, catalog, tmp_path):
    from kpis.notify import run_digest

    for address in ("a+b@bank.example", "a_b@bank.example", "a=b@bank.example"):
        subscribe(demo_store, ADMIN, address, "digest")
    outcome = run_digest(demo_store, catalog, year=2026, quarter=3, send=False, out=tmp_path / "outbox",
                         with_chart=False)
    assert len(set(outcome.written)) == 3 and len(list((tmp_path / "outbox").iterdir())) == 3
