"""Data values as inert text: escaped for HTML and for Markdown before any page, chart or email shows them."""

from __future__ import annotations

import html
import re

__all__ = ["html_text", "markdown_text"]

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
