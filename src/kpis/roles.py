"""Who may write: viewer (read only), editor (targets, actuals, value, imports), admin (also freeze
quarters, restore and reference tables). Every write in the library checks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kpis.errors import KpiError

__all__ = ["ROLES", "Actor", "PermissionDenied", "Role", "require", "role_for_email"]

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")


class PermissionDenied(KpiError):
    """The actor's role does not allow this write."""


@dataclass(frozen=True)
class Actor:
    """The person (or process) doing something, with the role that decides what they may write."""

    name: str
    role: Role = "viewer"

    def can(self, needed: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(needed)


def require(actor: Actor, needed: Role, action: str) -> None:
    """Raise PermissionDenied unless `actor` has at least the `needed` role."""
    if not actor.can(needed):
        raise PermissionDenied(f"{actor.name} is a {actor.role} and cannot {action}; this needs the {needed} role.",
                               key="error.permission", name=actor.name, role=actor.role, needed=needed)


def role_for_email(email: str | None, admins: list[str], editors: list[str]) -> Role:
    """Map a signed-in email to a role (case-insensitive); unknown people are viewers."""
    address = (email or "").strip().lower()
    if address and address in {a.strip().lower() for a in admins}:
        return "admin"
    if address and address in {e.strip().lower() for e in editors}:
        return "editor"
    return "viewer"
