"""Import templates: headers in the reader's language with the column id in brackets, which the import reads."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from kpis.editing.imports import COLUMNS, SUPPORTED_KINDS, import_file, read_table
from kpis.editing.templates import template_bytes, template_columns
from kpis.i18n import t, tn
from kpis.roles import Actor


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", SUPPORTED_KINDS)
def test_every_kind_has_csv_and_xlsx_templates_the_import_reads(kind, lang):
    required, optional = COLUMNS[kind]
    names, rows = read_table(template_bytes(kind, "csv", lang), "template.csv")
    assert names == [*required, *optional] and rows == []
    names, rows = read_table(template_bytes(kind, "xlsx", lang), "template.xlsx")
    assert names == [*required, *optional] and rows == []
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, "xlsx", lang)))
    assert len(book.sheetnames) == 2  # the data sheet and the column guide
    guide = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(guide) == 1 + len(required) + len(optional)
    assert all(row[1] and row[2] for row in guide[1:])  # every column explained, required or optional


def test_spanish_headers_read_in_spanish_and_carry_the_id():
    header = next(csv.reader(io.StringIO(template_bytes("observations", "csv", "es").decode("utf-8-sig"))))
    assert header[:3] == ["Indicador (kpi_id)", "Mes (period)", "Dato real (value)"]
    assert [c["required"] for c in template_columns("observations", "es")][:4] == ["obligatoria"] * 3 + ["opcional"]


def test_a_filled_spanish_template_imports(store, catalog, tmp_path):
    text = template_bytes("observations", "csv", "es").decode("utf-8-sig") + "new_users,2026-10,420,,,RR. HH.\r\n"
    path = tmp_path / "reales.csv"
    path.write_text(text, encoding="utf-8-sig")
    result = import_file(store, "observations", path, catalog, actor=Actor("ana", "editor"))
    assert result.rows == 1
    with store.session() as session:
        assert session.scalar("SELECT value FROM observations WHERE kpi_id = 'new_users'") == 420


@pytest.mark.parametrize("lang, one, many", [("en", "The row is valid.", "All 2,879 rows are valid."),
                                              ("es", "La fila es válida.", "Las 2,879 filas son válidas.")])
def test_counts_are_said_in_the_singular_and_plural(lang, one, many):
    assert tn("data.import_ok", 1, lang, total="1") == one
    assert tn("data.import_ok", 2879, lang, total="2,879") == many
    assert "(s)" not in t("data.import_commit", lang) + t("data.saved_rows", lang)
