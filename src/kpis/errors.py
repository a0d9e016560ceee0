"""The library's exception hierarchy: every error a user can cause derives from KpiError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kpis.formatting import format_day
from kpis.i18n import LANGUAGES, has, t
from kpis.i18n import texts as in_every_language

__all__ = [
    "CatalogError",
    "ConflictError",
    "KpiError",
    "Reason",
    "RowError",
    "SchemaVersionError",
    "StoreBusyError",
    "ValidationError",
    "Words",
    "field_words",
    "joined",
    "localize",
]


class KpiError(Exception):
    """Base class: a problem the user can fix; its message is meant to be shown as is.

    `key` and `params` (optional) name the same message in kpis.i18n, so that a page can show it
    in the user's language; str(exc) stays the English text (CLI, logs)."""

    def __init__(self, message: str, *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params

    @classmethod
    def keyed(cls, key: str, /, *args: object, **params: object) -> KpiError:
        """The error whose message is kpis.i18n's `key` (English text, translatable on a page)."""
        return cls(_sentence(key, t(key, "en", **params)), *args, key=key, **params)

    def localized(self, lang: str) -> str:
        """The message in `lang` when it has a translation key, else the English text."""
        if self.key is None:
            return str(self)
        return _sentence(self.key, t(self.key, lang, **{k: localize(v, lang) for k, v in self.params.items()}))

    def words(self) -> Words:
        """The message in every language, to be a field of another message (that one stays translatable)."""
        return Words(**{lang: self.localized(lang) for lang in LANGUAGES})


def _sentence(key: str, text: str) -> str:
    """A row reason shown as a whole message ("error.sentence") starts with a capital letter and
    ends with one stop ("did you mean 'Mexico'?" is not followed by a full stop)."""
    if key != "error.sentence":
        return text
    text = text[:-1] if text.endswith(("?.", "!.")) else text
    return text[:1].upper() + text[1:]


class CatalogError(KpiError):
    """The KPI catalog file is missing, malformed or has an invalid entry."""


class Reason(str):
    """Why a value or row was refused, as data: a kpis.i18n key (`reason.<key>`) and its fields.

    It *is* its English text (so logs, the CLI in English and `str` comparisons keep working), and
    `text(lang)` renders it in another language; fields that are Reasons are rendered too."""

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, /, **params: object) -> Reason:
        obj = super().__new__(cls, _render(key, "en", params))
        obj.key, obj.params = key, params
        return obj

    def text(self, lang: str) -> str:
        return _render(self.key, lang, self.params)

    def __reduce__(self):  # pickles (Streamlit caches) as what it is
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, object]) -> Reason:
    return Reason(key, **params)


def _render(key: str, lang: str, params: dict[str, object]) -> str:
    if key == "join":
        return "; ".join(localize(p, lang) for p in params["parts"])  # type: ignore[attr-defined]
    return t(f"reason.{key}", lang, **{k: localize(v, lang) for k, v in params.items()})


class Words(str):
    """A name given in several languages (a KPI's name, a region's): its English text as a str."""

    texts: dict[str, str]

    def __new__(cls, **texts: str) -> Words:
        obj = super().__new__(cls, texts["en"])
        obj.texts = texts
        return obj

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts["en"]

    def __reduce__(self):
        return (_words, (self.texts,))


def _words(texts: dict[str, str]) -> Words:
    return Words(**texts)


def localize(text: object, lang: str) -> str:
    """`text` in `lang` if it is a Reason or Words, a date or date-time in the language's locale,
    else as it is."""
    if isinstance(text, (Reason, Words)):
        return text.text(lang)
    if isinstance(text, date):
        if isinstance(text, datetime):
            return f"{format_day(text.date(), lang)} {text:%H:%M} UTC"
        return format_day(text, lang)
    return str(text)


def joined(parts: list[str]) -> str:
    """Several reasons for one row as one (each still translatable)."""
    return parts[0] if len(parts) == 1 else Reason("join", parts=tuple(parts))


@dataclass(frozen=True)
class RowError:
    """One rejected input row: its line in the file (header = line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"

    def text(self, lang: str) -> str:
        """'line N: reason' in `lang`."""
        return t("reason.line", lang, line=self.line, reason=localize(self.reason, lang))


class ValidationError(KpiError):
    """Input was rejected; `rows` lists every bad row, nothing was written."""

    def __init__(self, message: str, rows: tuple[RowError, ...] = (), *, key: str | None = None,
                 **params: object) -> None:
        super().__init__(message, key=key, **params)
        self.rows = tuple(rows)

    def report(self, lang: str = "en") -> str:
        """The message followed by one line per bad row."""
        return "\n".join([self.localized(lang), *(f"  {row.text(lang)}" for row in self.rows)])


class ConflictError(KpiError):
    """Someone else changed the record since it was loaded; nothing was written."""


class StoreBusyError(KpiError):
    """Another process holds the database file and did not release it in time."""


class SchemaVersionError(KpiError):
    """The database file was written by a newer version of this program."""


def field_words(name: str) -> str:
    """A field's name as people read it, in both languages (kpis.i18n `field.<name>`), else as it is."""
    return Words(**in_every_language(f"field.{name}")) if has(f"field.{name}") else name
