"""Exchange files (CSV/XLSX): read rows with their line numbers, validate, import all or nothing."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pydantic

from kpis.catalog import Catalog
from kpis.derived import derived_kpis
from kpis.editing.forms import apply_target_rule
from kpis.editing.reasons import validation_reason
from kpis.errors import Reason, RowError, ValidationError, joined, localize
from kpis.innovation.funnel import write_use_cases
from kpis.kinds import IMPORT_KINDS, REFERENCE_KINDS
from kpis.records import (
    InvestmentRecord,
    MaturityRecord,
    ObservationRecord,
    ProgramRecord,
    ReferenceRecord,
    TargetRecord,
    UseCaseRecord,
    ValueRecord,
)
from kpis.reference.names import ReferenceNames, add_names, check_names, load_names, twin_errors, write_reference
from kpis.roles import Actor, require
from kpis.store import Session, Store

__all__ = [
    "IMPORT_KINDS",
    "SUPPORTED_KINDS",
    "ImportResult",
    "Parsed",
    "import_file",
    "parse_rows",
    "preview",
    "read_table",
    "rejected_rows",
]

SUPPORTED_KINDS = IMPORT_KINDS
MAX_FILE_BYTES = 50 * 1024 * 1024  # the upload and file limit
MAX_ROWS = 200_000  # data rows per file
MAX_COLUMNS = 30  # the widest kind has 8 columns; a few spare for notes
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an XLSX's parts, decompressed

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "observations": (("kpi_id", "period", "value"), ("region", "department", "source")),
    "targets": (("kpi_id", "year", "quarter", "target"), ("region", "department", "reason")),
    "maturity": (("unit", "year", "quarter", "dimension", "score"), ("target", "assessor", "evidence")),
    "value": (("program", "stream", "year", "amount"), ("currency", "growth_rate")),
    "investments": (("program", "year", "amount"), ("currency", "category")),
    "use-cases": (("name", "stage", "horizon"), ("pattern", "region", "department", "started", "stage_changed")),
    "programs": (("name", "start_date"), ("name_es",)),
    "regions": (("name",), ("name_es",)),
    "departments": (("name",), ("name_es",)),
}
MODELS = {"observations": ObservationRecord, "targets": TargetRecord, "maturity": MaturityRecord,
          "value": ValueRecord, "investments": InvestmentRecord, "use-cases": UseCaseRecord,
          "programs": ProgramRecord, "regions": ReferenceRecord, "departments": ReferenceRecord}
KEYS = {
    "observations": ("kpi_id", "period", "region", "department"),
    "targets": ("kpi_id", "year", "quarter", "region", "department"),
    "maturity": ("unit", "year", "quarter", "dimension"),
    "value": ("program", "stream", "year"),
    "investments": ("program", "year", "category"),
    "use-cases": ("name",),
    "programs": ("name",),
    "regions": ("name",),
    "departments": ("name",),
}

# Columns that name reference data (column -> kind): unknown names are refused with the closest known one.
NAME_COLUMNS = {
    "observations": {"region": "region", "department": "department"},
    "targets": {"region": "region", "department": "department"},
    "use-cases": {"region": "region", "department": "department"},
    "value": {"program": "program"},
    "investments": {"program": "program"},
}

Row = tuple[int, dict[str, Any]]  # (line number, column -> raw cell)


@dataclass(frozen=True)
class Parsed:
    """Validated rows (a DataFrame ready for the store) and every bad row."""

    kind: str
    frame: pd.DataFrame
    errors: tuple[RowError, ...]
    lines: tuple[int, ...]
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # new reference names to add


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    written: int
    dry_run: bool
    added: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


_LABELLED = re.compile(r"\(\s*([a-z_]+)\s*\)\s*$")


def _column_name(header: Any) -> str:
    """A header cell as the column id: 'kpi_id', or a template's 'Indicador (kpi_id)' (the reader's words,
    then the id in brackets, as the import templates write it)."""
    text = str(header).strip().lower() if header is not None else ""
    found = _LABELLED.search(text)
    return found.group(1) if found else text


def _rows_from_header(header: list[Any], body: list[tuple[int, list[Any]]]) -> tuple[list[str], list[Row]]:
    names = [_column_name(h) for h in header]
    rows = []
    for line, values in body:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank line
        padded = list(values) + [None] * (len(names) - len(values))
        rows.append((line, {n: _cell(v) for n, v in zip(names, padded) if n} | (
            {"__extra__": True} if len(values) > len(names) and any(values[len(names):]) else {}
        )))
    return names, rows


def _read_csv(data: bytes) -> tuple[list[str], list[Row]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError.keyed("error.not_utf8", byte=exc.start) from None
    # strict: a quote opened and never closed is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError.keyed("error.empty_file")
        _check_width(len(header), 1)
        body = []
        start = reader.line_num + 1
        for values in reader:
            body.append((start, values))
            _check_size(len(body), len(values), start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            raise ValidationError.keyed("error.open_quote", (RowError(start, Reason("open_quote")),),
                                        line=start) from None
        raise ValidationError.keyed("error.bad_csv", (RowError(reader.line_num, str(exc)),),
                                    line=reader.line_num, detail=str(exc)) from None
    return _rows_from_header(header, body)


def _check_width(columns: int, line: int) -> None:
    if columns > MAX_COLUMNS:
        raise ValidationError.keyed("error.too_wide", (RowError(line, Reason("too_wide", limit=MAX_COLUMNS)),),
                                    line=line, columns=f"{columns:,}", limit=MAX_COLUMNS)


def _check_size(rows: int, columns: int, line: int) -> None:
    """Stop reading as soon as a file passes the row or column limit (bounded memory and time)."""
    _check_width(columns, line)
    if rows > MAX_ROWS:
        raise ValidationError.keyed("error.too_many_rows",
                                    (RowError(line, Reason("too_many_rows", limit=f"{MAX_ROWS:,}")),),
                                    limit=f"{MAX_ROWS:,}")


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts would decompress past MAX_UNZIPPED_BYTES (zip bombs), before reading."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError.keyed("error.damaged_zip") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ValidationError.keyed("error.xlsx_too_big", size=f"{unzipped / 1e6:,.0f}",
                                    limit=MAX_UNZIPPED_BYTES // 1_000_000)


def _read_xlsx(data: bytes) -> tuple[list[str], list[Row]]:
    import openpyxl  # deferred: only XLSX imports need it

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValidationError.keyed("error.bad_xlsx", detail=exc.__class__.__name__) from None
    try:
        sheet = workbook.worksheets[0]
        # the sheet's own dimension claim (e.g. A1:XFD1048576) is ignored: rows are streamed as stored
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ValidationError.keyed("error.empty_sheet")
        header = _trim(list(header))
        _check_width(len(header), 1)
        body = []
        for line, values in enumerate(rows, start=2):
            values = _trim(list(values))
            _check_size(len(body) + 1, len(values), line)
            body.append((line, values))
    except ValidationError:
        raise
    except Exception as exc:  # a damaged part inside the workbook (bad date cell, broken XML)
        raise ValidationError.keyed("error.bad_xlsx", detail=f"{exc.__class__.__name__}: {exc}"[:300]) from None
    finally:
        workbook.close()
    return _rows_from_header(header, body)


def _read_parquet(data: bytes) -> tuple[list[str], list[Row]]:
    """A Parquet file (e.g. from `rollup events --out monthly.parquet`): its column names are the
    header and its rows are numbered from 2, as they would be in the same table saved as CSV, so a
    reported line reads the same whichever format was exported. Nothing in the footer is trusted alone:
    sizes are checked from it before any row is read (rows, and bytes once decompressed, summed over the
    row groups) and again while reading (rows counted as they come, text measured on the dictionary
    before it is expanded), so a small file cannot cost gigabytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table_file = pq.ParquetFile(io.BytesIO(data))
        meta = table_file.metadata
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise ValidationError.keyed("error.bad_parquet", detail=exc.__class__.__name__) from None
    header = list(table_file.schema_arrow.names)
    _check_width(len(header), 1)
    claimed = max(meta.num_rows, sum(g.num_rows for g in groups))
    _check_size(claimed, len(header), claimed + 1)
    unpacked = sum(max(g.total_byte_size, sum(g.column(c).total_uncompressed_size for c in range(g.num_columns)))
                   for g in groups)
    if unpacked > MAX_UNZIPPED_BYTES:
        raise ValidationError.keyed("error.parquet_too_big", size=f"{unpacked / 1e6:,.0f}",
                                    limit=MAX_UNZIPPED_BYTES // 1_000_000)
    texts = [f.name for f in table_file.schema_arrow if pa.types.is_string(f.type) or pa.types.is_binary(f.type)
             or pa.types.is_large_string(f.type)]
    body: list[Row] = []
    expanded = 0
    try:
        table_file = pq.ParquetFile(io.BytesIO(data), read_dictionary=texts)  # text stays dictionary-encoded
        for batch in table_file.iter_batches(batch_size=10_000):
            _check_size(len(body) + batch.num_rows, len(header), len(body) + batch.num_rows + 1)
            expanded += sum(_text_bytes(column) for column in batch.columns)
            if expanded > MAX_UNZIPPED_BYTES:
                raise ValidationError.keyed("error.parquet_too_big", size=f"> {MAX_UNZIPPED_BYTES / 1e6:,.0f}",
                                            limit=MAX_UNZIPPED_BYTES // 1_000_000)
            for values in zip(*(column.to_pylist() for column in batch.columns)):
                body.append((len(body) + 2, [None if isinstance(v, float) and math.isnan(v) else v for v in values]))
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError.keyed("error.bad_parquet", detail=f"{exc.__class__.__name__}: {exc}"[:300]) from None
    return _rows_from_header(header, body)


def _text_bytes(column: Any) -> int:
    """The bytes a text column's values take once every row holds its own copy (a dictionary column is
    measured on its dictionary and indices: a 4 KB file can repeat one long entry a million times)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        lengths = pc.binary_length(column.dictionary)
        if len(lengths) == 0 or column.null_count == len(column):
            return 0
        return int(pc.sum(pc.take(lengths, column.indices.drop_null())).as_py() or 0)
    if pa.types.is_string(column.type) or pa.types.is_binary(column.type) or pa.types.is_large_string(column.type):
        return int(pc.sum(pc.binary_length(column)).as_py() or 0)
    return 0


def _trim(values: list[Any]) -> list[Any]:
    """Drop trailing empty cells (spreadsheets keep formatted but empty cells at a row's end)."""
    while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
        values.pop()
    return values


def read_table(data: bytes, filename: str) -> tuple[list[str], list[Row]]:
    """Header names and (line, row) pairs of a CSV, XLSX or Parquet file, judged by content and name."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError.keyed("error.file_too_big", size=f"{len(data) / 1e6:.1f}",
                                    limit=MAX_FILE_BYTES // 1_000_000)
    is_zip = data[:4] == b"PK\x03\x04"
    suffix = Path(filename).suffix.lower()
    if suffix == ".parquet" or data[:4] == b"PAR1":
        if data[:4] != b"PAR1":
            raise ValidationError.keyed("error.not_parquet", file=filename)
        return _read_parquet(data)
    if suffix == ".xlsx" or (is_zip and suffix != ".csv"):
        if not is_zip:
            raise ValidationError.keyed("error.not_xlsx", file=filename)
        return _read_xlsx(data)
    if suffix not in (".csv", ".txt", ""):
        raise ValidationError.keyed("error.file_type", file=filename, suffix=suffix)
    if is_zip or b"\x00" in data[:4096]:
        raise ValidationError.keyed("error.not_text", file=filename)
    return _read_csv(data)


def _header_errors(kind: str, names: list[str]) -> list[RowError]:
    required, optional = COLUMNS[kind]
    present = [n for n in names if n]
    errors = [RowError(1, Reason("missing_column", column=c)) for c in required if c not in present]
    errors += [
        RowError(1, Reason("unknown_column", column=c, expected=", ".join(required + optional)))
        for c in present if c not in required + optional
    ]
    errors += [RowError(1, Reason("twice_column", column=c))
               for c in sorted({c for c in present if present.count(c) > 1})]
    return errors


def _domain_errors(kind: str, record: Any, catalog: Catalog) -> list[str]:
    if kind == "observations":
        return catalog.value_problems(record.kpi_id, "value", record.value)
    if kind == "targets":
        return catalog.value_problems(record.kpi_id, "target", record.target)
    return []


def parse_rows(kind: str, names: list[str], rows: list[Row], catalog: Catalog,
               reference: ReferenceNames | None = None, create_missing: bool = False,
               derived: dict[str, str] | None = None) -> Parsed:
    """Validate every row (pydantic model, catalog, ranges, duplicate keys, known reference names,
    KPIs the store derives itself); collect all errors. Without `reference` names are not checked."""
    if kind not in SUPPORTED_KINDS:
        raise ValidationError.keyed("error.kind_unavailable", kind=kind, available=", ".join(SUPPORTED_KINDS))
    errors = _header_errors(kind, names)
    if errors:
        return Parsed(kind, pd.DataFrame(), tuple(errors), ())
    model = MODELS[kind]
    records, lines, seen = [], [], {}
    for line, raw in rows:
        if raw.pop("__extra__", False):
            errors.append(RowError(line, Reason("extra_cells")))
            continue
        try:
            record = model.model_validate({k: v for k, v in raw.items() if v is not None})
        except pydantic.ValidationError as exc:
            errors.append(RowError(line, validation_reason(exc)))
            continue
        problems = _domain_errors(kind, record, catalog)
        key = tuple(getattr(record, k) for k in KEYS[kind])
        if key in seen:
            problems.append(Reason("duplicate", line=seen[key], key=", ".join(KEYS[kind])))
        seen.setdefault(key, line)
        if problems:
            errors.append(RowError(line, joined(problems)))
            continue
        records.append(record.model_dump())
        lines.append(line)
    if not rows:
        errors.append(RowError(1, Reason("no_rows")))
    frame = pd.DataFrame(records, columns=list(model.model_fields))
    missing: dict[str, tuple[str, ...]] = {}
    if reference is not None and kind in NAME_COLUMNS:
        frame = reference.canonical(frame, NAME_COLUMNS[kind])  # 'Brasil' is 'Brazil'
        name_errors, missing = check_names(frame, tuple(lines), NAME_COLUMNS[kind], reference, create_missing)
        errors += name_errors
    if reference is not None and kind in REFERENCE_KINDS:
        errors += twin_errors(frame, tuple(lines), REFERENCE_KINDS[kind], reference)
    if reference is not None and kind == "observations":
        errors += _count_errors(frame, tuple(lines), catalog, reference, missing)
    if derived and kind == "observations":
        errors += [RowError(line, Reason("field", field=kpi_id, reason=derived[kpi_id]))
                   for line, kpi_id in zip(lines, frame["kpi_id"]) if kpi_id in derived]
    return Parsed(kind, frame, tuple(sorted(errors, key=lambda e: e.line)), tuple(lines), missing)


def _count_errors(frame: pd.DataFrame, lines: tuple[int, ...], catalog: Catalog, reference: ReferenceNames,
                  missing: dict[str, tuple[str, ...]]) -> list[RowError]:
    """A count of departments or regions above how many the store knows (plus those being added)."""
    errors = []
    for line, kpi_id, value in zip(lines, frame["kpi_id"], frame["value"]):
        entity = catalog.get(kpi_id).counts if kpi_id in catalog else None
        if not entity:
            continue
        known = len(reference.of(entity[:-1])) + len(missing.get(entity[:-1], ()))
        if known and value > known:
            errors.append(RowError(line, Reason("field", field="value", reason=Reason(
                "too_many", value=f"{value:g}", entity=Reason(f"entity.{entity}"), known=known))))
    return errors


def preview(names: list[str], rows: list[Row], parsed: Parsed, lang: str = "en") -> pd.DataFrame:
    """Every row as read, with its line and either nothing or why it was rejected (in `lang`).
    The columns stay `line`, `problem` and the file's own names; pages label them for people."""
    problems: dict[int, list[str]] = {}
    for error in parsed.errors:
        problems.setdefault(error.line, []).append(localize(error.reason, lang))
    records = [
        {"line": line, "problem": "; ".join(problems.get(line, [])),
         **{n: raw.get(n) for n in names if n and n != "__extra__"}}
        for line, raw in rows
    ]
    frame = pd.DataFrame(records, columns=["line", "problem", *[n for n in names if n]])
    return frame.astype({c: "string" for c in frame.columns if c not in ("line",)})


PREVIEW_ROWS = 200
PREVIEW_BAD_ROWS = 1_000  # rejected rows a page shows (all of them go in the rejected-rows download)


def preview_page(table: pd.DataFrame, rows: int = PREVIEW_ROWS, bad_rows: int = PREVIEW_BAD_ROWS) -> pd.DataFrame:
    """The first `rows` rows of a preview plus the first `bad_rows` rejected rows, in line order: small
    enough to show (and to style) for a file of any allowed size. Every rejected row is in
    rejected_rows(), which pages offer as a download when there are more than they show."""
    bad = (table["problem"].fillna("") != "").to_numpy(dtype=bool)
    first_bad = bad & (bad.cumsum() <= bad_rows)
    return table[(table.index < rows) | first_bad]


def rejected_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Every rejected row of a preview (line, problem and the file's own columns)."""
    return table[table["problem"].fillna("") != ""]


def parse_file(kind: str, data: bytes, filename: str, catalog: Catalog) -> Parsed:
    names, rows = read_table(data, filename)
    return parse_rows(kind, names, rows, catalog)


def write_parsed(store: Store, parsed: Parsed, *, actor: Actor, channel: str, dry_run: bool = False) -> int:
    """Write validated rows in one transaction (editors and admins): new reference names (when the
    import was parsed with create_missing) and the rows go together or not at all. Refuses if any row
    was bad, including rows that break a write rule (a target change without a reason). `dry_run`
    checks everything and writes nothing (returns 0)."""
    require(actor, "admin" if parsed.kind in REFERENCE_KINDS else "editor", f"import {parsed.kind}")
    if parsed.errors:
        raise ValidationError.keyed("error.rows_rejected", parsed.errors, bad=len(parsed.errors))
    with store.write_session() as session, session.transaction():
        frame = parsed.frame
        if parsed.kind == "targets":  # the same reason rule as the form, row by row
            frame, errors = apply_target_rule(session, frame, parsed.lines)
            if errors:
                raise ValidationError.keyed("error.rows_rejected", errors, bad=len(errors))
        if dry_run:
            return 0
        add_names(session, parsed.missing, actor=actor.name, channel=channel)
        return _write(session, parsed.kind, frame, actor, channel)


def _write(session: Session, kind: str, frame: pd.DataFrame, actor: Actor, channel: str) -> int:
    if kind == "use-cases":  # stage history and the derived innovation KPIs move with them
        records = [UseCaseRecord(**{k: (None if pd.isna(v) else v) for k, v in row.items()})
                   for row in frame.to_dict("records")]
        return write_use_cases(session, actor, records, channel=channel)
    if kind in REFERENCE_KINDS:
        return write_reference(session, REFERENCE_KINDS[kind], frame, actor=actor.name, channel=channel)
    writer = {
        "observations": session.upsert_observations,
        "targets": session.append_targets,
        "maturity": session.upsert_maturity,
        "value": session.upsert_value_streams,
        "investments": session.upsert_investments,
    }[kind]
    return writer(frame, actor=actor.name, channel=channel)


def reference_context(store: Store) -> tuple[ReferenceNames, dict[str, str]]:
    """The known names and the KPIs this store derives itself (for parse_rows)."""
    with store.session() as session:
        return load_names(session), derived_kpis(session)


def import_file(store: Store, kind: str, path: Path | str, catalog: Catalog, *, actor: Actor,
                channel: str = "cli", dry_run: bool = False, create_missing: bool = False) -> ImportResult:
    """Read, validate and (unless dry_run) write a whole file: every row or none. Unknown region,
    department or program names are refused unless `create_missing` adds them in the same write."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError.keyed("error.cannot_read", path=path, detail=exc.strerror) from None
    names, rows = read_table(data, path.name)
    reference, derived = reference_context(store)
    parsed = parse_rows(kind, names, rows, catalog, reference, create_missing, derived)
    if parsed.errors:
        raise ValidationError.keyed("error.file_rows_rejected", parsed.errors, file=path.name, bad=len(parsed.errors))
    written = write_parsed(store, parsed, actor=actor, channel=channel, dry_run=dry_run)
    return ImportResult(kind, len(parsed.frame), written, dry_run, parsed.missing)
