"""Data values as inert text: escaped for HTML and for Markdown before any page, chart or email shows them."""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["FORMULA_PREFIXES", "html_text", "markdown_text", "one_line", "spreadsheet_text", "text_problem",
           "xml_text"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a text cell starting so as a formula

# Everything CommonMark, Streamlit's Markdown (`:red[...]`, `$math$`) or raw HTML could act on.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=])")


def html_text(value: object) -> str:
    """`value` as text for an HTML page: <, >, &, and both quote marks escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def markdown_text(value: object) -> str:
    """`value` as literal text inside Markdown: every character with a meaning is backslash-escaped,
    so a name such as `![x](http://...)` or `<style>` shows as typed and fetches or styles nothing.
    Line breaks become spaces (a value never starts a new block)."""
    text = "" if value is None else str(value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


# Characters XML 1.0 cannot hold (PowerPoint, XLSX and SVG are XML): C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything that breaks a line or an e-mail header: every control character and the Unicode line separators.
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def xml_text(value: object) -> str:
    """`value` as text any XML document can hold (a deck, a spreadsheet, an SVG): the characters XML forbids
    are dropped, so one stored value with a control character never breaks the file for everyone."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def one_line(value: object) -> str:
    """`value` on one line (an e-mail subject, a header): line breaks and control characters become one space."""
    # only breaks and controls go: a no-break space (Spanish '688 k') stays as it is
    return re.sub(" {2,}", " ", _BREAKS.sub(" ", "" if value is None else str(value))).strip()


def spreadsheet_text(value: object) -> object:
    """A cell no spreadsheet runs as a formula and any XML file can hold: text starting with = + - @ tab or CR
    gets a leading '; numbers stay numbers (a negative number is not text)."""
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


# Text a person typed may hold tabs and line breaks; never a NUL (PostgreSQL cannot store it) or another control.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_problem(value: str) -> str | None:
    """Why a stored text would be refused (the one rule of every input path: imports, forms, CLI), or None:
    'control' for a NUL or another control character (tab and line breaks are fine), 'invisible' for text with
    no visible character (only spaces and zero-width or direction marks)."""
    if _CONTROLS.search(value):
        return "control"
    if value and all(c.isspace() or unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp") for c in value):
        return "invisible"
    return None
