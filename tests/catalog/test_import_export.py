"""Bulk import (CSV/XLSX) and export: all or nothing, per-row errors, upsert by SKU, caps,
encodings, formula neutralisation and an exact round trip."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from marketplace.catalog.exporter import COLUMNS, EXAMPLE_ROW
from marketplace.catalog.models import PriceTier, Product, ProductStatus
from marketplace.extensions import db
from tests.catalog.conftest import product_payload
from tests.catalog.support import catalog_rows, count, make_product
from tests.factories import BuyerFactory, SupplierOwnerFactory, SupplierStaffFactory

IMPORT = "/api/v1/catalog/import"
EXPORT = "/api/v1/catalog/export"
TEMPLATE = "/api/v1/catalog/import-template"


def row(**overrides: str) -> dict[str, str]:
    return {**EXAMPLE_ROW, **overrides}


def csv_bytes(rows: list[dict[str, str]], *, bom: bool = False, columns=None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns or COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def upload(client, data: bytes, filename: str = "catalog.csv"):
    """POST the file as multipart. The body is built here: werkzeug's test client spools
    a multipart body over 500 KB to a temporary file it never closes (a ResourceWarning)."""
    boundary = "catalog-import-boundary-5f3a9c"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def owner():
    return SupplierOwnerFactory()


@pytest.fixture
def client(login_as, owner):
    return login_as(owner)


def products_of(supplier_id: int) -> list[Product]:
    query = sa.select(Product).where(Product.supplier_id == supplier_id).order_by(Product.sku)
    return list(db.session.scalars(query))


# Creating ---------------------------------------------------------------------------


def test_imported_product_equals_the_same_product_created_through_the_api(client):
    # EXAMPLE_ROW is this payload in the import's cell format.
    payload = product_payload(sku="API-1", sample_lead_time_days=7)
    created = client.post("/api/v1/products", json=payload).json
    response = upload(client, csv_bytes([row(sku="CSV-1")]))
    assert response.status_code == 201, response.json
    assert response.json == {"created": 1, "updated": 0, "unchanged": 0}

    listed = client.get(f"/api/v1/suppliers/{created['supplier_id']}/products?limit=10").json
    imported = next(p for p in listed["items"] if p["sku"] == "CSV-1")
    imported = client.get(f"/api/v1/products/{imported['id']}").json
    ignore = {"id", "sku", "created_at", "updated_at"}
    assert {k: v for k, v in imported.items() if k not in ignore} == {
        k: v for k, v in created.items() if k not in ignore
    }
    assert imported["status"] == "draft"


def test_minimal_row_with_only_the_required_columns(client, owner):
    required = ["sku", "name", "category", "moq", "currency", "price_tiers"]
    data = csv_bytes(
        [
            {
                "sku": "MIN-1",
                "name": "Plain slides",
                "category": "slides",
                "moq": "500",
                "currency": "usd",
                "price_tiers": "500:2.10",
            }
        ],
        columns=required,
    )
    response = upload(client, data)
    assert response.status_code == 201, response.json
    (product,) = products_of(owner.supplier_id)
    assert (product.currency, product.moq, product.sizes, product.colors) == ("USD", 500, None, [])
    assert product.sample_available is False and product.description == ""


# All or nothing -------------------------------------------------------------------------


def _many_rows(total: int) -> list[dict[str, str]]:
    return [row(sku=f"BULK-{n:05d}", name=f"EVA slides model {n}") for n in range(total)]


def test_bad_row_4999_of_5000_is_reported_and_nothing_is_written(app, monkeypatch, client, owner):
    # Imported in the request, as it is with IMPORT_SYNC_MAX_ROWS this high (the default
    # 1,000 makes it a job: tests/catalog/test_import_jobs.py).
    monkeypatch.setitem(app.config, "IMPORT_SYNC_MAX_ROWS", 5000)
    rows = _many_rows(5000)
    rows[4997]["price_tiers"] = "1000:1.20;500:1.00"  # data row 4998 = spreadsheet row 4999
    before = catalog_rows()

    response = upload(client, csv_bytes(rows))

    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["4999"]
    assert response.json["errors"]["4999"] == {
        "price_tiers": ["Tiers must be in ascending order of min_qty, without repeats."]
    }
    assert "nothing was imported" in response.json["message"]
    assert catalog_rows() == before

    rows[4997]["price_tiers"] = EXAMPLE_ROW["price_tiers"]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 201, response.json
    assert response.json["created"] == 5000
    assert count(Product, Product.supplier_id == owner.supplier_id) == 5000
    assert count(PriceTier) == before[1] + 15000


def test_every_bad_row_is_reported_with_its_fields(client):
    rows = [
        row(sku="OK-1"),
        row(sku="BAD-CAT", category="socks"),
        row(sku="BAD-MOQ", moq="lots", hs_code="1234.56"),
        row(sku="OK-2"),
        row(sku="OK-1", name="duplicate of row 2"),
        row(sku="BAD-MIX", materials="EVA;unobtainium", sample_available="no"),
        row(sku="BAD-FMT", price_tiers="1000=1.20", carton_dimensions_cm="big", sizes="S-M"),
        row(sku="", name=""),
    ]
    before = catalog_rows()
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"3", "4", "6", "7", "8", "9"}
    assert errors["3"] == {"category": ["Unknown category 'socks'."]}
    assert errors["4"] == {
        "moq": ["Not a valid integer."],
        "hs_code": ["Use a chapter-64 (footwear) HS code such as 6402.20."],
    }
    assert errors["6"] == {"sku": ["SKU OK-1 is already on row 2 of this file."]}
    assert set(errors["7"]) == {"materials", "sample_price"}
    assert "unobtainium" in errors["7"]["materials"][0]
    assert set(errors["8"]) == {"price_tiers", "carton_dimensions_cm", "sizes"}
    assert "min_qty:unit_price" in errors["8"]["price_tiers"][0]
    assert errors["9"] == {
        "sku": ["Missing data for required field."],
        "name": ["Missing data for required field."],
    }
    assert catalog_rows() == before


@pytest.mark.parametrize(
    ("column", "cell", "api_value"),
    [
        ("moq", "0", 0),
        ("name", "ab", "ab"),
        ("currency", "XYZ", "XYZ"),
        ("sample_price", "1.23456", "1.23456"),
        ("incoterms", "FOB;XXX", ["FOB", "XXX"]),
        ("customization", "logo;logo", ["logo", "logo"]),
        ("sizes", "10-12", {"system": "EU", "from": 10, "to": 12}),
        ("sizes", "36;36.7", [36, 36.7]),
        ("carton_dimensions_cm", "0x40x35", {"length": 0, "width": 40, "height": 35}),
        ("carton_weight_kg", "600", "600"),
        ("lead_time_days", "366", 366),
        (
            "price_tiers",
            "1000:1.20;5000:1.30",
            [{"min_qty": 1000, "unit_price": "1.20"}, {"min_qty": 5000, "unit_price": "1.30"}],
        ),
        ("price_tiers", "900:1.20", [{"min_qty": 900, "unit_price": "1.20"}]),
    ],
)
def test_import_and_api_give_the_same_messages(client, column, cell, api_value):
    api = client.post("/api/v1/products", json=product_payload(**{column: api_value}))
    assert api.status_code == 422
    response = upload(client, csv_bytes([row(**{column: cell})]))
    assert response.status_code == 422
    assert response.json["errors"]["2"][column] == api.json["errors"][column]


# Upsert ---------------------------------------------------------------------------------


def test_second_import_updates_by_sku(client, owner):
    first = upload(client, csv_bytes([row(sku="UP-1"), row(sku="UP-2")]))
    assert first.json == {"created": 2, "updated": 0, "unchanged": 0}

    second = upload(
        client,
        csv_bytes(
            [row(sku="UP-1", price_tiers="1000:1.10;5000:0.99"), row(sku="UP-2"), row(sku="UP-3")]
        ),
    )
    assert second.status_code == 201, second.json
    assert second.json == {"created": 1, "updated": 2, "unchanged": 1}
    products = {p.sku: p for p in products_of(owner.supplier_id)}
    assert set(products) == {"UP-1", "UP-2", "UP-3"}
    body = client.get(f"/api/v1/products/{products['UP-1'].id}").json
    assert body["price_tiers"] == [
        {"min_qty": 1000, "unit_price": "1.10"},
        {"min_qty": 5000, "unit_price": "0.99"},
    ]


def test_update_follows_the_state_machine(client, owner):
    published = make_product(owner.supplier, ProductStatus.PUBLISHED, sku="PUB-1")
    priced = make_product(owner.supplier, ProductStatus.PUBLISHED, sku="PUB-2")
    response = upload(
        client,
        csv_bytes(
            [
                row(sku="PUB-1", name="A new name needs review"),
                row(sku="PUB-2", price_tiers="1000:1.15;5000:1.05;20000:0.95"),
            ]
        ),
    )
    assert response.status_code == 201, response.json
    assert client.get(f"/api/v1/products/{published.id}").json["status"] == "pending_review"
    assert client.get(f"/api/v1/products/{priced.id}").json["status"] == "published"


def test_suspended_product_rows_are_refused_only_when_they_change_it(client, owner):
    suspended = make_product(owner.supplier, ProductStatus.SUSPENDED, sku="SUS-1")
    exported = client.get(EXPORT).data
    assert upload(client, exported).json == {"created": 0, "updated": 1, "unchanged": 1}

    response = upload(client, csv_bytes([row(sku="SUS-1", name="Sneaking a change in")]))
    assert response.status_code == 422
    assert response.json["errors"] == {"2": {"sku": ["A suspended product cannot be edited."]}}
    assert client.get(f"/api/v1/products/{suspended.id}").json["name"] != "Sneaking a change in"


def test_import_never_touches_another_company(client, owner, login_as):
    other = SupplierOwnerFactory()
    theirs = make_product(other.supplier, sku="SHARED-1")
    other_client = login_as(other)
    before = other_client.get(f"/api/v1/products/{theirs.id}").json

    response = upload(client, csv_bytes([row(sku="SHARED-1", name="Mine now")]))

    assert response.json == {"created": 1, "updated": 0, "unchanged": 0}
    assert other_client.get(f"/api/v1/products/{theirs.id}").json == before
    (mine,) = products_of(owner.supplier_id)
    assert mine.name == "Mine now"
    export = client.get(EXPORT).data.decode("utf-8-sig")
    assert export.count("SHARED-1") == 1 and "Mine now" in export
    assert other_client.get(EXPORT).data.decode("utf-8-sig").count("Mine now") == 0


# Files: caps, encodings, formats ---------------------------------------------------


def test_file_over_the_size_cap_is_413(client, app, monkeypatch):
    data = csv_bytes([row()])
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", len(data) - 1)
    before = catalog_rows()
    response = upload(client, data)
    assert response.status_code == 413
    assert catalog_rows() == before


def test_body_over_the_upload_cap_is_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_MAX_BODY", 2000)
    response = upload(client, csv_bytes([row(sku=f"S-{n}") for n in range(20)]))
    assert response.status_code == 413


def test_more_rows_than_the_cap_is_422_naming_the_cap(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    before = catalog_rows()
    response = upload(client, csv_bytes([row(sku=f"CAP-{n}") for n in range(4)]))
    assert response.status_code == 422
    assert "more than 3 product rows" in response.json["errors"]["file"][0]
    assert catalog_rows() == before
    assert upload(client, csv_bytes([row(sku=f"CAP-{n}") for n in range(3)])).status_code == 201


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_or_without_bom(client, owner, bom):
    name = "男士EVA拖鞋 — plage été 😀"
    response = upload(client, csv_bytes([row(name=name)], bom=bom))
    assert response.status_code == 201, response.json
    (product,) = products_of(owner.supplier_id)
    assert product.name == name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (csv_bytes([row(name="Café slides")]).decode().encode("latin-1"), "UTF-8"),
        (csv_bytes([row(name="男士拖鞋")]).decode().encode("gbk"), "UTF-8"),
        (csv_bytes([row()]).decode().encode("utf-16"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "CSV"),
        (b"sku,name\x00\x01\x02\n", "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        (b"", "empty"),
    ],
)
def test_files_that_are_not_utf8_csv_or_xlsx_are_refused(client, data, message):
    before = catalog_rows()
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.json["errors"]["file"][0]
    assert catalog_rows() == before


def test_zip_that_is_not_a_workbook_is_refused(client):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("catalog.csv", csv_bytes([row()]))
    response = upload(client, out.getvalue(), "catalog.xlsx")
    assert response.status_code == 422
    assert response.json["errors"]["file"] == ["This zip file is not an XLSX workbook."]


def test_unknown_duplicate_and_missing_columns_are_refused(client):
    data = csv_bytes(
        [{"sku": "X", "name": "Plain", "status": "published", "Name": "again"}],
        columns=["sku", "name", "status", "Name"],
    )
    response = upload(client, data)
    assert response.status_code == 422
    problems = " ".join(response.json["errors"]["file"])
    assert "Unknown column(s): status" in problems
    assert "given twice: name" in problems
    assert "missing: category, moq, currency, price_tiers" in problems


def test_semicolon_separated_csv_and_friendly_headers(client, owner):
    text = (
        "SKU;Name;Category;MOQ;Currency;Price tiers\r\n"
        "SEMI-1;Comfy slides;slides;300;EUR;300:3.50\r\n"
    )
    response = upload(client, text.encode())
    assert response.status_code == 201, response.json
    (product,) = products_of(owner.supplier_id)
    assert (product.sku, product.moq, product.currency) == ("SEMI-1", 300, "EUR")


def test_xlsx_import_with_numeric_cells(client, owner):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    values = dict(
        EXAMPLE_ROW,
        sku="XL-1",
        moq=1000,
        lead_time_days=30,
        sample_available=True,
        sample_price=5,
        carton_weight_kg=9.5,
        hs_code=6402.2,
        monthly_capacity_pairs=300000.0,
    )
    sheet.append([values[c] for c in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # blank rows are skipped, numbering continues
    sheet.append([values[c] if c != "sku" else "XL-2" for c in COLUMNS])
    sheet.append(
        [values[c] if c not in ("sku", "moq") else {"sku": "XL-3", "moq": -5}[c] for c in COLUMNS]
    )
    out = io.BytesIO()
    workbook.save(out)

    response = upload(client, out.getvalue(), "catalog.xlsx")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"5"}
    assert "moq" in response.json["errors"]["5"]

    sheet.delete_rows(5)
    out = io.BytesIO()
    workbook.save(out)
    response = upload(client, out.getvalue(), "catalog.xlsx")
    assert response.status_code == 201, response.json
    product = products_of(owner.supplier_id)[0]
    assert (product.moq, product.hs_code, product.sample_available) == (1000, "6402.20", True)
    assert product.carton_weight_kg == 9.5 and product.monthly_capacity_pairs == 300000


# Export and the round trip ------------------------------------------------------------------

TRICKY = [
    {"sku": "TR-1", "name": "-50% promo slides", "colors": ["red; dark", "blue|navy"]},
    {"sku": "TR-2", "name": '=HYPERLINK("http://evil.example","x")', "description": "@SUM(A1)"},
    {
        "sku": "TR-3",
        "name": "+cmd|' /C calc'!A0",
        "description": "'=already quoted",
        "sizes": [36, 37.5, 40],
    },
    {"sku": "TR-4", "name": "男士EVA拖鞋 😀", "description": 'Line one\nline "two", with commas'},
]


@pytest.fixture
def tricky_catalog(owner):
    products = [make_product(owner.supplier, **values) for values in TRICKY]
    minimal = {
        "sku": "TR-MIN",
        "name": "Minimal slides",
        "category": "slides",
        "moq": 10,
        "currency": "CNY",
        "price_tiers": [{"min_qty": 10, "unit_price": "8.5"}],
    }
    from marketplace.catalog import services
    from marketplace.catalog.schemas import ProductInputSchema

    products.append(services.create_product(owner.supplier, ProductInputSchema().load(minimal)))
    products.append(make_product(owner.supplier, ProductStatus.REJECTED, sku="TR-REJ"))
    products.append(make_product(owner.supplier, ProductStatus.PUBLISHED, sku="TR-PUB"))
    archived = make_product(owner.supplier, ProductStatus.ARCHIVED, sku="TR-ARCH")
    return products, archived


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import_unchanged(client, tricky_catalog, fmt):
    products, archived = tricky_catalog
    before = {p.id: client.get(f"/api/v1/products/{p.id}").json for p in products}

    response = client.get(f"{EXPORT}?format={fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith(f'.{fmt}"')
    imported = upload(client, response.data, f"export.{fmt}")

    assert imported.status_code == 201, imported.json
    assert imported.json == {"created": 0, "updated": len(products), "unchanged": len(products)}
    after = {p.id: client.get(f"/api/v1/products/{p.id}").json for p in products}
    assert after == before
    assert client.get(f"/api/v1/products/{archived.id}").json["status"] == "archived"


def _exported_cells(client, fmt: str) -> dict[str, dict[str, str]]:
    data = client.get(f"{EXPORT}?format={fmt}").data
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        sheet = workbook.worksheets[0]
        assert all(
            cell.data_type == "s"
            for r in sheet.iter_rows(min_row=2)
            for cell in r
            if cell.value is not None
        ), "no formula cells"
        rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    header, *body = rows
    assert header == list(COLUMNS)
    return {r[0]: dict(zip(header, r, strict=True)) for r in body}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_neutralises_formula_cells(client, tricky_catalog, fmt):
    cells = _exported_cells(client, fmt)
    assert cells["TR-1"]["name"] == "'-50% promo slides"
    assert cells["TR-2"]["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert cells["TR-2"]["description"] == "'@SUM(A1)"
    assert cells["TR-3"]["name"] == "'+cmd|' /C calc'!A0"
    assert cells["TR-3"]["description"] == "''=already quoted"
    assert cells["TR-1"]["colors"] == '["red; dark", "blue|navy"]'
    assert cells["TR-3"]["sizes"] == "36;37.5;40"
    for values in cells.values():
        for text in values.values():
            assert not text.startswith(("=", "+", "-", "@", "\t", "\r")), text
    assert "TR-ARCH" not in cells and {"TR-REJ", "TR-PUB", "TR-MIN"} <= set(cells)


def test_export_is_empty_but_valid_for_a_new_company(client):
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").strip() == ",".join(COLUMNS)


# Template --------------------------------------------------------------------------------


def test_csv_template_has_the_columns_and_an_example_that_imports(client, owner):
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert 'filename="catalog-import-template.csv"' in response.headers["Content-Disposition"]
    header, _example = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == list(COLUMNS)
    assert upload(client, response.data).json == {"created": 1, "updated": 0, "unchanged": 0}


def test_xlsx_template_explains_every_column(client):
    response = client.get(f"{TEMPLATE}?format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    products, columns = workbook.worksheets
    assert [c.value for c in products[1]] == list(COLUMNS)
    explained = [r[0] for r in columns.iter_rows(min_row=2, values_only=True)]
    assert set(COLUMNS) <= set(explained)
    allowed = {r[0]: r[1:] for r in columns.iter_rows(values_only=True) if r and r[0]}
    assert "eva-slippers" in allowed["category"] and "EVA" in allowed["materials"]
    assert "FOB" in allowed["incoterms"] and "logo" in allowed["customization"]


def test_wrong_format_is_422(client):
    assert client.get(f"{EXPORT}?format=pdf").status_code == 422
    assert client.get(f"{TEMPLATE}?format=xls").status_code == 422


# Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("post", IMPORT), ("get", EXPORT), ("get", TEMPLATE)])
def test_anonymous_is_401_and_buyers_403(api, login_as, method, path):
    before = catalog_rows()
    kwargs = (
        {
            "data": {"file": (io.BytesIO(csv_bytes([row()])), "c.csv")},
            "content_type": "multipart/form-data",
        }
        if method == "post"
        else {}
    )
    assert getattr(api, method)(path, **kwargs).status_code == 401
    kwargs = (
        {
            "data": {"file": (io.BytesIO(csv_bytes([row()])), "c.csv")},
            "content_type": "multipart/form-data",
        }
        if method == "post"
        else {}
    )
    assert getattr(login_as(BuyerFactory()), method)(path, **kwargs).status_code == 403
    assert catalog_rows() == before


def test_staff_import_into_their_own_company(login_as):
    staff = SupplierStaffFactory()
    response = upload(login_as(staff), csv_bytes([row(sku="STAFF-1")]))
    assert response.status_code == 201
    assert [p.sku for p in products_of(staff.supplier_id)] == ["STAFF-1"]


def test_import_needs_the_csrf_token_with_a_cookie(client):
    response = client.post(
        IMPORT,
        data={"file": (io.BytesIO(csv_bytes([row()])), "c.csv")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert response.json["message"] == "The CSRF token is missing."


ROWS_TO_VALIDATE = [
    row(),
    row(sku="", name="", moq=""),
    row(category="socks", moq="lots", hs_code="1234.56", sizes="S-M"),
    row(price_tiers="1000:1.20;5000:1.30", sample_available="no", currency="xyz"),
    row(description="", colors="", sizes="", sample_price="", incoterms="FOB;XXX"),
    row(carton_dimensions_cm="0x40x35", customization="logo;logo", materials="EVA;EVA"),
    {"sku": "ONLY-SOME", "name": "Slides", "price_tiers": "oops"},
]


@pytest.mark.parametrize("cells", ROWS_TO_VALIDATE)
def test_fast_row_validation_equals_a_plain_schema_load(app, cells):
    """The remembering validator gives what ProductInputSchema().load gives row by row
    (the path a row with a bad cell takes)."""
    from marketplace.catalog.importer import RowValidator

    fast = RowValidator()
    for _ in range(2):  # the second time from the remembered outcomes
        assert fast.load(cells) == fast.plain_load(cells)
