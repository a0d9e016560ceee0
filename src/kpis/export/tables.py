"""Tables leaving the app (CSV/XLSX) are safe to open in a spreadsheet."""

from __future__ import annotations

import io

import pandas as pd

from kpis.escaping import FORMULA_PREFIXES, spreadsheet_text

__all__ = ["FORMULA_PREFIXES", "spreadsheet_safe", "to_csv_bytes", "to_xlsx_bytes"]


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell (and header) starting with = + - @ tab or CR gets a leading '.
    Numbers stay numbers (a negative number is not text, so it is not prefixed)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_text)
    safe.columns = [spreadsheet_text(str(c)) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents right), spreadsheet-safe."""
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An XLSX workbook with a bold, frozen header row, spreadsheet-safe."""
    from openpyxl.styles import Font, PatternFill

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        spreadsheet_safe(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
        worksheet = writer.sheets[sheet[:31]]
        for cell in worksheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F2A37")
        worksheet.freeze_panes = "A2"
        _number_formats(worksheet, frame)
        for column in worksheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            worksheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    return buffer.getvalue()


def _number_formats(worksheet, frame: pd.DataFrame) -> None:
    """Apply the frame's number formats: attrs["column_formats"] (column -> format) and
    attrs["row_formats"] (column -> one format per row, for tables whose rows have different units)."""
    positions = {name: index + 1 for index, name in enumerate(frame.columns)}
    for column, fmt in frame.attrs.get("column_formats", {}).items():
        for row in range(2, len(frame) + 2):
            worksheet.cell(row=row, column=positions[column]).number_format = fmt
    for column, formats in frame.attrs.get("row_formats", {}).items():
        for row, fmt in enumerate(formats, start=2):
            worksheet.cell(row=row, column=positions[column]).number_format = fmt
