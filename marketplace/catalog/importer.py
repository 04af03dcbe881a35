"""Bulk catalog import from CSV or XLSX (cell formats: ``marketplace.catalog.exporter``).

All or nothing: every row is validated first, with the API's own rules
(``ProductInputSchema`` and the catalog services), and only a file without a single
bad row is written, inside a SAVEPOINT. Rows are upserted by SKU within the
importing supplier; a row that changes nothing is left alone.

Speed (``bench/import_bench.py``): the vocabularies and the supplier's SKUs are loaded
once, never per row; each distinct cell text of a column is parsed and validated once
by the schema's own field (a catalog repeats its categories, tiers, sizes and colours
on every row); new products go in with a few multi-row INSERTs
(``services.bulk_create_products``).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import INCLUDE, ValidationError, fields
from marshmallow.decorators import PRE_LOAD, VALIDATES
from marshmallow.utils import missing
from sqlalchemy.orm import selectinload

from marketplace.catalog import services
from marketplace.catalog.exporter import COLUMNS, REQUIRED_COLUMNS, product_cells, unneutralise
from marketplace.catalog.models import Product
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.errors import Conflict, DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier

Progress = Callable[[int], None]

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


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"file": [message]})


@dataclass
class Table:
    """The header (normalised column names) and the non-empty data rows of a file."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# Reading files ----------------------------------------------------------------


def read_table(data: bytes, filename: str | None = None) -> Table:
    """Sniff, check and read an upload into text cells; file-level problems are a 422
    (413 when too large)."""
    config = current_app.config
    max_bytes, max_rows = config["IMPORT_MAX_BYTES"], config["IMPORT_MAX_ROWS"]
    if len(data) > max_bytes:
        raise FileTooLarge(f"The file is larger than {max_bytes:,} bytes; split it.")
    if not data.strip():
        raise _file_error("The file is empty.")
    if data.startswith(ZIP_MAGIC):
        raw_rows = _xlsx_rows(data, max_bytes * XLSX_MAX_EXPANSION)
    elif data.startswith(OLE_MAGIC):
        raise _file_error("Old Excel .xls files are not accepted; save the workbook as .xlsx.")
    elif data.startswith(BINARY_MAGIC) or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise _file_error(NOT_A_TABLE)
    else:
        raw_rows = _csv_rows(_decode_text(data))
    return _table(raw_rows, max_rows)


def _decode_text(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        raise _file_error(NOT_UTF8)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if b"\x00" in data:
        raise _file_error(NOT_A_TABLE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _file_error(NOT_UTF8) from exc
    if CONTROL_CHARS.search(text):
        raise _file_error(NOT_A_TABLE)
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
        raise _file_error(message) from exc


def _xlsx_rows(data: bytes, max_expanded: int) -> Iterator[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _file_error(NOT_A_TABLE) from exc
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _file_error("This zip file is not an XLSX workbook.")
    if "xl/vbaProject.bin" in names:
        raise _file_error("Workbooks with macros are not accepted; save it as .xlsx.")
    if sum(info.file_size for info in infos) > max_expanded:
        raise _file_error("The workbook expands to too much data; split it.")
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; irrelevant here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure: an unreadable upload
        raise _file_error("The XLSX workbook could not be read.") from exc
    try:
        if not workbook.worksheets:
            raise _file_error("The workbook has no sheet.")
        # The "Products" sheet of our files, else the first one.
        names = workbook.sheetnames
        sheet = workbook["Products"] if "Products" in names else workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong used range
        try:
            for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
                yield list(row)
        except DomainError:
            raise
        except Exception as exc:  # as above, while streaming the sheet
            raise _file_error("The XLSX workbook could not be read.") from exc
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


def _table(raw_rows: Iterable[list[Any]], max_rows: int) -> Table:
    rows = enumerate(raw_rows, start=1)
    header: list[str] | None = None
    for _number, values in rows:
        cells = [_text(value) for value in values]
        if any(cell.strip() for cell in cells):
            header = [_normalise_header(cell) for cell in cells]
            break
    if header is None:
        raise _file_error("The file has no header row.")
    _check_header(header)
    table = Table(columns=[name for name in header if name])
    for number, values in rows:
        names = header + [""] * (len(values) - len(header))
        cells = [_text(value, name) for value, name in zip(values, names, strict=False)]
        if not any(cell.strip() for cell in cells):
            continue
        if len(table.rows) >= max_rows:
            raise _file_error(
                f"The file has more than {max_rows:,} product rows (the limit); split it."
            )
        row = {}
        for name, cell in zip(header, cells, strict=False):
            if name:
                row[name] = cell
            elif cell.strip():
                raise _file_error(f"Row {number} has a value in a column without a name.")
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise _file_error(f"Row {number} has more cells than the header row.")
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


# Cells -> values ------------------------------------------------------------------

TIERS_FORMAT = (
    'Write tiers as min_qty:unit_price pairs separated by ";", e.g. "1000:1.20;5000:1.05".'
)
SIZES_FORMAT = 'Write EU sizes as a range "36-45" or a list "36;37;38.5".'
CARTON_FORMAT = 'Write carton dimensions as length x width x height in cm, e.g. "60x40x35".'
NUMBER = r"\d+(?:\.\d+)?"
SIZE_RANGE = re.compile(rf"(?:eu\s*)?({NUMBER})\s*-\s*({NUMBER})", re.IGNORECASE)
BY = r"\s*[x\u00d7*]\s*"  # 60x40x35, 60 X 40 X 35, 60\u00d740\u00d735, 60*40*35
CARTON = re.compile(rf"({NUMBER}){BY}({NUMBER}){BY}({NUMBER})", re.IGNORECASE)
INTEGER = re.compile(r"[+-]?\d+")


def _json_cell(text: str, kind: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValidationError("Not valid JSON.") from exc
    if not isinstance(value, kind):
        raise ValidationError(f"Expected a JSON {'list' if kind is list else 'object'}.")
    return value


def parse_list(text: str) -> list[str]:
    if text.startswith("["):
        return _json_cell(text, list)
    separator = ";" if ";" in text else "|"
    return [item.strip() for item in text.split(separator) if item.strip()]


def parse_sizes(text: str) -> Any:
    if text.startswith(("{", "[")):
        return _json_cell(text, dict if text.startswith("{") else list)
    if match := SIZE_RANGE.fullmatch(text):
        return {"system": "EU", "from": match[1], "to": match[2]}
    items = [item.strip() for item in re.split(r"[;,|]", re.sub(r"^eu\s*", "", text, flags=re.I))]
    if not all(re.fullmatch(NUMBER, item) for item in items):
        raise ValidationError(SIZES_FORMAT)
    return items


def parse_tiers(text: str) -> list[dict[str, Any]]:
    if text.startswith("["):
        return _json_cell(text, list)
    tiers = []
    for part in re.split(r"[;|]", text):
        if not part.strip():
            continue
        quantity, colon, price = part.partition(":")
        if not colon or not quantity.strip() or not price.strip():
            raise ValidationError(TIERS_FORMAT)
        tiers.append({"min_qty": parse_int(quantity.strip()), "unit_price": price.strip()})
    return tiers


def parse_carton(text: str) -> dict[str, str]:
    if text.startswith("{"):
        return _json_cell(text, dict)
    match = CARTON.fullmatch(text)
    if not match:
        raise ValidationError(CARTON_FORMAT)
    return {"length": match[1], "width": match[2], "height": match[3]}


def parse_int(text: str) -> int | str:
    """A whole number; anything else goes to the field as text, which rejects it."""
    if INTEGER.fullmatch(text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0+", text):  # 1000.0 from a spreadsheet
        return int(Decimal(text))
    return text


def parse_structured(text: str) -> Any:
    return _json_cell(text, dict if text.startswith("{") else list)


def _parser_for(name: str, schema_field: fields.Field) -> Callable[[str], Any]:
    special = {
        "price_tiers": parse_tiers,
        "sizes": parse_sizes,
        "carton_dimensions_cm": parse_carton,
    }
    if name in special:
        return special[name]
    if isinstance(schema_field, fields.List):
        return parse_list
    if isinstance(schema_field, fields.Integer):
        return parse_int
    if isinstance(schema_field, fields.Boolean):
        return str.lower
    if isinstance(schema_field, fields.Nested | fields.Dict):
        return parse_structured
    return lambda text: text


def _empty_value(schema_field: fields.Field) -> Any:
    """What an empty cell means for an optional field: not set."""
    if schema_field.allow_none:
        return None
    if isinstance(schema_field, fields.List):
        return []
    if isinstance(schema_field, fields.Boolean):
        return False
    if isinstance(schema_field, fields.String):
        return ""
    return missing


class RowValidator:
    """``ProductInputSchema().load`` for rows of text cells, with the schema's own fields.

    Each distinct text of a column is parsed and deserialized once by that column's
    field (validators included) and remembered. The schema-level hooks
    (``@validates_schema``, ``@post_load``) then run on each row's values through a
    field-less instance of the same schema. A schema with ``@pre_load`` or
    ``@validates`` hooks is loaded row by row the ordinary way instead.
    """

    def __init__(self) -> None:
        self.schema = ProductInputSchema()
        hooks = ProductInputSchema.resolve_hooks()
        self.exact = not hooks.get(PRE_LOAD) and not hooks.get(VALIDATES)
        self.hooks_schema = ProductInputSchema(only=(), unknown=INCLUDE)
        self.plan = []
        for name, schema_field in self.schema.load_fields.items():
            if isinstance(schema_field, fields.List):
                # Lists differ from row to row, their items (tiers, colours) much less.
                inner = schema_field.inner
                inner.deserialize = _remembering(inner.deserialize)  # this instance only
            key = schema_field.data_key or name
            attribute = schema_field.attribute or name
            self.plan.append((key, attribute, schema_field, _parser_for(key, schema_field), {}))

    def load(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values, errors) of one row; a column not in ``cells`` is not set."""
        if not self.exact:
            return self._load_slowly(cells)
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, attribute, schema_field, parse, cache in self.plan:
            text = cells.get(key)
            if text is None:  # the column is not in the file
                outcome = cache.get(missing)
                if outcome is None:
                    outcome = cache[missing] = self._deserialize(schema_field, missing)
            else:
                outcome = cache.get(text)
                if outcome is None:
                    outcome = cache[text] = self._cell(key, schema_field, parse, text)
            ok, result = outcome
            if not ok:
                errors[key] = copy.deepcopy(result)  # the remembered outcome stays intact
            elif result is not missing:
                values[attribute] = result
        if not errors:
            try:
                values = self.hooks_schema.load(values)
            except ValidationError as exc:
                errors.update(_as_dict(exc.messages))
                values = {k: v for k, v in values.items() if k not in errors}
        return values, errors

    def _cell(self, key, schema_field, parse, text: str) -> tuple[bool, Any]:
        text = unneutralise(text.strip())
        if not text.strip():
            if schema_field.required:
                return self._deserialize(schema_field, missing)
            empty = _empty_value(schema_field)
            return (True, missing) if empty is missing else self._deserialize(schema_field, empty)
        try:
            value = parse(text)
        except ValidationError as exc:
            return False, exc.messages
        return self._deserialize(schema_field, value, key)

    @staticmethod
    def _deserialize(schema_field, value, key=None) -> tuple[bool, Any]:
        try:
            return True, schema_field.deserialize(value, key, None)
        except ValidationError as exc:
            return False, exc.messages

    def _load_slowly(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        raw: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, _attribute, schema_field, parse, _cache in self.plan:
            text = cells.get(key)
            if text is None:
                continue
            text = unneutralise(text.strip())
            if not text.strip():
                empty = None if schema_field.required else _empty_value(schema_field)
                if empty is not None or schema_field.allow_none:
                    raw[key] = empty
                continue
            try:
                raw[key] = parse(text)
            except ValidationError as exc:
                errors[key] = exc.messages
        raw = {k: v for k, v in raw.items() if v is not missing}
        try:
            values = self.schema.load(raw)
        except ValidationError as exc:
            errors = {**_as_dict(exc.messages), **errors}
            # Like the fast path: a field with an error has no value, not part of one.
            values = {k: v for k, v in (exc.valid_data or {}).items() if k not in errors}
        return values, errors


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", *sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", *(_freeze(v) for v in value))
    hash(value)
    return (type(value), value)


def _remembering(deserialize: Callable) -> Callable:
    """``Field.deserialize`` that computes each distinct value's outcome once."""
    outcomes: dict[Any, tuple[bool, Any]] = {}

    def wrapper(value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        try:
            key = _freeze(value)
        except TypeError:
            key = None
        if key is None or kwargs or value is missing:
            return deserialize(value, attr, data, **kwargs)
        outcome = outcomes.get(key)
        if outcome is None:
            try:
                outcome = (True, deserialize(value, attr, data))
            except ValidationError as exc:
                outcome = (False, exc.messages)
            outcomes[key] = outcome
        if outcome[0]:
            return outcome[1]
        raise ValidationError(copy.deepcopy(outcome[1]))

    return wrapper


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"row": messages}


# Validating and writing --------------------------------------------------------


def _same(name: str, new: Any, old: Any) -> bool:
    if name == "category":
        return isinstance(old, str) and new.strip().lower() == old.strip().lower()
    if name == "currency":
        return isinstance(old, str) and new.upper() == old.upper()
    if name == "materials":
        return old is not None and {m.strip().lower() for m in new} == {
            m.strip().lower() for m in old
        }
    if name == "price_tiers":
        return old is not None and [(t["min_qty"], Decimal(t["unit_price"])) for t in new] == [
            (t["min_qty"], Decimal(t["unit_price"])) for t in old
        ]
    return new == old


def _cell_value(text: str) -> str:
    return unneutralise(text.strip())


def _unchanged(values: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    return all(_same(name, value, current.get(name)) for name, value in values.items())


@dataclass
class _Plan:
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[int, Product, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)


def _existing_products(supplier_id: int, skus: Iterable[str]) -> dict[str, Product]:
    """The supplier's products with these SKUs, with tiers and materials, in a few queries."""
    known = dict(
        db.session.execute(
            sa.select(Product.sku, Product.id).where(Product.supplier_id == supplier_id)
        ).all()
    )
    ids = [known[sku] for sku in set(skus) if sku in known]
    products: dict[str, Product] = {}
    for start in range(0, len(ids), 500):
        query = (
            sa.select(Product)
            .where(Product.id.in_(ids[start : start + 500]))
            .options(selectinload(Product.price_tiers), selectinload(Product.materials))
        )
        products.update((p.sku, p) for p in db.session.scalars(query))
    return products


def plan_import(
    supplier: Supplier, table: Table, progress: Progress | None = None
) -> tuple[_Plan, services.Vocabulary]:
    """Validate every row; nothing is written."""
    validator = RowValidator()
    vocabulary = services.Vocabulary()
    skus = [row["sku"].strip() for _number, row in table.rows if row.get("sku")]
    existing = _existing_products(supplier.id, (unneutralise(s) for s in skus))
    plan = _Plan()
    first_row_of: dict[str, int] = {}
    for done, (number, cells) in enumerate(table.rows, start=1):
        values, errors = validator.load(cells)
        sku = values.get("sku")
        if sku is not None:
            if sku in first_row_of:
                errors.setdefault("sku", []).append(
                    f"SKU {sku} is already on row {first_row_of[sku]} of this file."
                )
            else:
                first_row_of[sku] = number
        product = existing.get(sku) if sku is not None else None
        if product is None:
            errors = {**services.check_product_data(values, vocabulary), **errors}
            if not errors:
                plan.creates.append(values)
        else:
            current_cells = product_cells(product)
            # An exported file comes back with the very same texts: no need to load them.
            same_text = all(_cell_value(t) == current_cells[n] for n, t in cells.items())
            current = {} if same_text else validator.load(current_cells)[0]
            if same_text or _unchanged(values, current):
                if not errors:
                    plan.unchanged += 1
            elif blocked := services.not_editable(product):
                errors.setdefault("sku", []).append(blocked.message)
            else:
                merged = {**current, **values}
                errors = {**services.check_product_data(merged, vocabulary), **errors}
                if not errors:
                    plan.updates.append((number, product, values))
        if errors:
            plan.errors[str(number)] = errors
        if progress and done % 100 == 0:
            progress(100)
    if progress and len(table.rows) % 100:
        progress(len(table.rows) % 100)
    return plan, vocabulary


def import_catalog(
    supplier: Supplier,
    data: bytes,
    filename: str | None = None,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Upsert a CSV/XLSX catalog file into ``supplier``'s catalog, all or nothing.

    Raises ``ValidationFailed`` with ``errors = {"<row number>": {"field": [...]}}``
    (the header is row 1) and writes nothing when any row is bad; flushes, the caller
    commits.
    """
    table = read_table(data, filename)
    if not table.rows:
        raise _file_error("The file has a header but no product rows.")
    plan, vocabulary = plan_import(supplier, table, progress)
    if plan.errors:
        count = len(plan.errors)
        raise ValidationFailed(
            f"{count} row{'s' if count > 1 else ''} of the file "
            f"{'have' if count > 1 else 'has'} problems; nothing was imported.",
            errors=plan.errors,
        )
    return write_plan(supplier, plan, vocabulary)


def write_plan(supplier: Supplier, plan: _Plan, vocabulary: services.Vocabulary) -> ImportResult:
    result = ImportResult(created=len(plan.creates), unchanged=plan.unchanged)
    try:
        with db.session.begin_nested():
            services.bulk_create_products(supplier, plan.creates, vocabulary)
            for number, product, values in plan.updates:
                try:
                    changed = services.edit_product(
                        product, copy.deepcopy(values), vocabulary=vocabulary
                    )
                except DomainError as exc:  # validated above; kept as a row error regardless
                    raise ValidationFailed(
                        "A row of the file has problems; nothing was imported.",
                        errors={str(number): exc.errors or {"sku": [exc.message]}},
                    ) from exc
                if changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise Conflict(
            "The catalog changed while the file was imported (another import of the same "
            "SKUs?); nothing was imported. Try again."
        ) from exc
    # Every row is either created or updated; "unchanged" tells how many updates were no-ops.
    result.updated += result.unchanged
    return result
