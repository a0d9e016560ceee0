"""What every command prints with: aligned plain-text tables (no terminal escape sequences from data), valid
JSON, the scorecard heading, and who the command writes as."""

from __future__ import annotations

import getpass
import json
import os
from typing import Any

from kpis.errors import ValidationError
from kpis.escaping import one_line
from kpis.formatting import format_attainment, format_change, format_day, format_value
from kpis.i18n import t
from kpis.reference.names import scope_label
from kpis.report import json_ready, status_word, target_text
from kpis.status import STATUS_ICONS
from kpis.value.fx import CURRENCIES

__all__ = ["EXIT_ERROR", "EXIT_INVALID", "current_actor"]


EXIT_ERROR = 1


EXIT_INVALID = 2


def current_actor() -> str:
    """Who the CLI writes as: `KPIS_USER`, else the login name."""
    try:
        return os.environ.get("KPIS_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def print_json(data: Any) -> None:
    print(json.dumps(json_ready(data), ensure_ascii=False, indent=2, allow_nan=False))


def print_table(report: Any, lang: str) -> None:
    headers = [t("table.kpi", lang), t("card.actual", lang), t("card.target", lang),
               t("card.attainment", lang), t("table.status", lang), t("card.change", lang)]
    lines = []
    for cell in report.cells:
        kpi = cell.kpi
        lines.append([
            kpi.name(lang), format_value(cell.actual, kpi, lang),
            target_text(cell, lang),
            format_attainment(cell.attainment), f"{STATUS_ICONS[cell.status]} {status_word(cell, lang)}",
            format_change(report.grid.change(cell), kpi, lang),
        ])
    print_rows(headers, lines, left=(0, 4))


def print_rows(headers: list[str], lines: list[list[str]], left: tuple[int, ...]) -> None:
    """An aligned plain-text table: columns in `left` flush left, the rest (numbers) flush right."""
    # what reaches a terminal is plain text: a name holding an escape sequence never moves the cursor
    headers, lines = [one_line(h) for h in headers], [[one_line(c) for c in row] for row in lines]
    widths = [max(len(str(row[i])) for row in [headers, *lines]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *lines]:
        print("  ".join(str(cell).ljust(w) if i in left else str(cell).rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())


def reporting_currency(currency: str | None) -> str | None:
    """The `--currency` asked for (checked), or None: money then stays in the currency it was recorded in,
    each amount with its own unambiguous code (MXN 4.5M, US$0.05)."""
    if currency is None:
        return None
    if currency.upper() not in CURRENCIES:
        raise ValidationError.keyed("error.unknown_currency", currency=currency, known=", ".join(CURRENCIES))
    return currency.upper()


def heading(report: Any, lang: str) -> str:
    """'Quarterly scaling dashboard: 2026-Q4 (quarter to date) · All regions · All departments · data to
    Nov 30, 2026 · MXN': the report's labels, as on the page."""
    parts = [report.when(lang), scope_label(report.scope.region, report.scope.department, lang, report.names)]
    if report.data_to is not None:
        parts.append(t("export.as_of", lang, date=format_day(report.cutoff, lang)))
    parts.append(report.currency)
    return f"{t('dash.heading', lang)}: {' · '.join(parts)}"
