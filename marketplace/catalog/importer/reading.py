"""Reading an import upload: what the file is (sniffed, whatever its name says), its
encoding, size and row caps, and its header; the result is a ``Table`` of text cells."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask import current_app

from marketplace.catalog.exporter import COLUMNS, REQUIRED_COLUMNS, unneutralise
from marketplace.errors import DomainError, ValidationFailed

# Content sniffing: what a file is, whatever its name says.
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"BM",
    b"RIFF",
    b"\x7fELF",
    b"MZ",
)
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Text never contains C0 controls other than tab, newline and carriage return.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An XLSX may expand to at most this many times IMPORT_MAX_BYTES (zip bomb guard).
XLSX_MAX_EXPANSION = 10

NOT_UTF8 = (
    'The file is not UTF-8 text. In Excel choose Save As > "CSV UTF-8 (Comma delimited)", '
    "or upload the .xlsx workbook."
)
NOT_A_TABLE = "Upload a CSV (UTF-8) or XLSX file."


class FileTooLarge(DomainError):
    status_code = 413
    default_message = "The file is too large."


def file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"file": [message]})


@dataclass
class Table:
    """The header (normalised column names) and the non-empty data rows of a file."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


# Reading files ----------------------------------------------------------------


def read_table(data: bytes, filename: str | None = None) -> Table:
    """Sniff, check and read an upload into text cells; file-level problems are a 422
    (413 when too large)."""
    config = current_app.config
    max_bytes, max_rows = config["IMPORT_MAX_BYTES"], config["IMPORT_MAX_ROWS"]
    if len(data) > max_bytes:
        raise FileTooLarge(f"The file is larger than {max_bytes:,} bytes; split it.")
    if not data.strip():
        raise file_error("The file is empty.")
    if data.startswith(ZIP_MAGIC):
        return _table(_xlsx_rows(data, max_bytes * XLSX_MAX_EXPANSION), max_rows, text=False)
    elif data.startswith(OLE_MAGIC):
        raise file_error("Old Excel .xls files are not accepted; save the workbook as .xlsx.")
    elif data.startswith(BINARY_MAGIC) or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise file_error(NOT_A_TABLE)
    return _table(_csv_rows(_decode_text(data)), max_rows, text=True)


def _decode_text(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        raise file_error(NOT_UTF8)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if b"\x00" in data:
        raise file_error(NOT_A_TABLE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise file_error(NOT_UTF8) from exc
    if CONTROL_CHARS.search(text):
        raise file_error(NOT_A_TABLE)
    return text


def _csv_rows(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" (or tab) instead of "," in some locales; the header tells.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        message = f"The CSV file could not be read (line {reader.line_num}): {exc}."
        raise file_error(message) from exc


def _xlsx_rows(data: bytes, max_expanded: int) -> Iterator[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise file_error(NOT_A_TABLE) from exc
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise file_error("This zip file is not an XLSX workbook.")
    if "xl/vbaProject.bin" in names:
        raise file_error("Workbooks with macros are not accepted; save it as .xlsx.")
    if sum(info.file_size for info in infos) > max_expanded:
        raise file_error("The workbook expands to too much data; split it.")
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; irrelevant here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure: an unreadable upload
        raise file_error("The XLSX workbook could not be read.") from exc
    try:
        if not workbook.worksheets:
            raise file_error("The workbook has no sheet.")
        # The "Products" sheet of our files, else the first one.
        sheet_names = workbook.sheetnames
        sheet = workbook["Products"] if "Products" in sheet_names else workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong used range
        try:
            for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
                yield list(row)
        except DomainError:
            raise
        except Exception as exc:  # as above, while streaming the sheet
            raise file_error("The XLSX workbook could not be read.") from exc
    finally:
        workbook.close()


def _text(value: Any, column: str = "") -> str:
    """A cell as text; XLSX cells may hold numbers, booleans and dates."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if column == "hs_code" and isinstance(value, float | int):
        return f"{value:.2f}"  # 6402.20 typed as a number reads back as 6402.2
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s-]+", "_", unneutralise(name.strip()).strip().lower())


def _table(raw_rows: Iterable[list[Any]], max_rows: int, *, text: bool) -> Table:
    """The header and the rows as ``{column: cell text}``; ``text``: every value is a
    string already (CSV), as opposed to spreadsheet values (numbers, dates...)."""
    rows = enumerate(raw_rows, start=1)
    header: list[str] | None = None
    for _number, values in rows:
        cells = [_text(value) for value in values]
        if any(cell.strip() for cell in cells):
            header = [_normalise_header(cell) for cell in cells]
            break
    if header is None:
        raise file_error("The file has no header row.")
    _check_header(header)
    table = Table(columns=[name for name in header if name])
    every_column_named = all(header)
    for number, values in rows:
        if text:
            cells = values
        else:
            names = header + [""] * (len(values) - len(header))
            cells = [_text(value, name) for value, name in zip(values, names, strict=False)]
        if not "".join(cells).strip():
            continue
        if len(table.rows) >= max_rows:
            raise file_error(
                f"The file has more than {max_rows:,} product rows (the limit); split it."
            )
        if every_column_named and len(cells) <= len(header):
            row = dict(zip(header, cells, strict=False))
        else:
            row = {}
            for name, cell in zip(header, cells, strict=False):
                if name:
                    row[name] = cell
                elif cell.strip():
                    raise file_error(f"Row {number} has a value in a column without a name.")
            if len(cells) > len(header) and "".join(cells[len(header) :]).strip():
                raise file_error(f"Row {number} has more cells than the header row.")
        table.rows.append((number, row))
    return table


def _check_header(header: list[str]) -> None:
    names = [name for name in header if name]
    unknown = [name for name in names if name not in COLUMNS]
    problems = []
    if unknown:
        problems.append(
            f"Unknown column(s): {', '.join(unknown)}. The columns are: {', '.join(COLUMNS)}."
        )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(f"Column(s) given twice: {', '.join(duplicates)}.")
    missing_columns = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing_columns:
        problems.append(f"Required column(s) missing: {', '.join(missing_columns)}.")
    if problems:
        raise ValidationFailed(" ".join(problems), errors={"file": problems})
