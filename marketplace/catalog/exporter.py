"""Catalog files: the column format shared by export, import and the template.

The columns are the fields of ``ProductInputSchema`` (what a supplier sets), in its
order. One row is one product; the header row names the columns. Cell formats:

==========================  =============================================================
column                      cell
==========================  =============================================================
materials, colors,          items separated by ``;`` (or ``|``): ``EVA;rubber``
customization, incoterms
sizes                       EU sizes, a range ``36-45`` or a list ``36;37;38.5`` (``,``
                            also separates)
price_tiers                 ``min_qty:unit_price`` pairs separated by ``;``:
                            ``1000:1.20;5000:1.05`` (ascending, first at the MOQ)
carton_dimensions_cm        length x width x height in cm: ``60x40x35``
sample_available            ``true``/``false`` (also yes/no, 1/0)
money, weights              decimals with a point: ``1.20``, ``9.5``
anything else               the value as in the API
==========================  =============================================================

A list cell may also be a JSON array (``["red; dark", "blue"]``) and a structured
cell a JSON value; export writes JSON only when an item contains a separator, so
every product round-trips. An empty cell means "not set": no value, an empty list,
false. A column left out of the file leaves that field of existing products as it is.

Spreadsheet formula injection: a text cell starting with ``= + - @``, tab or carriage
return is written with a leading apostrophe (``'=1+1``), as is a cell starting with an
apostrophe followed by one of those or by another apostrophe; import removes exactly
that apostrophe again (see ``neutralise`` / ``unneutralise``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductStatus
from marketplace.catalog.schemas import ProductInputSchema
from marketplace.catalog.vocab import CUSTOMIZATION_OPTIONS, INCOTERMS, MAX_PRICE_TIERS
from marketplace.extensions import db
from marketplace.fields import format_money

COLUMNS: tuple[str, ...] = tuple(ProductInputSchema().fields)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(
    name for name, field in ProductInputSchema().fields.items() if field.required
)
LIST_COLUMNS = ("materials", "colors", "customization", "incoterms")
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Exported states: the working catalog. Archived products are withdrawn; restore one
# (POST /products/{id}/restore) to have it in the file again.
EXPORTED_STATES = tuple(s for s in ProductStatus if s != ProductStatus.ARCHIVED)

# Characters XML 1.0 (and so XLSX) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

COLUMN_HELP: dict[str, str] = {
    "sku": "Your article number (letters, digits . _ / -, at most 64). Rows are matched "
    "to your catalog by SKU: a known SKU updates that product, a new one adds a draft.",
    "name": "Product name, 3-200 characters.",
    "description": "Free text, at most 5000 characters.",
    "category": "Category slug, one of the list below.",
    "materials": "Materials separated by ; (e.g. EVA;rubber), from the list below.",
    "sizes": "EU sizes: a range 36-45 or a list 36;37;38.5 (half sizes allowed, 16-52).",
    "colors": "Colours separated by ; (e.g. white;pink;grey), at most 30.",
    "moq": "Minimum order quantity in pairs (a whole number > 0).",
    "currency": "ISO 4217 code: USD, EUR, CNY, ...",
    "price_tiers": "min_qty:unit_price pairs separated by ; e.g. 1000:1.20;5000:1.05. "
    f"Ascending quantities, the first at the MOQ, prices not increasing, at most "
    f"{MAX_PRICE_TIERS} tiers.",
    "lead_time_days": "Production lead time in days (1-365).",
    "sample_available": "true or false (yes/no, 1/0 also work).",
    "sample_price": "Price of a sample pair (needs sample_available = true).",
    "sample_lead_time_days": "Days to send a sample (1-120).",
    "customization": f"Options separated by ;, from: {', '.join(CUSTOMIZATION_OPTIONS)}.",
    "pairs_per_carton": "Pairs in one export carton.",
    "carton_dimensions_cm": "Carton length x width x height in cm, e.g. 60x40x35.",
    "carton_weight_kg": "Gross carton weight in kg, e.g. 9.5.",
    "port_of_loading": "e.g. Xiamen.",
    "incoterms": f"Incoterms separated by ;, from: {' '.join(INCOTERMS)}.",
    "hs_code": "Chapter-64 HS code as text, e.g. 6402.20 or 6404.19.",
    "monthly_capacity_pairs": "Pairs you can make per month for this product.",
}

EXAMPLE_ROW: dict[str, str] = {
    "sku": "EVA-SL-001",
    "name": "Women's EVA bathroom slippers, anti-slip",
    "description": "Soft one-piece EVA, drainage holes, quick-drying.",
    "category": "eva-slippers",
    "materials": "EVA",
    "sizes": "36-41",
    "colors": "white;pink;grey",
    "moq": "1000",
    "currency": "USD",
    "price_tiers": "1000:1.20;5000:1.05;20000:0.95",
    "lead_time_days": "30",
    "sample_available": "true",
    "sample_price": "5.00",
    "sample_lead_time_days": "7",
    "customization": "logo;color;packaging",
    "pairs_per_carton": "60",
    "carton_dimensions_cm": "60x40x35",
    "carton_weight_kg": "9.5",
    "port_of_loading": "Xiamen",
    "incoterms": "FOB;EXW",
    "hs_code": "6402.99",
    "monthly_capacity_pairs": "300000",
}


# Formula neutralisation -----------------------------------------------------


def neutralise(text: str) -> str:
    """Make a cell safe to open in a spreadsheet; ``unneutralise`` undoes it exactly."""
    if text.startswith(FORMULA_TRIGGERS) or (
        text.startswith("'") and text[1:2] in (*FORMULA_TRIGGERS, "'") and len(text) > 1
    ):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    if text.startswith("'") and len(text) > 1 and text[1] in (*FORMULA_TRIGGERS, "'"):
        return text[1:]
    return text


# Product -> cells -------------------------------------------------------------


def _number(value: Decimal | int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _needs_json(items: Iterable[str]) -> bool:
    return any(
        not item or ";" in item or "|" in item or item != item.strip() or item[0] in "[{"
        for item in items
    )


def format_list(items: list[str]) -> str:
    if _needs_json(items):
        return json.dumps(items, ensure_ascii=False)
    return ";".join(items)


def format_sizes(sizes: dict | list | None) -> str:
    if not sizes:
        return ""
    if isinstance(sizes, dict):
        return f"{_number(sizes['from'])}-{_number(sizes['to'])}"
    return ";".join(_number(size) for size in sizes)


def product_cells(product: Product) -> dict[str, str]:
    """The product as import cells (before formula neutralisation)."""
    dims = (product.carton_length_cm, product.carton_width_cm, product.carton_height_cm)
    cells = {
        "sku": product.sku,
        "name": product.name,
        "description": product.description or "",
        "category": product.category.slug,
        "materials": format_list([m.name for m in product.materials]),
        "sizes": format_sizes(product.sizes),
        "colors": format_list(product.colors or []),
        "moq": str(product.moq),
        "currency": product.currency,
        "price_tiers": ";".join(
            f"{t.min_qty}:{format_money(t.unit_price)}" for t in product.price_tiers
        ),
        "lead_time_days": _optional(product.lead_time_days),
        "sample_available": "true" if product.sample_available else "false",
        "sample_price": "" if product.sample_price is None else format_money(product.sample_price),
        "sample_lead_time_days": _optional(product.sample_lead_time_days),
        "customization": format_list(product.customization or []),
        "pairs_per_carton": _optional(product.pairs_per_carton),
        "carton_dimensions_cm": ""
        if dims[0] is None
        else "x".join(_number(d) for d in dims if d is not None),
        "carton_weight_kg": ""
        if product.carton_weight_kg is None
        else _number(product.carton_weight_kg),
        "port_of_loading": product.port_of_loading or "",
        "incoterms": format_list(product.incoterms or []),
        "hs_code": product.hs_code or "",
        "monthly_capacity_pairs": _optional(product.monthly_capacity_pairs),
    }
    # A field added to the schema but not formatted above would silently drop out of
    # the round trip: fail loudly instead.
    if set(cells) != set(COLUMNS):
        raise RuntimeError(f"export columns out of date: {set(COLUMNS) ^ set(cells)}")
    return cells


def _optional(value: Any) -> str:
    return "" if value is None else str(value)


def catalog_products(supplier_id: int) -> Iterator[Product]:
    """The supplier's exported products, oldest first, loaded in chunks without N+1."""
    query = (
        sa.select(Product)
        .where(Product.supplier_id == supplier_id, Product.status.in_(EXPORTED_STATES))
        .order_by(Product.id)
        .options(selectinload(Product.price_tiers), selectinload(Product.materials))
        .execution_options(yield_per=500)
    )
    yield from db.session.scalars(query)


def catalog_rows(supplier_id: int) -> Iterator[list[str]]:
    """Header, then one neutralised row per product."""
    yield list(COLUMNS)
    for product in catalog_products(supplier_id):
        cells = product_cells(product)
        yield [neutralise(cells[column]) for column in COLUMNS]


# Files ----------------------------------------------------------------------


def to_csv(rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a BOM, so Excel shows Chinese text right when it opens the file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def to_xlsx(sheets: Mapping[str, Iterable[list[str]]]) -> bytes:
    """A workbook with one sheet per entry; every cell is a string (never a formula)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_xml_safe(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_catalog(supplier_id: int, fmt: str) -> bytes:
    rows = catalog_rows(supplier_id)
    return to_csv(rows) if fmt == "csv" else to_xlsx({"Products": rows})


def template_file(fmt: str) -> bytes:
    """The header, one example row and (XLSX) a sheet explaining every column."""
    rows = [list(COLUMNS), [neutralise(EXAMPLE_ROW[c]) for c in COLUMNS]]
    if fmt == "csv":
        return to_csv(rows)
    return to_xlsx({"Products": rows, "Columns": help_rows()})


def help_rows() -> list[list[str]]:
    config = current_app.config
    vocabulary = services.Vocabulary()
    categories = sorted(vocabulary.categories)
    materials = sorted(m.name for m in vocabulary.materials.values())
    rows = [["column", "required", "format", "example"]]
    for column in COLUMNS:
        rows.append(
            [
                column,
                "yes" if column in REQUIRED_COLUMNS else "no",
                COLUMN_HELP.get(column, ""),
                EXAMPLE_ROW.get(column, ""),
            ]
        )
    rows += [
        [],
        ["How the import works"],
        [
            "One row per product; the first row names the columns (any order). Rows are "
            "matched to your catalog by sku: a new SKU adds a draft, a known one updates it."
        ],
        [
            "All or nothing: if any row has a problem, nothing is imported and every bad row "
            "is listed with its row number and the field messages."
        ],
        [
            "An empty cell means not set (no value, empty list, false). A column left out of "
            "the file leaves that field of existing products unchanged; sku, "
            + ", ".join(REQUIRED_COLUMNS[1:])
            + " must be present."
        ],
        [
            f"Save as .xlsx or as CSV UTF-8. At most {config['IMPORT_MAX_ROWS']:,} rows and "
            f"{config['IMPORT_MAX_BYTES'] / 1024 / 1024:g} MB per file."
        ],
        [],
        ["Allowed values"],
        ["category", *categories],
        ["materials", *materials],
        ["customization", *CUSTOMIZATION_OPTIONS],
        ["incoterms", *INCOTERMS],
    ]
    return [[neutralise(cell) for cell in row] for row in rows]


def export_filename(supplier_id: int, fmt: str) -> str:
    return f"catalog-{supplier_id}-{datetime.now(UTC):%Y%m%d}.{fmt}"
