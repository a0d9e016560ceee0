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
    """Base class: a problem the user can fix; its message is meant to be shown as is.

    `key` and `params` (optional) name the same message in kpis.i18n, so that a page can show it
    in the user's language; str(exc) stays the English text (CLI, logs)."""

    def __init__(self, message: str, *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params

    def localized(self, lang: str) -> str:
        """The message in `lang` when it has a translation key, else the English text."""
        if self.key is None:
            return str(self)
        from kpis.i18n import t

        return t(self.key, lang, **self.params)


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

    def __init__(self, message: str, rows: tuple[RowError, ...] = (), *, key: str | None = None,
                 **params: object) -> None:
        super().__init__(message, key=key, **params)
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
