"""The second attack pass (issue: hardening, second pass): each defect class found there, as a test that failed
before its fix."""

from __future__ import annotations

import pytest

from kpis.backup.files import backup_store, restore_store
from kpis.editing.checkins import add_checkin, latest_checkins
from kpis.editing.forms import set_target
from kpis.errors import ValidationError
from kpis.notify import load_subscriptions, subscribe
from kpis.records import TargetRecord
from kpis.reference.names import add_reference, rename
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
    from kpis.telemetry.eventgen import write_events

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
    from kpis.telemetry.ingest import ingest_events

    if engine == "spark":
        from kpis.telemetry.spark import spark_available

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
    from kpis.editing.imports import import_file

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
    from kpis.telemetry.ingest import ingest_events

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
    from kpis.telemetry.ingest import ingest_events

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

    from kpis.export.boardpack import gather, render_table
    from kpis.export.deck import build_deck
    from kpis.export.tables import to_xlsx_bytes
    from kpis.notify import run_alerts, run_digest

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

    from kpis.export.boardpack import gather
    from kpis.export.deck import build_deck

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
    from kpis.editing.imports import import_file

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
    from kpis.editing.imports import import_file
    from kpis.reference.names import load_names

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
    from kpis.reference.names import load_names

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

    from kpis.notify.delivery import SmtpSettings, deliver
    from tests.mail import Inbox, free_port

    class FailingQuit(SMTP):
        async def smtp_QUIT(self, arg):
            await self.push("451 cannot close now")
            self.transport.close()

    class QuitController(Controller):
        def factory(self):
            return FailingQuit(self.handler)

    inbox, port = Inbox(), free_port()
    controller = QuitController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        messages = []
        for to in ("a@bank.example", "b@bank.example"):
            message = email.message.EmailMessage()
            message["Subject"], message["From"], message["To"] = "digest", "kpis@bank.example", to
            message.set_content("hello")
            messages.append((to, message))
        failed = deliver(SmtpSettings("127.0.0.1", port, False, None, None, "kpis@bank.example"), messages)
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

    from kpis.editing.forms import save_fx_rate

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

    from tests.mail import free_port

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def test_a_retried_digest_goes_only_to_those_who_did_not_get_it(demo_store, catalog):
    from kpis.notify import run_digest, smtp_settings
    from tests.mail import Inbox

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
    from tests.mail import Inbox

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

    from tests.mail import Inbox

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
    from tests.mail import Inbox

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


# -- 9, 17: a restore checks the backup's rows as an import would; a killed copy leaves no half-made store -----

def _edited_backup(store, folder, table: str, sql: str):
    """A backup of `store` whose `table` went through `sql` (a SELECT over `t`), the counts kept honest."""
    import json

    import duckdb

    backup_store(store, folder)
    file = folder / f"{table}.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{file}')")
    con.execute(f"COPY ({sql}) TO '{file}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    manifest = json.loads((folder / "backup.json").read_text())
    manifest["tables"][table] = rows
    (folder / "backup.json").write_text(json.dumps(manifest))
    return folder


@pytest.mark.duckdb_only
@pytest.mark.parametrize("table, sql, words", [
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 'Infinity'::DOUBLE "
                     "ELSE value END AS value) FROM t", "value is not a finite number"),
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 'NaN'::DOUBLE "
                     "ELSE value END AS value) FROM t", "value is not a finite number"),
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 1e300 "
                     "ELSE value END AS value) FROM t", "value is not a finite number"),
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 'Atlantis' "
                     "ELSE region END AS region) FROM t", "region not among the store's regions"),
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN DATE '2031-01-31' "
                     "ELSE period END AS period) FROM t", "never dated after today"),
    ("target_versions", "SELECT * REPLACE (CASE WHEN version_id = (SELECT min(version_id) FROM t) THEN "
                        "'-Infinity'::DOUBLE ELSE target END AS target) FROM t", "target is not a finite number"),
    ("checkins", "SELECT * REPLACE ('extreme' AS confidence) FROM t", "confidence is not one of high, medium, low"),
    ("maturity_assessments", "SELECT * REPLACE (9.0 AS score) FROM t", "score"),
    ("value_streams", "SELECT * REPLACE (CASE WHEN (program, stream, year) = (SELECT (program, stream, year) FROM t "
                      "ORDER BY ALL LIMIT 1) THEN 'windfall' ELSE stream END AS stream) FROM t",
     "stream is not one of"),
    ("regions", "SELECT * REPLACE (CASE WHEN name = 'Brazil' THEN 'Bra' || chr(8203) || 'zil' ELSE name END AS name) "
                "FROM t", "invisible"),
    ("observations", "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 'a' || chr(0) || 'b' "
                     "ELSE source END AS source) FROM t", "NUL character"),
])
def test_a_restore_refuses_rows_an_import_would_refuse(demo_store, catalog, tmp_path, table, sql, words):
    from kpis.errors import KpiError
    from kpis.store import Store

    if table == "checkins":
        add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=3, note="x",
                    confidence="low")
    backup = _edited_backup(demo_store, tmp_path / "backup", table, sql)
    target = tmp_path / "restored.duckdb"
    with pytest.raises(KpiError) as refused:
        restore_store(Store(target), backup)
    assert words in str(refused.value) and ("nothing restored" in str(refused.value) or table == "maturity_assessments")
    assert "\n" not in str(refused.value) and not target.exists()
    assert not list(tmp_path.glob(".restored.duckdb.partial-*"))


@pytest.mark.duckdb_only
def test_a_restore_rebuilds_the_rollup_instead_of_trusting_the_backups(demo_store, tmp_path):
    from kpis.store import Store

    backup = _edited_backup(demo_store, tmp_path / "backup", "period_rollup",
                            "SELECT * REPLACE (v_sum + 1000 AS v_sum) FROM t")
    restored = Store(tmp_path / "restored.duckdb")
    restore_store(restored, backup)
    with restored.session() as session, demo_store.session() as original:
        query = ("SELECT kpi_id, period, region, has_department, v_sum::DOUBLE, n FROM period_rollup "
                 "ORDER BY ALL")
        assert session.con.execute(query).fetchall() == original.con.execute(query).fetchall()
        assert session.rollup_ready()


@pytest.mark.duckdb_only
def test_an_id_that_is_not_a_number_is_one_line_and_leaves_no_file(demo_store, tmp_path):
    from kpis.errors import KpiError
    from kpis.store import Store

    backup = _edited_backup(demo_store, tmp_path / "backup", "observations",
                            "SELECT * REPLACE (CASE WHEN obs_id = (SELECT min(obs_id) FROM t) THEN 'abc' "
                            "ELSE obs_id::VARCHAR END AS obs_id) FROM t")
    target = tmp_path / "restored.duckdb"
    with pytest.raises(KpiError, match="obs_id value"):
        restore_store(Store(target), backup)
    assert not target.exists() and not list(tmp_path.glob(".restored*"))


@pytest.mark.duckdb_only
@pytest.mark.parametrize("command", ["restore", "copy"])
def test_a_killed_restore_or_copy_leaves_no_half_made_store(demo_store, tmp_path, command):
    import subprocess
    import sys

    from kpis.store import Store

    backup_store(demo_store, tmp_path / "backup")
    target = tmp_path / "new.duckdb"
    script = f"""
import os, signal
import kpis.store as store
import kpis.backup.files as files
real = store.Session.insert_rows if {command == 'copy'!r} else files.create_schema
def dying(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # killed half-way: the schema or the first rows written
if {command == 'copy'!r}:
    store.Session.insert_rows = dying
    from kpis.backup.copying import copy_store
    copy_store(store.Store({str(demo_store.target)!r}), store.Store({str(target)!r}), verify=False)
else:
    files.create_schema = dying
    files.restore_store(store.Store({str(target)!r}), __import__('pathlib').Path({str(tmp_path / 'backup')!r}))
"""
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert not target.exists()  # nothing under the store's name: the next command says there is no store
    assert list(tmp_path.glob(".new.duckdb.partial-*"))
    restore_store(Store(target), tmp_path / "backup")  # the next run clears the dead run's partial file
    assert target.exists() and not list(tmp_path.glob(".new.duckdb.partial-*"))


# -- 19: text with a NUL or nothing visible is refused on every path -------------------------------------------

@pytest.mark.parametrize("text, words", [("a\x00b", "control character"), ("x\x1by", "control character"),
                                         ("\u200b", "no visible character"), ("\u200b \u2060", "no visible "
                                                                                                  "character")])
def test_text_with_a_nul_or_nothing_visible_is_refused_everywhere(demo_store, catalog, tmp_path, text, words):
    from pydantic import ValidationError as PydanticError

    from kpis.editing.forms import delete_actual, freeze_quarter

    with pytest.raises(ValidationError, match=words):  # a check-in note
        add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="new_users", year=2026, quarter=3, note=text)
    with pytest.raises(PydanticError, match=words):  # a target's reason (the form's record)
        TargetRecord(kpi_id="new_users", year=2027, quarter=1, target=5, reason=text)
    with pytest.raises(ValidationError, match=words):
        freeze_quarter(demo_store, ADMIN, 2025, 1, note=text)
    with demo_store.session() as session:
        obs_id = session.scalar("SELECT min(obs_id) FROM observations")
    with pytest.raises(ValidationError):
        delete_actual(demo_store, ADMIN, obs_id=obs_id, reason=text)


@pytest.mark.parametrize("text, words", [("a\x00b", "control character"), ("x\x1by", "control character"),
                                         ("\u200b", "no visible character")])
def test_an_import_names_the_row_with_a_nul_or_nothing_visible(demo_store, catalog, tmp_path, text, words):
    import pandas as pd

    from kpis.editing.imports import import_file

    file = tmp_path / "actuals.parquet"  # an import (Parquet holds any text): the row named, nothing written
    pd.DataFrame({"kpi_id": ["new_users"] * 2, "period": ["2026-06", "2026-07"], "region": ["Mexico"] * 2,
                  "department": [None, None], "value": [10.0, 11.0], "source": ["ok", text]}).to_parquet(file)
    with demo_store.session() as session:
        before = session.scalar("SELECT count(*) FROM observations")
    with pytest.raises(ValidationError) as refused:
        import_file(demo_store, "observations", file, catalog, actor=ADMIN)
    assert [r.line for r in refused.value.rows] == [3] and words in str(refused.value.rows[0].reason)
    with demo_store.session() as session:
        assert session.scalar("SELECT count(*) FROM observations") == before


def test_the_text_reason_reads_in_spanish():
    from kpis.records import ObservationRecord

    with pytest.raises(Exception) as refused:
        ObservationRecord(kpi_id="new_users", period="2026-06", value=1, source="\u200b")
    from kpis.editing.reasons import validation_reason

    assert validation_reason(refused.value).text("es") == "fuente: no tiene ningún carácter visible"


# -- 8: a Parquet file is bounded by what it holds, not by what its footer claims ---------------------------------

def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def test_a_parquet_footer_that_understates_its_rows_is_refused(tmp_path):
    import struct

    import pyarrow as pa
    import pyarrow.parquet as pq

    from kpis.editing.imports import MAX_ROWS, read_table

    real = MAX_ROWS + 10_000
    file = tmp_path / "lying.parquet"
    pq.write_table(pa.table({"kpi_id": pa.array(["new_users"] * real), "value": pa.array([1.0] * real)}), file)
    data = bytearray(file.read_bytes())
    footer_length = struct.unpack("<I", data[-8:-4])[0]
    start = len(data) - 8 - footer_length
    claim, lie = b"\x16" + _varint(real * 2), b"\x16" + _varint(10_000 * 2)  # FileMetaData.num_rows (zigzag)
    assert len(claim) == len(lie)
    at = data.index(claim, start)  # the file's own count comes before the row groups'
    data[at:at + len(claim)] = lie
    import pyarrow.parquet as check

    assert check.ParquetFile(pa.BufferReader(bytes(data))).metadata.num_rows == 10_000
    with pytest.raises(ValidationError, match="200,000"):
        read_table(bytes(data), "lying.parquet")


def test_a_parquet_dictionary_bomb_is_refused_before_it_is_expanded(tmp_path):
    import resource

    import pyarrow as pa
    import pyarrow.parquet as pq

    from kpis.editing.imports import read_table

    rows = 150_000
    long_text = "x" * 5_000  # 5 KB repeated 150,000 times: 750 MB once every row holds its copy
    file = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"kpi_id": pa.array(["new_users"] * rows),
                             "source": pa.array([long_text] * rows).dictionary_encode()}), file,
                   compression="zstd", use_dictionary=True)
    assert file.stat().st_size < 100_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError, match="MB"):
        read_table(file.read_bytes(), "bomb.parquet")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300_000  # KB: well under 750 MB


# -- 12, 16: Spark listens on loopback in local mode; a bad or unreachable master and a named pipe are one line --

@pytest.mark.parametrize("master", ["foo://x", "local[two]", "spark://", "yarn; rm -rf /", "k8s://"])
def test_a_bad_spark_master_is_one_line_before_any_jvm(master):
    from kpis.errors import KpiError
    from kpis.telemetry.spark import check_master

    with pytest.raises(KpiError, match="--spark-master must be"):
        check_master(master)


def test_an_unreachable_spark_master_is_named_in_seconds():
    import socket
    import time

    from kpis.errors import KpiError
    from kpis.telemetry.spark import check_master

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(KpiError, match=f"Cannot reach the Spark master at 127.0.0.1:{port}"):
        check_master(f"spark://127.0.0.1:{port}", timeout=2)
    assert time.monotonic() - started < 5
    for master in ("local", "local[2]", "local[*]", "local[4,2]", None):
        check_master(master)


def test_ingesting_a_named_pipe_is_refused_without_waiting(demo_store, tmp_path):
    import os
    import subprocess
    import sys

    pipe = tmp_path / "requests.csv"
    os.mkfifo(pipe)
    done = subprocess.run([sys.executable, "-m", "kpis", "--db", demo_store.target, "ingest", "events", str(pipe)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(__import__("kpis.telemetry.spark", fromlist=["x"]).spark_available() is not None,
                    reason="no Spark here")
def test_spark_local_n_listens_on_loopback_only():
    from pathlib import Path

    from kpis.telemetry.spark import SparkEngine

    spark = SparkEngine.get("local[2]").spark
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1" and conf.get("spark.driver.host") == "127.0.0.1"
    ports = {int(conf.get(key)) for key in ("spark.driver.port", "spark.driver.blockManager.port")
             if conf.get(key) not in (None, "0")}
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) in ports:  # LISTEN
                listening.append(address)
    assert listening and all(a in ("0100007F", "00000000000000000000000001000000",
                                   "0000000000000000FFFF00000100007F") for a in listening), listening
