"""Telling people before they ask: email subscriptions, the quarterly digest and alerts.

- A subscription is one person (email) with a kind (`digest`, `alerts` or `both`), a scope (all,
  or one region and/or department) and a language.
- The digest (`digest --send`): per digest subscriber, one HTML message with a plain-text part, in
  their language and scope: the verdict, the status counts, what changed, the forecast misses,
  the latest check-ins, and the scorecard as an inline PNG chart.
- Alerts (`alerts --send`): per alert subscriber, the status changes and forecast misses in their
  scope that they have not been told about yet. What was told is recorded (notifications_sent),
  so a change is sent once; a failed delivery records nothing as told, is logged
  (notification_failures) and is retried on the next run.
- Delivery: SMTP from KPIS_SMTP_URL (smtp://host:port, smtps:// for TLS, optional user:password@)
  and KPIS_MAIL_FROM. `--dry-run` writes the messages as .eml files instead.
- Exactly once: one run at a time sends each kind (a lock row in send_locks, taken over when its run was
  killed), and a message is recorded as sent (notifications_sent) as soon as the server accepted it, so a
  retried, overlapping or killed run never sends it again. A digest is sent once per subscriber and
  quarter (`--resend` sends it again). A whole run stops at KPIS_SMTP_DEADLINE seconds (default 600).
"""

from __future__ import annotations

import json
import math
import os
import re
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from kpis.catalog import Catalog
from kpis.errors import KpiError, Reason, ValidationError
from kpis.escaping import one_line
from kpis.kinds import redact, url_secrets
from kpis.records import MESSAGE_LANGS, SUBSCRIPTION_KINDS, SubscriptionKind
from kpis.reference.names import require_names
from kpis.roles import Actor, require
from kpis.scorecard import Cell, Scope
from kpis.store import Session, Store, utc_now

__all__ = ["KINDS", "Subscription", "load_subscriptions", "run_alerts", "run_digest", "smtp_settings", "subscribe",
           "unsubscribe"]

Kind = SubscriptionKind
KINDS = SUBSCRIPTION_KINDS
LANGS = MESSAGE_LANGS
# An address as a mail server reads it the same way we store it: a dot-atom local part (no comments,
# quotes, colons or source routes), a host name of letters, digits and hyphens with a top-level domain;
# ASCII only; RFC 5321's limits (64 before the @, 63 per label, 254 in all).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})$")
DEFAULT_DEADLINE = 600.0  # seconds: a whole sending run (KPIS_SMTP_DEADLINE)


# -- subscriptions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subscription:
    email: str
    kind: Kind
    region: str | None
    department: str | None
    lang: str

    @property
    def scope(self) -> Scope:
        return Scope(self.region, self.department)

    def wants(self, what: Literal["digest", "alerts"]) -> bool:
        return self.kind in (what, "both")


def _email(address: str) -> str:
    """The address as stored (lower case), or a ValidationError naming it (printably, shortened)."""
    address = (address or "").strip()
    found = _EMAIL.match(address) if len(address) <= 254 else None
    if found is None or len(found["local"]) > 64:
        raise ValidationError.keyed("error.sentence", reason=Reason("bad_email", value=one_line(address)[:80]))
    return address.lower()


def subscribe(store: Store, actor: Actor, email: str, kind: str = "both", region: str | None = None,
              department: str | None = None, lang: str = "en", channel: str = "cli") -> Subscription:
    """Add or change a subscription. A viewer may subscribe only their own address; an admin anyone."""
    address = _email(email)
    if address != actor.name.strip().lower():
        require(actor, "admin", "manage other people's email subscriptions")
    if kind not in KINDS:
        raise ValidationError.keyed("error.sentence", reason=Reason("one_of", expected=", ".join(KINDS)))
    if lang not in LANGS:
        raise ValidationError.keyed("error.sentence", reason=Reason("one_of", expected=", ".join(LANGS)))
    with store.write_session() as session:
        require_names(session, region=region, department=department)
        with session.transaction():
            old = session.con.execute("SELECT kind, region, department, lang FROM subscriptions WHERE email = ?",
                                      [address]).fetchone()
            session.con.execute("INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE "
                                "SET kind = excluded.kind, region = excluded.region, "
                                "department = excluded.department, lang = excluded.lang, "
                                "created_by = excluded.created_by, updated_at = excluded.updated_at",
                                [address, kind, region, department, lang, actor.name, utc_now()])
            _audit(session, actor, channel, "update" if old else "create", address,
                   None if old is None else dict(zip(("kind", "region", "department", "lang"), old)),
                   {"kind": kind, "region": region, "department": department, "lang": lang})
    return Subscription(address, kind, region, department, lang)  # type: ignore[arg-type]


def unsubscribe(store: Store, actor: Actor, email: str, channel: str = "cli") -> bool:
    """Remove a subscription (and what it was told); False when there was none."""
    address = _email(email)
    if address != actor.name.strip().lower():
        require(actor, "admin", "manage other people's email subscriptions")
    with store.write_session() as session, session.transaction():
        old = session.con.execute("SELECT kind, region, department, lang FROM subscriptions WHERE email = ?",
                                  [address]).fetchone()
        if old is None:
            return False
        session.con.execute("DELETE FROM subscriptions WHERE email = ?", [address])
        session.con.execute("DELETE FROM notifications_sent WHERE email = ?", [address])
        _audit(session, actor, channel, "delete", address, dict(zip(("kind", "region", "department", "lang"), old)),
               None)
    return True


def _audit(session: Session, actor: Actor, channel: str, action: str, email: str, old, new) -> None:
    session.con.execute(
        "INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, old_value, new_value) "
        "VALUES (?, ?, ?, ?, 'subscription', ?, ?, ?)",
        [utc_now(), actor.name, channel, action, email, None if old is None else json.dumps(old),
         None if new is None else json.dumps(new)])


def load_subscriptions(session: Session) -> list[Subscription]:
    rows = session.con.execute("SELECT email, kind, region, department, lang FROM subscriptions ORDER BY email"
                               ).fetchall()
    return [Subscription(*row) for row in rows]


# -- delivery --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool
    user: str | None
    password: str | None
    sender: str


def smtp_settings(url: str | None = None, sender: str | None = None) -> SmtpSettings:
    """KPIS_SMTP_URL (smtp://[user:password@]host[:port], smtps:// for TLS) and KPIS_MAIL_FROM."""
    url = url if url is not None else os.environ.get("KPIS_SMTP_URL", "")
    sender = sender if sender is not None else os.environ.get("KPIS_MAIL_FROM", "")
    if not url:
        raise KpiError.keyed("error.no_smtp")
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise KpiError.keyed("error.bad_smtp", url=_redacted(url))
    if not sender:
        raise KpiError.keyed("error.no_mail_from")
    try:
        port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
    except ValueError:
        raise KpiError.keyed("error.bad_smtp", url=_redacted(url)) from None
    return SmtpSettings(parsed.hostname, port, parsed.scheme == "smtps",
                        unquote(parsed.username) if parsed.username else None,
                        unquote(parsed.password) if parsed.password else None, sender)


def _redacted(url: str) -> str:
    """The URL without its password (messages and logs never show it; kpis.kinds.redact)."""
    return redact(url, url_secrets(url))


def send_deadline() -> float:
    """Seconds a whole sending run may take (KPIS_SMTP_DEADLINE, default 600): a server that trickles bytes
    cannot hold a run, and its lock, for hours."""
    raw = os.environ.get("KPIS_SMTP_DEADLINE", "").strip()
    if not raw:
        return DEFAULT_DEADLINE
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 1 <= seconds <= 86_400):
        raise KpiError.keyed("error.bad_smtp_deadline", value=one_line(raw)[:40])
    return seconds


def _deliver(settings: SmtpSettings, messages: list[tuple[str, EmailMessage]],
             on_sent: Callable[[str], None] | None = None, deadline: float | None = None) -> dict[str, str]:
    """Send each (recipient, message) over one SMTP connection; {recipient: error} for those that failed.
    A message counts as delivered once the server accepted it: `on_sent(recipient)` records it then (before
    the next message), and an error after that (a failing QUIT, a dropped connection) never marks it
    failed, so it is not sent again. The whole exchange stops after `deadline` seconds (the connection is
    shut, so a server trickling bytes cannot stall it); what was not sent by then failed. Errors never
    show the password."""
    failed: dict[str, str] = {}
    delivered: set[str] = set()
    secrets = (settings.password,) if settings.password else ()
    deadline = send_deadline() if deadline is None else deadline
    expired = threading.Event()

    def reason(exc: Exception) -> str:
        if expired.is_set():
            return f"the mail server did not finish within {deadline:g} s (KPIS_SMTP_DEADLINE)"
        return one_line(redact(f"{exc.__class__.__name__}: {exc}", secrets))[:300]

    if not messages:
        return failed
    if settings.tls:
        server: smtplib.SMTP = smtplib.SMTP_SSL(timeout=min(30.0, deadline), context=ssl.create_default_context())
        server._host = settings.host  # the name TLS checks the certificate against (set by the constructor's host)
    else:
        server = smtplib.SMTP(timeout=min(30.0, deadline))

    def cut() -> None:  # the deadline: shut the socket under whatever call is waiting on it
        expired.set()
        sock = getattr(server, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(deadline, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        server.connect(settings.host, settings.port)
        if settings.user:
            server.login(settings.user, settings.password or "")
        for recipient, message in messages:
            if expired.is_set():
                break
            try:
                _email(recipient)  # stored before addresses were checked this strictly: never sent elsewhere
                refused = server.send_message(message, from_addr=settings.sender, to_addrs=[recipient])
            except smtplib.SMTPServerDisconnected:
                raise
            except (smtplib.SMTPException, ValidationError, ValueError, UnicodeError) as exc:
                failed[recipient] = reason(exc)  # this message only: the others still go
                continue
            if refused:
                failed[recipient] = f"refused: {refused}"
                continue
            delivered.add(recipient)
            if on_sent is not None:
                on_sent(recipient)
        with suppress(OSError, smtplib.SMTPException):  # what was accepted stays delivered
            server.quit()
    except (OSError, smtplib.SMTPException) as exc:  # no server, TLS or login failure, deadline: the rest failed
        for recipient, _ in messages:
            if recipient not in delivered:
                failed.setdefault(recipient, reason(exc))
    finally:
        watchdog.cancel()
        server.close()
    for recipient, _ in messages:  # stopped by the deadline between two messages
        if recipient not in delivered and recipient not in failed:
            failed[recipient] = reason(TimeoutError())
    return failed


@contextmanager
def send_lock(store: Store, kind: str, seconds: float) -> Iterator[None]:
    """One run at a time sends `kind` (digest or alerts): the lock row is taken before what was already
    sent is read and given back at the end. A row whose run is gone (past its expiry, or a process of this
    machine that no longer exists) is taken over; otherwise the run stops with who holds it since when."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with store.write_session() as session, session.transaction():
        now = utc_now()
        row = session.con.execute("SELECT holder, acquired_at, expires_at FROM send_locks WHERE kind = ?",
                                  [kind]).fetchone()
        if row is not None and row[2] > now and not _gone(row[0]):
            from kpis.errors import Words
            from kpis.i18n import t

            raise KpiError.keyed("error.sending_elsewhere", what=Words(en=t(f"kind.{kind}", "en"),
                                                                       es=t(f"kind.{kind}", "es")),
                                 holder=row[0], since=row[1])
        session.con.execute("DELETE FROM send_locks WHERE kind = ?", [kind])
        session.con.execute("INSERT INTO send_locks VALUES (?, ?, ?, ?)",
                            [kind, holder, now, now + timedelta(seconds=seconds + 120)])
    try:
        yield
    finally:
        with store.write_session() as session, session.transaction():
            session.con.execute("DELETE FROM send_locks WHERE kind = ? AND holder = ?", [kind, holder])


def _gone(holder: str) -> bool:
    """True when `holder` (host:pid) is a process of this machine that no longer runs."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def _record_sent(store: Store, email: str, keys: list[str]) -> None:
    """What `email` was just sent, committed at once (its own transaction): never sent again."""
    with store.write_session() as session, session.transaction():
        now = utc_now()
        for key in keys:
            session.con.execute("INSERT INTO notifications_sent VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                [email, key, now])


def _write_files(folder: Path, messages: list[tuple[str, EmailMessage]], kind: str) -> list[Path]:
    """One .eml file per message; an address whose name had to change (a character a file name cannot
    hold) gets a short fingerprint, so two recipients never share a file."""
    import hashlib

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for recipient, message in messages:
        safe = re.sub(r"[^a-z0-9.@_-]", "_", recipient)[:120]
        if safe != recipient:
            safe += "-" + hashlib.sha1(recipient.encode()).hexdigest()[:8]
        path = folder / f"{kind}-{safe}.eml"
        path.write_bytes(bytes(message))
        written.append(path)
    return written


def _log_failures(store: Store, failed: dict[str, str], kind: str) -> None:
    if not failed:
        return
    with store.write_session() as session, session.transaction():
        for email, error in failed.items():
            session.con.execute("INSERT INTO notification_failures VALUES (?, ?, ?, ?)",
                                [utc_now(), email, kind, error[:1000]])


# -- content ---------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What a run did: messages sent or written, recipients that failed (logged, retried next run)."""

    quarter: tuple[int, int] | None
    sent: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    told: int = 0  # alert items recorded as told
    skipped: list[str] = field(default_factory=list)  # subscribers with nothing new (or the digest already)
    pending: list[tuple[str, EmailMessage]] = field(default_factory=list)  # messages made, to send or write


def _sending(smtp: SmtpSettings | None, send: bool) -> tuple[SmtpSettings | None, str]:
    """The SMTP settings (required to send) and the sender address (a dry run needs no server)."""
    settings = smtp or (smtp_settings() if send else None)
    return settings, settings.sender if settings else os.environ.get("KPIS_MAIL_FROM") or "kpis-dashboard@localhost"


def _quarter_or_latest(session: Session, year: int | None, quarter: int | None) -> tuple[int, int]:
    """The quarter asked for, else the latest with data up to today's (kpis.report.report_quarter)."""
    from kpis.report import report_quarter

    return report_quarter(session, year, quarter)


def _scope_text(sub: Subscription, names: dict, lang: str) -> str:
    from kpis.reference.names import scope_label

    return scope_label(sub.region, sub.department, lang, names)


def _message(sender: str, recipient: str, subject: str, text: str, html: str,
             images: dict[str, bytes] | None = None) -> EmailMessage:
    message = EmailMessage()
    # one line: a region name with a line break must not fail the run (or add a header) for everyone
    message["Subject"], message["From"], message["To"] = one_line(subject), sender, recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kpis.local")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a report
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if images:
        html_part = message.get_payload()[1]
        for cid, png in images.items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid}.png")
    return message


_HTML_HEAD = ("<!doctype html><html><head><meta charset='utf-8'></head><body style=\"font-family:Segoe UI,"
              "Helvetica,Arial,sans-serif;color:#1F2937;max-width:760px\">")
_STATUS_CSS = {"ahead": "#1B7A3E", "on_track": "#0F6E5B", "at_risk": "#8A5300", "off_track": "#B42318",
               "no_data": "#5B6472", "no_target": "#5B6472"}


def _flag(status: str, lang: str) -> str:
    from kpis.i18n import t
    from kpis.status import STATUS_ICONS

    if status == "no_target":
        return f"{STATUS_ICONS['no_data']} {t('status.no_target', lang)}"
    return f"{STATUS_ICONS[status]} {t('status.' + status, lang)}"


def _cell_flag(cell: Cell, lang: str) -> str:
    """A KPI's flag: icon + word, "No target" where it has actuals and no target (as on every surface)."""
    return _flag("no_target" if cell.no_target else cell.status, lang)


def _scorecard_chart(cells: list[Cell], lang: str, title: str) -> bytes:
    """The scorecard as one image: attainment per KPI, bars coloured by status with icon + word."""
    import plotly.graph_objects as go

    from kpis.export.charts import STATUS_COLORS, TEMPLATE_NAME
    from kpis.export.images import figure_bytes
    from kpis.formatting import format_attainment

    judged = [c for c in cells if c.attainment is not None]
    judged.sort(key=lambda c: c.attainment)
    figure = go.Figure(go.Bar(
        x=[min(c.attainment, 2.0) for c in judged], y=[c.kpi.name(lang) for c in judged], orientation="h",
        marker_color=[STATUS_COLORS[c.status] for c in judged],
        text=[f"{format_attainment(c.attainment)} · {_cell_flag(c, lang)}" for c in judged],
        textposition="outside", cliponaxis=False))
    figure.add_vline(x=1.0, line_dash="dot", line_color="#4D4D4D")
    figure.update_layout(template=TEMPLATE_NAME, title=dict(text=title), height=max(420, 34 * len(judged) + 140),
                         margin=dict(l=20, r=190, t=70, b=40), showlegend=False,
                         xaxis=dict(tickformat=".0%", range=[0, 2.05]), yaxis=dict(automargin=True))
    return figure_bytes(figure, "png", width=1100, height=max(420, 34 * len(judged) + 140), scale=1)


def _digest(session: Session, catalog: Catalog, sub: Subscription, year: int, quarter: int, sender: str,
            names: dict, with_chart: bool) -> EmailMessage:
    from kpis.explain import checkin_lines, forecast_lines
    from kpis.formatting import format_attainment, format_value
    from kpis.i18n import t
    from kpis.report import build_report, target_text
    from kpis.status import STATUSES

    lang = sub.lang
    report = build_report(session, catalog, year, quarter, sub.scope)
    cells = list(report.cells)
    headline = report.verdict_text(lang)
    counts = report.counts
    changes = report.changes
    misses = [c for c in cells if c.forecast is not None and c.forecast.status == "will_miss"]
    by_id = {c.kpi.id: c for c in cells}
    said = [(by_id[k], c) for k, c in report.checkins.items() if k in by_id]
    when = report.when(lang)
    scope = _scope_text(sub, names, lang)
    subject = t("digest.subject", lang, quarter=when, scope=scope, on_track=report.on_track, n=report.judged)
    shown = [*STATUSES, "no_target"]
    counts_line = " · ".join(f"{_flag(s, lang)}: {counts[s]}" for s in shown if counts[s])
    moves = [f"{m.cell.kpi.name(lang)}: {_flag(m.before, lang)} → {_flag(m.after, lang)}"
             for m in changes.status_moves]
    miss_lines = [f"{c.kpi.name(lang)}: {forecast_lines(c, lang)[0]}" for c in misses]
    said_lines = [f"{cell.kpi.name(lang)}: " + " — ".join(checkin_lines(c, lang)) for cell, c in said]
    rows = [(c, format_value(c.actual, c.kpi, lang), target_text(c, lang),
             format_attainment(c.attainment)) for c in cells]
    sections = [(t("dash.changes", lang), moves, t("dash.no_moves", lang)),
                (t("deck.forecast_misses", lang), miss_lines, t("deck.no_forecast_misses", lang)),
                (t("deck.checkins", lang), said_lines, t("checkin.none", lang))]
    body: list[str] = []
    for title, lines, empty in sections:
        body += [title, *(f"- {x}" for x in (lines or [empty])), ""]
    question = t("verdict.heading", lang)
    text = "\n".join([t("digest.heading", lang, quarter=when), scope, "", f"{question} {headline}", "", counts_line,
                      "", *body,
                      t("export.table_scorecard", lang),
                      *(f"- {c.kpi.name(lang)}: {a} / {tg} ({att}) {_cell_flag(c, lang)}" for c, a, tg, att in rows),
                      "", t("digest.footer", lang)])
    html = [_HTML_HEAD, f"<h2 style='margin:0'>{escape(t('digest.heading', lang, quarter=when))}</h2>",
            f"<p style='color:#5B6472;margin:.2em 0 1em'>{escape(scope)}</p>",
            f"<p style='font-size:17px'><b>{escape(question)}</b> {escape(headline)}</p>",
            "<p>" + " &nbsp; ".join(f"<span style='color:{_STATUS_CSS[s]};font-weight:600'>{escape(_flag(s, lang))}: "
                                    f"{counts[s]}</span>" for s in shown if counts[s]) + "</p>"]
    for title, lines, empty in sections:
        html.append(f"<h3 style='margin-bottom:.3em'>{escape(title)}</h3><ul>"
                    + "".join(f"<li>{escape(x)}</li>" for x in lines or [empty]) + "</ul>")
    images = {}
    if with_chart:
        images["scorecard"] = _scorecard_chart(cells, lang, t("digest.chart_title", lang, quarter=when))
        html.append(f"<p><img src='cid:scorecard' alt='{escape(t('digest.chart_alt', lang))}' width='720' "
                    "style='max-width:100%'></p>")
    cell_css = "padding:3px 8px;white-space:nowrap"
    head = [t("table.kpi", lang), t("card.actual", lang), t("card.target", lang), t("card.attainment", lang),
            t("table.status", lang)]
    html.append(f"<h3>{escape(t('export.table_scorecard', lang))}</h3><table style='border-collapse:collapse'>"
                + "<tr>" + "".join(f"<th style='{cell_css};text-align:{'left' if i in (0, 4) else 'right'};"
                                   f"border-bottom:1px solid #C9CED6'>{escape(h)}</th>" for i, h in enumerate(head))
                + "</tr>"
                + "".join(f"<tr><td style='padding:3px 10px 3px 0'>{escape(c.kpi.name(lang))}</td>"
                          f"<td style='text-align:right;{cell_css}'>{escape(a)}</td>"
                          f"<td style='text-align:right;{cell_css};color:#5B6472'>{escape(tg)}</td>"
                          f"<td style='text-align:right;{cell_css}'>{escape(att)}</td>"
                          f"<td style='color:{_STATUS_CSS[c.status]};font-weight:600;{cell_css}'>"
                          f"{escape(_cell_flag(c, lang))}</td></tr>" for c, a, tg, att in rows)
                + "</table>")
    html.append(f"<p style='color:#5B6472;font-size:12px'>{escape(t('digest.footer', lang))}</p></body></html>")
    return _message(sender, sub.email, subject, text, "".join(html), images)


def digest_key(year: int, quarter: int) -> str:
    """How notifications_sent records that a subscriber got a quarter's digest."""
    return f"digest|{year}-Q{quarter}"


def run_digest(store: Store, catalog: Catalog, *, year: int | None = None, quarter: int | None = None,
               send: bool = True, out: Path | None = None, smtp: SmtpSettings | None = None,
               with_chart: bool = True, resend: bool = False) -> Outcome:
    """The quarterly digest to every digest subscriber (`send`), or written to `out` as .eml files. Sent
    once per subscriber and quarter: a subscriber who already has it is skipped (listed in `skipped`)
    unless `resend`, so a retried run sends only to those who did not get it."""
    settings, sender = _sending(smtp, send)
    if not send:
        outcome = _digest_messages(store, catalog, year, quarter, sender, with_chart, set())
        year, quarter = outcome.quarter
        outcome.written = _write_files(out or Path("outbox"), outcome.pending, f"digest-{year}-Q{quarter}")
        return outcome
    deadline = send_deadline()
    with send_lock(store, "digest", deadline):
        with store.session() as session:
            year, quarter = _quarter_or_latest(session, year, quarter)
            told = set() if resend else {email for (email,) in session.con.execute(
                "SELECT email FROM notifications_sent WHERE item_key = ?", [digest_key(year, quarter)]).fetchall()}
        outcome = _digest_messages(store, catalog, year, quarter, sender, with_chart, told)
        key = digest_key(year, quarter)
        outcome.failed |= _deliver(settings, outcome.pending, lambda email: _record_sent(store, email, [key]),
                                   deadline)
    outcome.sent = [r for r, _ in outcome.pending if r not in outcome.failed]
    _log_failures(store, outcome.failed, "digest")
    return outcome


def _digest_messages(store: Store, catalog: Catalog, year: int | None, quarter: int | None, sender: str,
                     with_chart: bool, told: set[str]) -> Outcome:
    """The digest message of every digest subscriber not in `told` (those are `skipped`)."""
    from kpis.reference.names import spanish_names

    with store.session() as session:
        year, quarter = _quarter_or_latest(session, year, quarter)
        names = spanish_names(session)
        outcome = Outcome((year, quarter))
        for sub in (s for s in load_subscriptions(session) if s.wants("digest")):
            if sub.email in told:
                outcome.skipped.append(sub.email)
                continue
            try:  # one subscriber's message that cannot be made never stops the others'
                outcome.pending.append((sub.email, _digest(session, catalog, sub, year, quarter, sender, names,
                                                           with_chart)))
            except Exception as exc:
                outcome.failed[sub.email] = _reason(exc)
    return outcome


def _reason(exc: Exception) -> str:
    """One line for a message that could not be made: the library's own words, else the exception's kind."""
    return one_line(str(exc) if isinstance(exc, KpiError) else f"{exc.__class__.__name__}: {exc}")[:300]


# -- alerts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertItem:
    key: str   # what makes it "the same news": sent once per person
    kpi_id: str
    kind: Literal["status", "forecast"]
    cell: Cell
    before: str | None = None


def _alert_items(cells: list[Cell], grid, scope: Scope, year: int, quarter: int) -> list[AlertItem]:
    where = f"{scope.region or '*'}/{scope.department or '*'}"
    items = []
    for cell in cells:
        previous = grid.previous(cell)
        before = "no_data" if previous is None else previous.evaluation.status
        # a flow KPI in the quarter in progress is judged against its target pro-rated to date, as the
        # verdict does: half a quarter's users against a whole quarter's target is not news
        now = cell.evaluation.status
        if now != before and now != "no_data":
            items.append(AlertItem(f"status|{cell.kpi.id}|{year}-Q{quarter}|{where}|{before}>{now}",
                                   cell.kpi.id, "status", cell, before))
        if cell.forecast is not None and cell.forecast.status == "will_miss":
            items.append(AlertItem(f"forecast|{cell.kpi.id}|{year}-Q{quarter}|{where}|will_miss", cell.kpi.id,
                                   "forecast", cell))
    return items


def _alert_message(sub: Subscription, items: list[AlertItem], year: int, quarter: int, sender: str,
                   names: dict) -> EmailMessage:
    from kpis.explain import forecast_lines
    from kpis.formatting import format_attainment, format_value
    from kpis.i18n import t

    lang = sub.lang
    scope = _scope_text(sub, names, lang)
    when = f"{year}-Q{quarter}" + (f" ({t('card.quarter_to_date_short', lang)})"
                                   if any(item.cell.in_progress for item in items) else "")
    lines = []
    for item in items:
        cell = item.cell
        if item.kind == "status":
            view = cell.evaluation
            to_date = cell.prorated is not None
            lines.append(t("alerts.status_line_to_date" if to_date else "alerts.status_line", lang,
                           kpi=cell.kpi.name(lang), before=_flag(item.before, lang), after=_flag(view.status, lang),
                           actual=format_value(cell.actual, cell.kpi, lang),
                           target=format_value(cell.prorated_target if to_date else cell.target_value, cell.kpi,
                                               lang),
                           attainment=format_attainment(view.attainment)))
        else:
            lines.append(f"{cell.kpi.name(lang)}: {forecast_lines(cell, lang)[0]}")
    subject = t("alerts.subject", lang, n=len(items), quarter=when, scope=scope)
    text = "\n".join([t("alerts.heading", lang, quarter=when), scope, ""] + [f"- {x}" for x in lines]
                     + ["", t("digest.footer", lang)])
    html = (_HTML_HEAD + f"<h2 style='margin:0'>{escape(t('alerts.heading', lang, quarter=when))}</h2>"
            f"<p style='color:#5B6472'>{escape(scope)}</p><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines)
            + f"</ul><p style='color:#5B6472;font-size:12px'>{escape(t('digest.footer', lang))}</p></body></html>")
    return _message(sender, sub.email, subject, text, html)


def run_alerts(store: Store, catalog: Catalog, *, send: bool = True, out: Path | None = None,
               smtp: SmtpSettings | None = None, year: int | None = None, quarter: int | None = None) -> Outcome:
    """New status changes and forecast misses, per alert subscriber, for the latest quarter with data. What
    a subscriber was sent is recorded as soon as the server accepted their message; a run holds the
    alerts lock from reading what was told to the end, so two runs never send the same news twice."""
    settings, sender = _sending(smtp, send)
    if not send:
        outcome, _ = _alert_messages(store, catalog, year, quarter, sender)
        year, quarter = outcome.quarter
        outcome.written = _write_files(out or Path("outbox"), outcome.pending, f"alerts-{year}-Q{quarter}")
        return outcome
    deadline = send_deadline()
    with send_lock(store, "alerts", deadline):
        outcome, keys = _alert_messages(store, catalog, year, quarter, sender)

        def told(email: str) -> None:
            _record_sent(store, email, keys[email])
            outcome.told += len(keys[email])

        outcome.failed |= _deliver(settings, outcome.pending, told, deadline)
    outcome.sent = [email for email, _ in outcome.pending if email not in outcome.failed]
    _log_failures(store, outcome.failed, "alerts")  # not told: retried on the next run
    return outcome


def _alert_messages(store: Store, catalog: Catalog, year: int | None, quarter: int | None,
                    sender: str) -> tuple[Outcome, dict[str, list[str]]]:
    """Each alert subscriber's message of what they were not told yet, and the keys of that news."""
    from kpis.reference.names import spanish_names
    from kpis.report import QuarterReport, build_report

    keys: dict[str, list[str]] = {}
    with store.session() as session:
        year, quarter = _quarter_or_latest(session, year, quarter)
        outcome = Outcome((year, quarter))
        names = spanish_names(session)
        told = {(e, k) for e, k in session.con.execute("SELECT email, item_key FROM notifications_sent").fetchall()}
        reports: dict[Scope, QuarterReport] = {}
        for sub in (s for s in load_subscriptions(session) if s.wants("alerts")):
            if sub.scope not in reports:
                reports[sub.scope] = build_report(session, catalog, year, quarter, sub.scope)
            report = reports[sub.scope]
            new = [i for i in _alert_items(list(report.cells), report.grid, sub.scope, year, quarter)
                   if (sub.email, i.key) not in told]
            if not new:
                outcome.skipped.append(sub.email)
                continue
            try:  # one subscriber's message that cannot be made never stops the others'
                outcome.pending.append((sub.email, _alert_message(sub, new, year, quarter, sender, names)))
                keys[sub.email] = [item.key for item in new]
            except Exception as exc:
                outcome.failed[sub.email] = _reason(exc)
    return outcome, keys
