"""Reading an import upload: what the file is (sniffed, whatever its name says), its
encoding, size and row caps, and its header; the result is a ``Table`` of text cells.

Reading costs time per cell and per row, empty ones included, so a small file must not
hold a large amount of work (a 1.5 MB workbook whose rows each hold one formatted empty
cell in column XFD used to keep a worker busy for minutes). Before any cell is parsed:
an XLSX's parts are scanned, decompressed, for the number of cells and XML elements
they hold (``IMPORT_MAX_CELLS``), and a sheet whose used range (its ``<dimension>``)
reaches past ``IMPORT_MAX_COLUMNS`` is refused; while reading, at most
``IMPORT_MAX_COLUMNS`` (+1, to see a value beyond) columns of a row are looked at, a CSV
row may have no more cells than that, and reading stops after
``IMPORT_EMPTY_ROWS_STOP`` empty rows in a row (the end of the table: what follows
is not read)."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from time import monotonic
from typing import Any

from flask import current_app
from openpyxl.utils import get_column_letter

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
# A cell takes a few XML elements (the cell, its value, an inline or shared string): a
# workbook may hold this many elements per allowed cell, all its parts together.
XML_ELEMENTS_PER_CELL = 4
# The start of a cell element (<c ...>, <c/>, <x:c ...>), and of any element.
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
SCAN_CHUNK = 1024 * 1024

NOT_UTF8 = (
    'The file is not UTF-8 text. In Excel choose Save As > "CSV UTF-8 (Comma delimited)", '
    "or upload the .xlsx workbook."
)
NOT_A_TABLE = "Upload a CSV (UTF-8) or XLSX file."


class FileTooLarge(DomainError):
    status_code = 413
    default_message = "The file is too large."


class ImportTooSlow(FileTooLarge):
    """The import's time limit (``IMPORT_TIME_LIMIT_SECONDS``) passed: nothing written."""


def file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"file": [message]})


class Deadline:
    """When an import must give up; ``check()`` between chunks of work raises
    ``ImportTooSlow`` once it has passed. ``Deadline(None)`` never passes."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and monotonic() >= self.at:
            message = (
                f"The import did not finish within {self.seconds:g} seconds (the limit) "
                "and was stopped; nothing was imported. Split the file into smaller ones."
            )
            raise ImportTooSlow(message, errors={"file": [message]})


NO_DEADLINE = Deadline(None)


@dataclass(frozen=True)
class Caps:
    """``IMPORT_*`` limits of the app's configuration."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    empty_rows_stop: int

    @classmethod
    def from_config(cls) -> Caps:
        config = current_app.config
        return cls(
            max_bytes=config["IMPORT_MAX_BYTES"],
            max_rows=config["IMPORT_MAX_ROWS"],
            max_columns=max(config["IMPORT_MAX_COLUMNS"], len(COLUMNS)),
            max_cells=config["IMPORT_MAX_CELLS"],
            empty_rows_stop=max(config["IMPORT_EMPTY_ROWS_STOP"], 1),
        )

    def too_many_cells(self) -> ValidationFailed:
        return file_error(
            f"The file holds more than {self.max_cells:,} cells (the limit; formatted empty "
            "cells count too). Delete the rows and columns you do not use, or split the file."
        )

    def too_many_columns(self, columns: int, where: str) -> ValidationFailed:
        return file_error(
            f"{where} reaches column {get_column_letter(min(columns, 16384))} ({columns:,} "
            f"columns); a catalog file has at most {self.max_columns} columns (the limit). "
            "Delete the columns after the last one you use."
        )


@dataclass
class Table:
    """The header (normalised column names) and the non-empty data rows of a file."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


# Reading files ----------------------------------------------------------------


def read_table(
    data: bytes, filename: str | None = None, *, deadline: Deadline = NO_DEADLINE
) -> Table:
    """Sniff, check and read an upload into text cells; file-level problems are a 422
    (413 when too large)."""
    caps = Caps.from_config()
    if len(data) > caps.max_bytes:
        raise FileTooLarge(f"The file is larger than {caps.max_bytes:,} bytes; split it.")
    if not data.strip():
        raise file_error("The file is empty.")
    if data.startswith(ZIP_MAGIC):
        return _table(_xlsx_rows(data, caps), caps, deadline, text=False)
    elif data.startswith(OLE_MAGIC):
        raise file_error("Old Excel .xls files are not accepted; save the workbook as .xlsx.")
    elif data.startswith(BINARY_MAGIC) or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise file_error(NOT_A_TABLE)
    return _table(_csv_rows(_decode_text(data), caps), caps, deadline, text=True)


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


def _csv_rows(text: str, caps: Caps) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" (or tab) instead of "," in some locales; the header tells.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    cells = 0
    try:
        for row in reader:
            if len(row) > caps.max_columns:
                raise caps.too_many_columns(len(row), f"Line {reader.line_num}")
            cells += len(row) or 1  # an empty line costs a little as well
            if cells > caps.max_cells:
                raise caps.too_many_cells()
            yield row
    except csv.Error as exc:
        message = f"The CSV file could not be read (line {reader.line_num}): {exc}."
        raise file_error(message) from exc


def _xlsx_rows(data: bytes, caps: Caps) -> Iterator[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise file_error("This zip file is not an XLSX workbook.")
            if "xl/vbaProject.bin" in names:
                raise file_error("Workbooks with macros are not accepted; save it as .xlsx.")
            if sum(info.file_size for info in infos) > caps.max_bytes * XLSX_MAX_EXPANSION:
                raise file_error("The workbook expands to too much data; split it.")
            _scan_parts(archive, infos, caps)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError) as exc:
        raise file_error(NOT_A_TABLE) from exc
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
        # The used range the sheet declares: refused before a cell is read when it is
        # wider than a catalog file can be.
        declared_columns = sheet.max_column or 0
        if declared_columns > caps.max_columns:
            where = f'The used range of sheet "{sheet.title}" ({sheet.calculate_dimension()})'
            raise caps.too_many_columns(declared_columns, where)
        sheet.reset_dimensions()  # some writers store a wrong used range: read every row
        last = caps.max_columns  # the index of the first column past the limit
        try:
            for number, row in enumerate(
                sheet.iter_rows(min_row=1, min_col=1, max_col=last + 1, values_only=True),
                start=1,
            ):
                if row[last] is not None:
                    raise caps.too_many_columns(last + 1, f"Row {number}")
                values = list(row)
                while values and values[-1] is None:
                    values.pop()
                yield values
        except DomainError:
            raise
        except Exception as exc:  # as above, while streaming the sheet
            raise file_error("The XLSX workbook could not be read.") from exc
    finally:
        workbook.close()


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], caps: Caps) -> None:
    """Count the cells and XML elements of every part, decompressed a chunk at a time
    (fast: no XML is parsed), and refuse a workbook with more than the caps allow before
    openpyxl parses anything: its work grows with the elements, empty ones included."""
    cells = elements = 0
    max_elements = caps.max_cells * XML_ELEMENTS_PER_CELL
    for info in infos:
        if info.is_dir():
            continue
        with archive.open(info) as part:
            tail = b""
            while chunk := part.read(SCAN_CHUNK):
                text = tail + chunk
                # A tag cut at the chunk's end is counted with the next chunk.
                cut = text.rfind(b"<")
                text, tail = (text[:cut], text[cut:]) if cut >= 0 else (text, b"")
                elements += text.count(b"<") - text.count(b"</")
                cells += len(CELL_TAG.findall(text))
                if cells > caps.max_cells or elements > max_elements:
                    raise caps.too_many_cells()
            cells += len(CELL_TAG.findall(tail + b" "))
            elements += tail.count(b"<") - tail.count(b"</")
    if cells > caps.max_cells or elements > max_elements:
        raise caps.too_many_cells()


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


def _table(raw_rows: Iterable[list[Any]], caps: Caps, deadline: Deadline, *, text: bool) -> Table:
    """The header and the rows as ``{column: cell text}``; ``text``: every value is a
    string already (CSV), as opposed to spreadsheet values (numbers, dates...).
    Reading stops after ``caps.empty_rows_stop`` empty rows in a row."""
    max_rows, empty_stop = caps.max_rows, caps.empty_rows_stop
    rows = enumerate(raw_rows, start=1)
    header: list[str] | None = None
    for number, values in rows:
        cells = [_text(value) for value in values]
        if any(cell.strip() for cell in cells):
            header = [_normalise_header(cell) for cell in cells]
            break
        if number >= empty_stop:  # every row so far was empty
            break
    if header is None:
        raise file_error("The file has no header row.")
    _check_header(header)
    table = Table(columns=[name for name in header if name])
    every_column_named = all(header)
    empty = 0
    for number, values in rows:
        if number % 1000 == 0:
            deadline.check()
        if text:
            cells = values
        else:
            names = header + [""] * (len(values) - len(header))
            cells = [_text(value, name) for value, name in zip(values, names, strict=False)]
        if not "".join(cells).strip():
            empty += 1
            if empty >= empty_stop:
                break  # the end of the table: what follows is not read
            continue
        empty = 0
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
