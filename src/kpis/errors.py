"""The library's exception hierarchy: every error a user can cause derives from KpiError."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CatalogError",
    "ConflictError",
    "KpiError",
    "RowError",
    "SchemaVersionError",
    "StoreBusyError",
    "ValidationError",
]


class KpiError(Exception):
    """Base class: a problem the user can fix; its message is meant to be shown as is."""


class CatalogError(KpiError):
    """The KPI catalog file is missing, malformed or has an invalid entry."""


@dataclass(frozen=True)
class RowError:
    """One rejected input row: its line in the file (header = line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ValidationError(KpiError):
    """Input was rejected; `rows` lists every bad row, nothing was written."""

    def __init__(self, message: str, rows: tuple[RowError, ...] = ()) -> None:
        super().__init__(message)
        self.rows = tuple(rows)

    def report(self) -> str:
        """The message followed by one line per bad row."""
        return "\n".join([str(self), *(f"  {row}" for row in self.rows)])


class ConflictError(KpiError):
    """Someone else changed the record since it was loaded; nothing was written."""


class StoreBusyError(KpiError):
    """Another process holds the database file and did not release it in time."""


class SchemaVersionError(KpiError):
    """The database file was written by a newer version of this program."""
