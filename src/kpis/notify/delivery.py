"""Delivery, exactly once: SMTP settings (KPIS_SMTP_URL, KPIS_MAIL_FROM), one run at a time per kind (send_locks), each
message recorded as sent the moment the server accepted it, an overall deadline (KPIS_SMTP_DEADLINE), and .eml
files for a dry run."""

from __future__ import annotations

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
from pathlib import Path
from urllib.parse import unquote, urlparse

from kpis.errors import KpiError, ValidationError, Words
from kpis.escaping import one_line
from kpis.i18n import t
from kpis.kinds import redact, url_secrets
from kpis.notify.subscriptions import check_email
from kpis.store import Store, utc_now

__all__ = ["DEFAULT_DEADLINE", "Outcome", "SmtpSettings", "deliver", "log_failures", "record_sent", "send_deadline",
           "send_lock", "sending", "smtp_settings", "write_files"]


DEFAULT_DEADLINE = 600.0  # seconds: a whole sending run (KPIS_SMTP_DEADLINE)


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


class _Conversation:
    """One SMTP connection under an overall deadline: when it passes, the socket is shut under whatever call is
    waiting on it (a server trickling bytes cannot stall a run). Errors never show the password."""

    def __init__(self, settings: SmtpSettings, deadline: float) -> None:
        self.settings, self.deadline = settings, deadline
        self.secrets = (settings.password,) if settings.password else ()
        self.expired = threading.Event()
        if settings.tls:
            self.server: smtplib.SMTP = smtplib.SMTP_SSL(timeout=min(30.0, deadline),
                                                         context=ssl.create_default_context())
            self.server._host = settings.host  # the name TLS checks the certificate against
        else:
            self.server = smtplib.SMTP(timeout=min(30.0, deadline))
        self.watchdog = threading.Timer(deadline, self._cut)
        self.watchdog.daemon = True

    def __enter__(self) -> _Conversation:
        self.watchdog.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.watchdog.cancel()
        self.server.close()

    def _cut(self) -> None:
        self.expired.set()
        sock = getattr(self.server, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def reason(self, exc: BaseException) -> str:
        if self.expired.is_set():
            return f"the mail server did not finish within {self.deadline:g} s (KPIS_SMTP_DEADLINE)"
        return one_line(redact(f"{exc.__class__.__name__}: {exc}", self.secrets))[:300]

    def open(self) -> None:
        self.server.connect(self.settings.host, self.settings.port)
        if self.settings.user:
            self.server.login(self.settings.user, self.settings.password or "")

    def send(self, recipient: str, message: EmailMessage) -> str | None:
        """None once the server accepted the message, else why this one failed (the others still go); a
        dropped connection is raised (the rest cannot go either)."""
        try:
            check_email(recipient)  # stored before addresses were checked this strictly: never sent elsewhere
            refused = self.server.send_message(message, from_addr=self.settings.sender, to_addrs=[recipient])
        except smtplib.SMTPServerDisconnected:
            raise
        except (smtplib.SMTPException, ValidationError, ValueError, UnicodeError) as exc:
            return self.reason(exc)
        return f"refused: {refused}" if refused else None

    def close(self) -> None:
        with suppress(OSError, smtplib.SMTPException):  # what was accepted stays delivered
            self.server.quit()


def deliver(settings: SmtpSettings, messages: list[tuple[str, EmailMessage]],
            on_sent: Callable[[str], None] | None = None, deadline: float | None = None) -> dict[str, str]:
    """Send each (recipient, message) over one SMTP connection; {recipient: error} for those that failed.
    A message counts as delivered once the server accepted it: `on_sent(recipient)` records it then (before
    the next message), and an error after that (a failing QUIT, a dropped connection) never marks it
    failed, so it is not sent again. The whole exchange stops after `deadline` seconds (default
    KPIS_SMTP_DEADLINE); what was not sent by then failed."""
    failed: dict[str, str] = {}
    delivered: set[str] = set()
    if not messages:
        return failed
    with _Conversation(settings, send_deadline() if deadline is None else deadline) as conversation:
        try:
            conversation.open()
            for recipient, message in messages:
                if conversation.expired.is_set():
                    break
                error = conversation.send(recipient, message)
                if error is not None:
                    failed[recipient] = error
                    continue
                delivered.add(recipient)
                if on_sent is not None:
                    on_sent(recipient)
            conversation.close()
        except (OSError, smtplib.SMTPException) as exc:  # no server, TLS or login failure, deadline: the rest failed
            for recipient, _ in messages:
                if recipient not in delivered:
                    failed.setdefault(recipient, conversation.reason(exc))
        for recipient, _ in messages:  # stopped by the deadline between two messages
            if recipient not in delivered and recipient not in failed:
                failed[recipient] = conversation.reason(TimeoutError())
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


def record_sent(store: Store, email: str, keys: list[str]) -> None:
    """What `email` was just sent, committed at once (its own transaction): never sent again."""
    with store.write_session() as session, session.transaction():
        now = utc_now()
        for key in keys:
            session.con.execute("INSERT INTO notifications_sent VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                [email, key, now])


def write_files(folder: Path, messages: list[tuple[str, EmailMessage]], kind: str) -> list[Path]:
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


def log_failures(store: Store, failed: dict[str, str], kind: str) -> None:
    if not failed:
        return
    with store.write_session() as session, session.transaction():
        for email, error in failed.items():
            session.con.execute("INSERT INTO notification_failures VALUES (?, ?, ?, ?)",
                                [utc_now(), email, kind, error[:1000]])


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


def sending(smtp: SmtpSettings | None, send: bool) -> tuple[SmtpSettings | None, str]:
    """The SMTP settings (required to send) and the sender address (a dry run needs no server)."""
    settings = smtp or (smtp_settings() if send else None)
    return settings, settings.sender if settings else os.environ.get("KPIS_MAIL_FROM") or "kpis-dashboard@localhost"
