"""Who is told what: a subscription is one address with a kind (digest, alerts or both), a scope and a language;
addresses are plain local@host.domain, so a mail server delivers where the store says."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from kpis.errors import Reason, ValidationError
from kpis.escaping import one_line
from kpis.records import MESSAGE_LANGS, SUBSCRIPTION_KINDS, SubscriptionKind
from kpis.reference.names import require_names
from kpis.roles import Actor, require
from kpis.scorecard import Scope
from kpis.store import Session, Store, utc_now

__all__ = ["KINDS", "LANGS", "Kind", "Subscription", "check_email", "load_subscriptions", "subscribe", "unsubscribe"]


Kind = SubscriptionKind


KINDS = SUBSCRIPTION_KINDS


LANGS = MESSAGE_LANGS


# An address as a mail server reads it the same way we store it: a dot-atom local part (no comments,
# quotes, colons or source routes), a host name of letters, digits and hyphens with a top-level domain;
# ASCII only; RFC 5321's limits (64 before the @, 63 per label, 254 in all).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"


_EMAIL = re.compile(rf"^(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})$")


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


def check_email(address: str) -> str:
    """The address as stored (lower case), or a ValidationError naming it (printably, shortened)."""
    address = (address or "").strip()
    found = _EMAIL.match(address) if len(address) <= 254 else None
    if found is None or len(found["local"]) > 64:
        raise ValidationError.keyed("error.sentence", reason=Reason("bad_email", value=one_line(address)[:80]))
    return address.lower()


def subscribe(store: Store, actor: Actor, email: str, kind: str = "both", region: str | None = None,
              department: str | None = None, lang: str = "en", channel: str = "cli") -> Subscription:
    """Add or change a subscription. A viewer may subscribe only their own address; an admin anyone."""
    address = check_email(email)
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
    address = check_email(email)
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
