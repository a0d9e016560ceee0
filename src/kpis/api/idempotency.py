"""A POST with an `Idempotency-Key` writes once: a retry with the same key gets the first answer.

The key is reserved before the write (under the store's write lock, so two processes of the API cannot both
take it), the answer is recorded after it. A retry while the first request is still running is refused
(409); a retry with the same key but a different request is refused (422); an answer is kept for a day.
A reservation whose request died before answering (a killed process) is taken over after a minute."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from kpis.errors import ConflictError, ValidationError
from kpis.periods import utc_now
from kpis.store import Store

__all__ = ["KEEP", "Replay", "abandon", "fingerprint", "finish", "reserve"]

KEEP = timedelta(days=1)  # how long an answer is replayed
STALE = timedelta(minutes=1)  # a reservation without an answer after this long belonged to a dead request
MAX_KEY = 200


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\x00")
    return digest.hexdigest()


def reserve(store: Store, token: str, key: str, request_sha256: str) -> Replay | None:
    """None: the key is now this request's (go ahead and write). A Replay: the answer given the first time."""
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationError.keyed("error.idempotency_key", limit=MAX_KEY)
    now = utc_now()
    with store.write_session() as session, session.transaction():
        session.con.execute("DELETE FROM api_requests WHERE created_at < ?", [now - KEEP])
        found = session.con.execute("SELECT request_sha256, status, body, created_at FROM api_requests "
                                    "WHERE token_name = ? AND idempotency_key = ?", [token, key]).fetchone()
        if found is not None:
            stored_sha, status, body, created = found
            if stored_sha != request_sha256:
                raise ValidationError.keyed("error.idempotency_reused", given=key)
            if status is not None:
                return Replay(int(status), body)
            if now - created < STALE:
                raise ConflictError.keyed("error.idempotency_running", given=key)
            session.con.execute("DELETE FROM api_requests WHERE token_name = ? AND idempotency_key = ?", [token, key])
        session.con.execute("INSERT INTO api_requests (token_name, idempotency_key, request_sha256, created_at) "
                            "VALUES (?, ?, ?, ?)", [token, key, request_sha256, now])
    return None


def finish(store: Store, token: str, key: str, status: int, body: str) -> None:
    """Record the answer a reserved request gave."""
    with store.write_session() as session:
        session.con.execute("UPDATE api_requests SET status = ?, body = ? WHERE token_name = ? AND idempotency_key = ?",
                            [status, body, token, key])


def abandon(store: Store, token: str, key: str) -> None:
    """Free a reservation whose request failed without an answer worth replaying (busy store, server error)."""
    with store.write_session() as session:
        session.con.execute("DELETE FROM api_requests WHERE token_name = ? AND idempotency_key = ? "
                            "AND status IS NULL", [token, key])
