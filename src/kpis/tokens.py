"""API tokens: who another program is when it calls the HTTP API or the MCP server.

`python -m kpis token create --name NAME --role viewer|editor|admin` prints the token once; the store keeps
only its SHA-256 (a token carries 256 random bits, so a request finds its token by one index lookup and a
stolen backup holds nothing that can be used). A token acts with its role under its own name: every write
it makes is audited as `token:NAME`. Revoking keeps the row (who made it, when it was last used)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from kpis.errors import KpiError, ValidationError
from kpis.periods import utc_now
from kpis.roles import ROLES, Actor, require
from kpis.store import Session, Store

__all__ = ["PREFIX", "TokenInfo", "authenticate", "create_token", "list_tokens", "revoke_token", "token_actor",
           "touch"]

PREFIX = "kpis_"  # a secret scanner can spot one in a repository or a log
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_USE_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise ValidationError.keyed("error.token_name", name=name)
    return name


def create_token(store: Store, actor: Actor, name: str, role: str) -> str:
    """A new token for `name` with `role`; returns the secret, which is never stored nor shown again."""
    require(actor, "admin", "create API tokens")
    _check_name(name)
    if role not in ROLES:
        raise ValidationError.keyed("error.token_role", role=role, roles=", ".join(ROLES))
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.write_session() as session, session.transaction():
        if session.scalar("SELECT count(*) FROM api_tokens WHERE name = ?", [name]):
            raise KpiError.keyed("error.token_exists", name=name)
        session.con.execute("INSERT INTO api_tokens (name, role, token_sha256, created_by, created_at) "
                            "VALUES (?, ?, ?, ?, ?)", [name, role, _digest(secret), actor.name, utc_now()])
        session.record_audit(actor=actor.name, channel="cli", action="create", entity="api_token",
                             entity_key=f"{name} ({role})")
    return secret


def list_tokens(session: Session) -> list[TokenInfo]:
    rows = session.con.execute("SELECT name, role, created_by, created_at, revoked_at, last_used_at "
                               "FROM api_tokens ORDER BY name").fetchall()
    return [TokenInfo(*row) for row in rows]


def revoke_token(store: Store, actor: Actor, name: str) -> None:
    require(actor, "admin", "revoke API tokens")
    with store.write_session() as session, session.transaction():
        found = session.con.execute("SELECT revoked_at FROM api_tokens WHERE name = ?", [name]).fetchone()
        if found is None:
            raise KpiError.keyed("error.token_unknown", name=name)
        if found[0] is not None:
            return
        session.con.execute("UPDATE api_tokens SET revoked_at = ? WHERE name = ?", [utc_now(), name])
        session.record_audit(actor=actor.name, channel="cli", action="delete", entity="api_token", entity_key=name)


def token_actor(session: Session, secret: str) -> Actor | None:
    """The actor a presented token stands for (`token:NAME` with its role), or None for an unknown or revoked
    token. Reads only (`touch` records the use)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.con.execute("SELECT name, role FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
                              [_digest(secret)]).fetchone()
    return None if row is None else Actor(f"token:{row[0]}", row[1])


def touch(session: Session, actor: Actor) -> None:
    """Record that a token was used: one UPDATE at most once a minute per token (a single statement, so no write
    lock is taken and two requests at once cannot conflict over it)."""
    name = actor.name.removeprefix("token:")
    now = utc_now()
    try:
        session.con.execute("UPDATE api_tokens SET last_used_at = ? WHERE name = ? "
                            "AND (last_used_at IS NULL OR last_used_at < ?)", [now, name, now - _USE_RESOLUTION])
    except Exception:
        return


def authenticate(store: Store, secret: str | None) -> Actor | None:
    """The actor of a presented token, its use recorded (`touch`); None for no token or an unknown or revoked
    one. What the API and the MCP server ask of every request."""
    if not secret:
        return None
    with store.session() as session:
        found = token_actor(session, secret)
        if found is not None:
            touch(session, found)
    return found
