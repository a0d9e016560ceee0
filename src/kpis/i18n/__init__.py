"""User-visible words in English and Spanish (Mexico), as gettext catalogs translators can edit.

- The English text is the source, in `messages.py` (`M(key, English)`); the key is the message's gettext
  context, so rewording English keeps the key and marks the translation for review (fuzzy) on the next merge.
- Other languages live in `locale/<lang>/LC_MESSAGES/kpis.po` (Poedit, Weblate, Lokalize... open them).
  `make messages` extracts `locale/kpis.pot` from the code with Babel and merges it into every `.po`.
- A `.po` is compiled to `.mo` on first use (again when the `.po` is newer), next to it when the package
  folder is writable, else in the user's cache folder; `t()` then reads the compiled catalog (stdlib gettext).
"""

from __future__ import annotations

import gettext
import os
import tempfile
from functools import cache
from pathlib import Path

from kpis.i18n.messages import ENGLISH

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "all_texts", "catalog_path", "has", "t", "texts", "tn"]

LANGUAGES = {"en": "English", "es": "Español"}
DOMAIN = "kpis"
LOCALE_DIR = Path(__file__).with_name("locale")


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The text for `key` in `lang` (English where a translation is missing), with `{name}` fields filled in."""
    english = ENGLISH[key]
    text = english if lang == "en" else _translations(lang).pgettext(key, english)
    return text.format(**values) if values else text


def tn(key: str, count: int, lang: str = "en", /, **values: object) -> str:
    """`t` for a sentence about `count` things: the message `key.one` when there is exactly one (where the
    catalog has it), so that no reader sees "row(s)" or "Las 1 filas"."""
    one = f"{key}.one"
    return t(one if count == 1 and one in ENGLISH else key, lang, **values)


def has(key: str) -> bool:
    return key in ENGLISH


def texts(key: str) -> dict[str, str]:
    """The message in every language (for a name shown in several: kpis.errors.Words)."""
    return {lang: t(key, lang) for lang in LANGUAGES}


def all_texts() -> dict[str, dict[str, str]]:
    """Every message in every language, {key: {lang: text}} (a missing translation reads as '')."""
    found = {}
    for key, english in ENGLISH.items():
        found[key] = {"en": english}
        for lang in LANGUAGES:
            if lang != "en":
                text = _translations(lang).pgettext(key, english)
                found[key][lang] = "" if text is english and not _translated(lang, key) else text
    return found


def _translated(lang: str, key: str) -> bool:
    """`key` has a translation in `lang`'s catalog (even one equal to the English, e.g. 'Check-in')."""
    return f"{key}\x04{ENGLISH[key]}" in getattr(_translations(lang), "_catalog", {})


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    source = catalog_path(lang)
    if not source.is_file():
        return gettext.NullTranslations()
    with open(_compiled(source), "rb") as handle:
        return gettext.GNUTranslations(handle)


def _compiled(source: Path) -> Path:
    """The `.mo` of `source`, compiled with Babel when missing or older than the `.po`."""
    for target in (source.with_suffix(".mo"), _cache_dir() / f"{source.parent.parent.name}-{DOMAIN}.mo"):
        try:
            if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
                return target
            _compile(source, target)
            return target
        except OSError:  # a read-only install: the next place
            continue
    raise OSError(f"cannot write a compiled catalog for {source}")


def _compile(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(source, "rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    with open(partial, "wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    os.replace(partial, target)  # readers never see a half-written catalog


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache" if Path.home().is_dir() else None)
    return Path(base or tempfile.gettempdir()) / "kpis"
