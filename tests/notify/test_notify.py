"""Subscriptions, the quarterly digest and alerts, delivered to a real SMTP server on 127.0.0.1
(aiosmtpd, started here) and parsed as received: no mock of the sending code."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpis.errors import ValidationError
from kpis.notify import load_subscriptions, run_alerts, run_digest, smtp_settings, subscribe, unsubscribe
from kpis.roles import Actor, PermissionDenied
from tests.mail import Inbox, free_port

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is not installed (make test installs it)")
from aiosmtpd.controller import Controller  # noqa: E402

ADMIN, VIEWER = Actor("ana@bank.example", "admin"), Actor("vic@bank.example", "viewer")


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, smtp_settings(f"smtp://127.0.0.1:{port}", "KPI Dashboard <kpis@bank.example>"), port
    finally:
        controller.stop()


def _parts(message):
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    return html, text, images


def test_subscriptions_are_validated_and_viewers_manage_only_their_own(demo_store):
    subscribe(demo_store, ADMIN, "Luis@Bank.example", "digest", region="Mexico", lang="es")
    subscribe(demo_store, VIEWER, "vic@bank.example", "alerts")
    with pytest.raises(PermissionDenied):
        subscribe(demo_store, VIEWER, "other@bank.example")
    with pytest.raises(ValidationError):
        subscribe(demo_store, ADMIN, "not-an-address")
    with pytest.raises(ValidationError):
        subscribe(demo_store, ADMIN, "x@bank.example", region="Mexco")  # unknown name: refused
    with demo_store.session() as session:
        subs = {s.email: s for s in load_subscriptions(session)}
    assert subs["luis@bank.example"].lang == "es" and subs["luis@bank.example"].region == "Mexico"
    assert unsubscribe(demo_store, ADMIN, "luis@bank.example")
    assert not unsubscribe(demo_store, ADMIN, "luis@bank.example")


def test_spanish_subscriber_receives_one_digest_with_an_inline_chart_over_smtp(demo_store, catalog, smtp):
    inbox, settings, _ = smtp
    from kpis.editing.checkins import add_checkin

    subscribe(demo_store, ADMIN, "luis@bank.example", "digest", region="Mexico", lang="es")
    subscribe(demo_store, ADMIN, "ana@bank.example", "both")
    subscribe(demo_store, ADMIN, "alerts-only@bank.example", "alerts")
    add_checkin(demo_store, catalog, actor=ADMIN, kpi_id="adoption_rate_pct", year=2026, quarter=3,
                region="Mexico", note="La ola 3 de incorporación pasó a octubre", owner="Ana Ruiz", confidence="low")
    outcome = run_digest(demo_store, catalog, year=2026, quarter=3, smtp=settings)
    assert sorted(outcome.sent) == ["ana@bank.example", "luis@bank.example"] and not outcome.failed
    assert inbox.to("alerts-only@bank.example") == []
    (spanish,) = inbox.to("luis@bank.example")
    assert "2026-Q3" in spanish["Subject"] and ("México" in spanish["Subject"] or "Mexico" in spanish["Subject"])
    html, text, images = _parts(spanish)
    assert len(images) == 1 and images[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = images[0]["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html
    for words in ("Resumen trimestral", "¿Vamos en camino de escalar la IA?", "La ola 3 de incorporación",
                  "Pronóstico", "Scorecard"):
        assert words.lower() in html.lower() or words.lower() in text.lower(), words
    for english in ("On track", "Forecast", "What changed", "Check-ins for"):
        assert english not in text, english
    assert "Ana Ruiz" in text and "confianza baja" in text
    (english_one,) = inbox.to("ana@bank.example")
    assert "quarterly digest" in _parts(english_one)[1].lower()


def test_alerts_are_sent_once_and_a_failed_delivery_is_retried(demo_store, catalog, smtp):
    inbox, settings, _ = smtp
    subscribe(demo_store, ADMIN, "ana@bank.example", "alerts")
    subscribe(demo_store, ADMIN, "bounce@bank.example", "alerts", region="Brazil")
    inbox.refuse.add("bounce@bank.example")
    first = run_alerts(demo_store, catalog, smtp=settings)
    assert first.sent == ["ana@bank.example"] and "bounce@bank.example" in first.failed and first.told > 0
    (message,) = inbox.to("ana@bank.example")
    text = _parts(message)[1]
    assert "→" in text and message["Subject"].startswith("AI KPI alerts")
    with demo_store.session() as session:
        assert session.scalar("SELECT count(*) FROM notification_failures WHERE email = 'bounce@bank.example'") == 1
    second = run_alerts(demo_store, catalog, smtp=settings)  # nothing new for ana; bounce is retried
    assert second.sent == [] and "ana@bank.example" in second.skipped and "bounce@bank.example" in second.failed
    assert len(inbox.to("ana@bank.example")) == 1
    inbox.refuse.clear()
    third = run_alerts(demo_store, catalog, smtp=settings)
    assert third.sent == ["bounce@bank.example"] and len(inbox.to("bounce@bank.example")) == 1
    assert run_alerts(demo_store, catalog, smtp=settings).sent == []


def test_a_change_in_the_data_is_news_again(demo_store, catalog, smtp):
    inbox, settings, _ = smtp
    subscribe(demo_store, ADMIN, "ana@bank.example", "alerts")
    run_alerts(demo_store, catalog, smtp=settings)
    told = len(inbox.to("ana@bank.example"))
    from kpis.editing.forms import current_target, set_target
    from kpis.records import TargetRecord

    with demo_store.session() as session:
        current = current_target(session, "new_users", 2026, 3, None, None)

    # a much higher Q3 target moves new users to off track: a new status change, sent once
    set_target(demo_store, catalog, ADMIN, TargetRecord(kpi_id="new_users", year=2026, quarter=3,
                                                         target=50_000, reason="stretch goal set by the board"),
               expected_version=current["version_id"] if current else None)
    again = run_alerts(demo_store, catalog, smtp=settings, year=2026, quarter=3)
    assert again.sent == ["ana@bank.example"] and len(inbox.to("ana@bank.example")) == told + 1
    assert "New users" in _parts(inbox.to("ana@bank.example")[-1])[1]


def test_server_down_fails_every_message_and_records_nothing_as_told(demo_store, catalog):
    subscribe(demo_store, ADMIN, "ana@bank.example", "alerts")
    down = smtp_settings(f"smtp://127.0.0.1:{free_port()}", "kpis@bank.example")
    outcome = run_alerts(demo_store, catalog, smtp=down)
    assert outcome.sent == [] and "ana@bank.example" in outcome.failed and outcome.told == 0
    with demo_store.session() as session:
        assert session.scalar("SELECT count(*) FROM notifications_sent") == 0


def test_smtp_url_forms():
    tls = smtp_settings("smtps://bot%40bank:s3cr%2Ft@mail.bank.example", "kpis@bank.example")
    assert (tls.host, tls.port, tls.tls) == ("mail.bank.example", 465, True)
    assert (tls.user, tls.password) == ("bot@bank", "s3cr/t")
    assert smtp_settings("smtp://localhost:2525", "a@b.c").port == 2525
    from kpis.errors import KpiError

    with pytest.raises(KpiError) as caught:
        smtp_settings("http://user:pw@host", "a@b.c")
    assert "pw" not in str(caught.value)
    with pytest.raises(KpiError):
        smtp_settings("", "a@b.c")


def test_cli_subscribe_digest_dry_run_and_alerts_send(demo_store, tmp_path, smtp):
    inbox, _, port = smtp
    db = demo_store.target
    env = {**os.environ, "KPIS_SMTP_URL": f"smtp://127.0.0.1:{port}", "KPIS_MAIL_FROM": "kpis@bank.example"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "kpis", "--db", db, *args], capture_output=True, text=True,
                              env=env)

    assert run("subscribe", "luis@bank.example", "--kind", "both", "--region", "Mexico", "--lang", "es").returncode == 0
    out = tmp_path / "outbox"
    dry = run("digest", "--dry-run", "--out", str(out))  # latest quarter with data
    assert dry.returncode == 0, dry.stderr
    (written,) = list(out.glob("*.eml"))
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "luis@bank.example" and inbox.messages == []
    sent = run("alerts", "--send")
    assert sent.returncode == 0, sent.stderr
    assert len(inbox.to("luis@bank.example")) == 1
    assert "Alertas" in inbox.to("luis@bank.example")[0]["Subject"]
    again = run("alerts", "--send")
    assert again.returncode == 0 and len(inbox.to("luis@bank.example")) == 1
    assert run("unsubscribe", "luis@bank.example").returncode == 0
    no_server = run("digest", "--send", "--year", "2026", "--quarter", "3")
    assert no_server.returncode == 0  # nobody subscribed: nothing to send
    bad = subprocess.run([sys.executable, "-m", "kpis", "--db", db, "digest", "--send"], capture_output=True,
                         text=True, env={k: v for k, v in env.items() if k != "KPIS_SMTP_URL"})
    assert bad.returncode == 1 and "KPIS_SMTP_URL" in bad.stderr and "Traceback" not in bad.stderr
    Path(written).unlink()


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is needed to make the test certificate")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_with_login_delivers_over_tls(demo_store, catalog, tmp_path, monkeypatch):
    """smtps:// (TLS from the first byte) with user:password@, against a server with a certificate
    this test makes and trusts (SSL_CERT_FILE): the login and the message both arrive."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"bot@bank", b"s3cr/t")
        logins.append(ok)
        return AuthResult(success=ok)

    inbox, port = Inbox(), free_port()
    # implicit TLS (SMTPS): aiosmtpd does not count it as TLS for AUTH, so say the connection is secure
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust this test's certificate, as a bank's CA bundle would be
        subscribe(demo_store, ADMIN, "ana@bank.example", "digest")
        settings = smtp_settings(f"smtps://bot%40bank:s3cr%2Ft@127.0.0.1:{port}", "kpis@bank.example")
        outcome = run_digest(demo_store, catalog, year=2026, quarter=3, smtp=settings, with_chart=False)
        assert outcome.sent == ["ana@bank.example"] and logins == [True], outcome.failed
        assert len(inbox.to("ana@bank.example")) == 1
    finally:
        controller.stop()
