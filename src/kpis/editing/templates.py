"""Import templates: for each kind of import, an empty CSV and XLSX whose header names every column in the
reader's language with the id the file format needs in brackets ('Indicador (kpi_id)'; the import reads the
id), and, in the XLSX, a second sheet that says what each column holds, whether it is required, and an example.
"""

from __future__ import annotations

import io

from kpis.editing.imports import COLUMNS, SUPPORTED_KINDS
from kpis.i18n import t

__all__ = ["template_bytes", "template_columns"]

# one example value per column, in the format the import reads
EXAMPLES = {
    "kpi_id": "new_users", "period": "2026-10", "value": "420", "region": "Mexico", "department": "Retail Banking",
    "source": "HR system", "year": "2026", "quarter": "4", "target": "45", "reason": "Board plan 2026",
    "unit": "Mexico", "dimension": "governance", "score": "3.5", "assessor": "CoE lead", "evidence": "Policy v2",
    "program": "Banco Demo AI", "stream": "direct_savings", "amount": "1500000", "currency": "MXN",
    "growth_rate": "0.15", "category": "platform", "name": "Credit scoring", "stage": "experimentation",
    "horizon": "H1", "pattern": "replication", "started": "2026-02-01", "stage_changed": "2026-09-15",
    "start_date": "2025-01-01",
    "name_es": "Crédito",
}


def template_columns(kind: str, lang: str) -> list[dict[str, str]]:
    """The kind's columns: id, header ('Words (id)'), meaning, required or optional, an example."""
    required, optional = COLUMNS[kind]
    return [{"id": column, "header": f"{t(f'column.{column}', lang)} ({column})",
             "meaning": t(f"column_help.{column}", lang),
             "required": t("template.required" if column in required else "template.optional", lang),
             "example": EXAMPLES.get(f"{kind}_{column}", EXAMPLES.get(column, ""))}
            for column in (*required, *optional)]


def template_bytes(kind: str, fmt: str, lang: str) -> bytes:
    """An empty import file of `kind` as CSV (UTF-8 with BOM, header only) or XLSX (header, frozen, with the
    column guide on a second sheet)."""
    if kind not in SUPPORTED_KINDS:
        raise ValueError(kind)
    columns = template_columns(kind, lang)
    headers = [c["header"] for c in columns]
    if fmt == "csv":
        import csv

        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerow(headers)
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(fmt)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = t(f"kind.{kind}", lang)[:31]
    sheet.append(headers)
    guide = book.create_sheet(t("template.guide", lang)[:31])
    guide.append([t("template.column", lang), t("template.meaning", lang), t("template.needed", lang),
                  t("template.example", lang)])
    for column in columns:
        guide.append([column["header"], column["meaning"], column["required"], column["example"]])
    for target in (sheet, guide):
        for cell in target[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F2A37")
        target.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(len(header) + 2, 14)
        sheet.cell(row=1, column=index).number_format = "@"
    for letter, width in zip("ABCD", (30, 70, 12, 22)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
